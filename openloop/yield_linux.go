package openloop

import "syscall"

// osYield gives the CPU to another runnable thread, if any (sched_yield).
func osYield() { syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }

// osSleep sleeps ns in nanosleep: it overshoots by the thread's timer slack
// and the wake-up, not by the netpoller's millisecond.
func osSleep(ns int64) {
	ts := syscall.NsecToTimespec(ns)
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
