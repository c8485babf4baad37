package profiling

import (
	"math"
	"runtime"
	"testing"
)

// A memory pass is sampled at MemPassRate whatever the process default,
// and the default is back after it. A phase of 1 024 allocations of 1 KiB
// leaves 1 024·(1−e^(−1/4)) ≈ 226 sampled allocations at 4 KiB (each
// allocation is sampled with probability 1−e^(−size/rate)); at the
// runtime's default of 512 KiB it would leave about 2, and none at all in
// one pass of seven. The bounds are five binomial standard deviations.
func TestCaptureMemorySamplesAtPassRate(t *testing.T) {
	const objects, size = 1024, 1024
	p1 := -math.Expm1(-float64(size) / MemPassRate)
	want := objects * p1
	slack := 5 * math.Sqrt(objects*p1*(1-p1))
	for _, k := range []Kind{Allocs, Heap} {
		t.Run(string(k), func(t *testing.T) {
			before := runtime.MemProfileRate
			p := capture(t, k, func() { allocAlpha(objects * size) })
			if after := runtime.MemProfileRate; after != before {
				t.Errorf("runtime.MemProfileRate after the pass = %d, want %d as before", after, before)
			}
			if p.Period != MemPassRate {
				t.Errorf("profile period = %d, want the pass rate %d", p.Period, MemPassRate)
			}
			ev, _ := events(p, Allocs) // heap profiles carry the alloc columns too
			if got := float64(ev[pkg+"allocAlpha"]); math.Abs(got-want) > slack {
				t.Errorf("allocAlpha: %.0f sampled allocations, want %.0f ± %.0f", got, want, slack)
			}
		})
	}
}

// withMemPassRate lowers the rate to MemPassRate, keeps a finer one a
// program chose, turns a disabled memory profiler on for the pass, and
// always puts the previous rate back.
func TestWithMemPassRate(t *testing.T) {
	orig := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = orig })
	tests := []struct {
		name       string
		prev, want int
	}{
		{"runtime default", 512 * 1024, MemPassRate},
		{"coarser", MemPassRate + 1, MemPassRate},
		{"equal", MemPassRate, MemPassRate},
		{"finer kept", 512, 512},
		{"every allocation kept", 1, 1},
		{"disabled", 0, MemPassRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.MemProfileRate = tt.prev
			restore := withMemPassRate()
			during := runtime.MemProfileRate
			restore()
			if during != tt.want || runtime.MemProfileRate != tt.prev {
				t.Errorf("rate during the pass %d, after %d; want %d and %d", during, runtime.MemProfileRate, tt.want, tt.prev)
			}
		})
	}
}
