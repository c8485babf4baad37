package cluster

import (
	"syscall"
	"time"
)

// sleep blocks the calling thread for d in nanosleep: a Go timer wakes an
// idle process up to about 1 ms late on Linux (the netpoller waits in
// whole milliseconds), which made a stream's generator send in bursts of
// what fell due meanwhile instead of at its rate; nanosleep overshoots by
// the thread's timer slack, tens of µs.
func sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
