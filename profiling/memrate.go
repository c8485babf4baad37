package profiling

import "runtime"

// MemPassRate is runtime.MemProfileRate during a heap or allocs pass: on
// average one sampled allocation per 4 KiB allocated, 128 times finer than
// the runtime's default of 512 KiB. The number of samples in a pass is a
// Poisson count with mean (bytes allocated)/rate, so at the default a short
// pass of a side that allocates little can hold none: route-match with jit
// off, under the race detector, ran 10 736 operations in a 100 ms pass and
// left an empty allocs profile. The pass rate multiplies that mean by 128:
// a pass that expected one sample (empty 37 % of the time) expects 128
// (empty with probability e^-128).
//
// The rate is lowered for the memory pass only and put back after it, as
// the block and mutex rates are: each sampled allocation costs a stack walk,
// about a microsecond, which at 4 KiB would slow an allocation-heavy
// workload by tens of percent and favour whichever side allocates less if
// it were on while rounds are measured. Changing the rate mid-run is sound
// here for two reasons. The runtime checks on every allocation whether
// MemProfileRate changed since its P drew its next sampling point
// (mcache.memProfRate) and draws a new one at once, so the pass is sampled
// at the new rate from its first allocation. And records hold raw counts,
// scaled by the rate in force when a profile is written: both snapshots
// around the pass are written at the pass rate, so what was recorded
// before the pass at another rate is scaled alike in both and cancels.
const MemPassRate = 4096

// withMemPassRate sets runtime.MemProfileRate for one memory pass and
// returns what puts the previous rate back. A rate already finer than
// MemPassRate (1 records every allocation), set by a program for its own
// reasons, is kept.
func withMemPassRate() (restore func()) {
	prev := runtime.MemProfileRate
	if prev <= 0 || prev > MemPassRate {
		runtime.MemProfileRate = MemPassRate
	}
	return func() { runtime.MemProfileRate = prev }
}
