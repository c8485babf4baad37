//go:build !linux

package load

// osYield is a no-op where sched_yield is not wired up.
func osYield() {}
