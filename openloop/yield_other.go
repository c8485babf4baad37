//go:build !linux

package openloop

import "time"

// osYield is a no-op where sched_yield is not wired up.
func osYield() {}

// osSleep sleeps on a Go timer where nanosleep is not wired up; the margin
// calibrates its coarser wake-up.
func osSleep(ns int64) { time.Sleep(time.Duration(ns)) }
