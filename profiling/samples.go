package profiling

import (
	"fmt"
	"math"

	"github.com/google/pprof/profile"
)

// TargetSamples is how many samples a profiling pass aims for (see
// measure.Pair.CaptureProfiles); ThinSamples is where a warning starts.
const TargetSamples = 300

// ThinSamples is the number of independent samples below which a side's
// profile is flagged as too thin to trust: a function holding 10 % of such a
// profile has about 10 samples, ±60 % at two standard deviations, so only
// near-total disappearances can be told from noise.
const ThinSamples = 100

// events counts the sampling events behind p per function (flat, as
// flatName charges them). ok is false for a profile of a kind
// whose sampling perfbench does not model; its movers go untested.
//
//   - cpu, wall: the samples/count column, one SIGPROF sample (cpu) or one
//     goroutine seen at one fgprof tick (wall).
//   - allocs, heap: the number of allocations the runtime actually sampled.
//     A memory profile holds estimates, each stack's sampled counts scaled up
//     by 1/(1-exp(-s/R)) (s its average object size, R = MemProfileRate, the
//     profile's period; runtime/pprof's scaleHeapSample). That factor is
//     inverted here per sample; with R ≤ 1 every allocation was recorded and
//     nothing is scaled. allocs uses alloc_objects/alloc_space; heap uses
//     inuse_objects/inuse_space, the net live growth of the phase, which
//     is negative where the phase freed more than it kept.
func events(p *profile.Profile, k Kind) (byFunc map[string]int64, ok bool) {
	var objIdx, spaceIdx int
	switch k {
	case CPU, Wall:
		objIdx, spaceIdx = 0, -1
	case Allocs:
		objIdx, spaceIdx = 0, 1
	case Heap:
		objIdx, spaceIdx = 2, 3
	default:
		return nil, false
	}
	exact := map[string]float64{}
	for _, s := range p.Sample {
		if len(s.Location) == 0 {
			continue
		}
		n := float64(s.Value[objIdx])
		if spaceIdx >= 0 {
			n = unscaleHeap(s.Value[objIdx], s.Value[spaceIdx], p.Period)
		}
		exact[flatName(s.Location[0])] += n
	}
	byFunc = make(map[string]int64, len(exact))
	for name, n := range exact {
		byFunc[name] = int64(math.Round(n))
	}
	return byFunc, true
}

// Modelled reports whether perfbench models how profiles of kind k are
// sampled, so that it can count their samples and test their movers:
// cpu, wall, heap and allocs. Block and mutex profiles are taken with
// every event recorded (rate and fraction 1), so their counts carry no
// sampling noise to test; run-to-run variation in them is not modelled.
func Modelled(k Kind) bool {
	_, ok := events(&profile.Profile{}, k)
	return ok
}

// SampleCount is the number of samples p, a profile of kind k, is built
// from (0 for a kind whose sampling is not modelled). For heap that is
// the allocations sampled during the phase (its allocs view), not the net
// live growth: a phase that keeps nothing has an empty but well-sampled heap
// profile.
func SampleCount(p *profile.Profile, k Kind) int64 {
	if k == Heap {
		k = Allocs
	}
	byFunc, _ := events(p, k)
	var total int64
	for _, n := range byFunc {
		total += n
	}
	return total
}

// unscaleHeap turns one memory-profile sample's estimated object count back
// into the number of sampled allocations.
func unscaleHeap(objects, space, rate int64) float64 {
	if objects == 0 || space == 0 {
		return 0
	}
	if rate <= 1 {
		return float64(objects)
	}
	avg := float64(space) / float64(objects)
	return float64(objects) * -math.Expm1(-avg/float64(rate))
}

// dispersion bounds how many of a profile's samples can come from one
// sampling instant; total is the profile's sample count. CPU samples and sampled allocations are each their own
// event (1). fgprof records every goroutine at each tick, so one tick adds
// up to G samples to a function where G goroutines sat in it: a count of
// such clustered samples varies up to G times as much as a Poisson count of
// the same mean (each tick adds c ≤ G, so Var c ≤ E c² ≤ G·E c). Dividing a
// wall count by G gives a count no more variable than Poisson, which the
// rate test may then treat as one. G is the mean number of goroutines per
// tick — samples over ticks, ticks = duration / period as fgprof reports
// them — rounded up; a tick fgprof missed on a loaded machine only raises
// it. Using the mean instead of the maximum is an approximation, close for
// workloads whose goroutine count is steady, as perfbench's are.
func dispersion(p *profile.Profile, k Kind, total int64) int64 {
	if k != Wall || p.Period <= 0 || p.DurationNanos <= 0 {
		return 1
	}
	ticks := float64(p.DurationNanos) / float64(p.Period)
	if ticks < 1 {
		return 1
	}
	return max(1, int64(math.Ceil(float64(total)/ticks)))
}

// Merge adds up two profiles of one kind taken of the same side, e.g. two
// consecutive passes: the result covers the operations of both.
func Merge(a, b *profile.Profile) (*profile.Profile, error) {
	p, err := profile.Merge([]*profile.Profile{a, b})
	if err != nil {
		return nil, fmt.Errorf("merge %s profiles: %w", Label(a), err)
	}
	return p, nil
}
