package profiling

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/stats"
)

// Run is one side's profile as captured, with the operations it covers.
type Run struct {
	Profile *profile.Profile
	Ops     int64
}

// Exposure is what one side's profile of a comparison rests on.
type Exposure struct {
	Ops     int64 `json:"ops"`     // operations the profiling pass ran
	Samples int64 `json:"samples"` // sampling events, as captured (see events)
	// Dispersion is how many samples may come from one sampling instant
	// (fgprof's goroutines per tick; 1 for every other kind). The rate test
	// counts Samples/Dispersion independent samples.
	Dispersion int64   `json:"dispersion"`
	Scale      float64 `json:"scale"` // factor the written profile was scaled by
	Thin       bool    `json:"thin"`  // fewer than ThinSamples samples
}

// Comparison is one kind's two profiles made comparable, diffed and tested.
type Comparison struct {
	Kind Kind `json:"kind"`
	// Ops is the common operation count: both written profiles are scaled
	// to it, so their diff compares equal work.
	Ops    int64    `json:"ops"`
	Off    Exposure `json:"off"`
	On     Exposure `json:"on"`
	Tested bool     `json:"tested"` // false for a kind whose sampling is not modelled
	// Overdispersion is how many times the Poisson variance the function
	// counts varied by in this comparison (see overdispersion); the tests
	// count Samples/(Dispersion·Overdispersion) independent samples.
	Overdispersion float64 `json:"overdispersion,omitempty"`
	Movers         []Mover `json:"-"` // kept apart in results.json (top_movers)
	// The written profiles: off and on scaled to Ops, and on minus off.
	OffProfile, OnProfile, Diff *profile.Profile `json:"-"`
}

// Compare makes two profiles of one kind comparable and ranks what moved.
//
// The sides may have run different operation counts (perfbench profiles
// each side for the same time, so the faster side is not left with a
// handful of samples). Each profile is copied and scaled (Profile.Scale) to
// the larger count: equal work, so `go tool pprof -diff_base off on` on the
// written files compares like with like, as it did when both sides ran the
// same count. Scaling up rather than down to one operation keeps integer
// values exact to ±0.5 per sample; scaled to one operation, a CPU sample
// count or a large object's allocation count would round to zero.
//
// Movers are ranked from the scaled diff exactly as TopMovers ranks them,
// then tested: for each function, the raw sample counts of the two sides
// against their exposures (operations over sampling period) with
// stats.RateTest, corrected for the number of functions tested with
// stats.BenjaminiHochberg. Significant movers (q ≤ stats.FDR) come first;
// the top n (all when n ≤ 0) are kept.
func Compare(off, on Run, n int) (*Comparison, error) {
	if off.Profile == nil || on.Profile == nil {
		return nil, fmt.Errorf("compare: nil profile")
	}
	if off.Ops < 1 || on.Ops < 1 {
		return nil, fmt.Errorf("compare: operation counts %d, %d: want at least 1", off.Ops, on.Ops)
	}
	// A kind perfbench does not model (a block profile, say) is still
	// scaled and diffed; its movers go untested.
	kind, err := KindOf(on.Profile)
	if err != nil {
		kind = Kind(Label(on.Profile))
	}
	c := &Comparison{Kind: kind, Ops: max(off.Ops, on.Ops)}
	c.OffProfile, c.Off = scaleTo(off, c.Ops)
	c.OnProfile, c.On = scaleTo(on, c.Ops)
	if c.Diff, err = Diff(c.OffProfile, c.OnProfile); err != nil {
		return nil, err
	}
	movers, err := TopMovers(c.Diff, 0)
	if err != nil {
		return nil, err
	}

	offEv, okOff := events(off.Profile, kind)
	onEv, okOn := events(on.Profile, kind)
	c.Tested = okOff && okOn
	if c.Tested {
		c.Off.Samples, c.On.Samples = SampleCount(off.Profile, kind), SampleCount(on.Profile, kind)
		c.Off.Dispersion = dispersion(off.Profile, kind, c.Off.Samples)
		c.On.Dispersion = dispersion(on.Profile, kind, c.On.Samples)
		c.Off.Thin, c.On.Thin = c.Off.Samples < ThinSamples, c.On.Samples < ThinSamples
		c.Overdispersion = testMovers(movers, kind, offEv, onEv, c.Off, c.On, off.Profile.Period, on.Profile.Period)
	} else {
		for i := range movers {
			movers[i].Untested = true
		}
	}
	slices.SortStableFunc(movers, func(a, b Mover) int {
		return cmp.Compare(b2i(b.Test.significant()), b2i(a.Test.significant()))
	})
	if n > 0 && len(movers) > n {
		movers = movers[:n]
	}
	c.Movers = movers
	return c, nil
}

// MoverTest is the sampling-noise test of one mover.
type MoverTest struct {
	SamplesOff int64 `json:"samples_off"` // raw sampling events charged to the function
	SamplesOn  int64 `json:"samples_on"`
	// Q is the Benjamini-Hochberg adjusted p-value of the rate test.
	Q           float64 `json:"q"`
	Significant bool    `json:"significant"` // Q ≤ stats.FDR
}

func (t *MoverTest) significant() bool { return t != nil && t.Significant }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testMovers attaches a MoverTest to every mover. The family corrected for
// is every function with a sample on either side, movers or not; a function
// with a negative count (heap: freed more than it kept) has no rate and
// stays untested.
//
// Wall profiles need one more guard. A goroutine that waits through the
// whole pass (parked in runtime.gopark, a timer in runtime.notetsleepg)
// collects one sample per tick, however many operations ran: its count is
// proportional to the pass's duration, exact rather than Poisson, and its
// rate per operation moves with the pass's throughput, which load on the
// machine moves too. A/A runs here called such waits "significant" in 2 of
// 14 runs. So a wall mover is called only when its share of the profile
// changed as well (an intersection-union test: p = the larger of the
// per-operation and the share test's p, which keeps the level of either).
// CPU and allocation samples are proportional to work, not time, and keep
// the per-operation test alone, which still sees a change that shrinks
// every function alike.
//
// Counts are deflated by the comparison's overdispersion first, so that a
// function whose samples vary more than Poisson between passes is not
// called on that variation alone. It returns the overdispersion used.
func testMovers(movers []Mover, kind Kind, offEv, onEv map[string]int64, offX, onX Exposure, offPeriod, onPeriod int64) float64 {
	names := map[string]bool{}
	for name := range offEv {
		names[name] = true
	}
	for name := range onEv {
		names[name] = true
	}
	phi := overdispersion(offEv, onEv, offX, onX)
	e0 := exposure(offX, offPeriod, phi)
	e1 := exposure(onX, onPeriod, phi)
	var family []string
	var ps []float64
	for name := range names {
		k0, k1 := offEv[name], onEv[name]
		if k0 < 0 || k1 < 0 || k0+k1 == 0 {
			continue
		}
		i0, i1 := independent(k0, offX, phi), independent(k1, onX, phi)
		p := stats.RateTest(i0, e0, i1, e1)
		if kind == Wall {
			p = max(p, stats.RateTest(i0, float64(independent(offX.Samples, offX, phi)), i1, float64(independent(onX.Samples, onX, phi))))
		}
		family = append(family, name)
		ps = append(ps, p)
	}
	qs := stats.BenjaminiHochberg(ps)
	q := make(map[string]float64, len(family))
	for i, name := range family {
		q[name] = qs[i]
	}
	for i := range movers {
		m := &movers[i]
		qv, ok := q[m.Function]
		if !ok {
			// Not in the family: no sample at all (a value that rounds
			// from nothing), or a negative count.
			if offEv[m.Function] < 0 || onEv[m.Function] < 0 {
				m.Untested = true
				continue
			}
			qv = 1
		}
		m.Test = &MoverTest{SamplesOff: offEv[m.Function], SamplesOn: onEv[m.Function], Q: qv, Significant: qv <= stats.FDR}
	}
	return phi
}

// MaxOverdispersion caps the overdispersion a comparison's tests allow
// for. A/A profiles of route-match (`scripts/aa-movers.sh`) varied up to 3
// times Poisson in their allocation counts; a cap keeps a real mover that
// dominates a kind of few functions (and so inflates the estimate itself)
// from being deflated into noise.
const MaxOverdispersion = 4

// minDispersionSamples is the smallest independent count (both sides) a
// function needs to enter the overdispersion estimate: below it, the
// normal approximation of its Pearson residual does not hold.
const minDispersionSamples = 10

// overdispersion estimates how much more than Poisson the per-function
// counts vary between the two sides: quasi-Poisson's Pearson X²/df over
// the functions with at least minDispersionSamples, each function's on
// count against its expected share of the two sides' total (df = functions
// - 1), in [1, MaxOverdispersion]; 1 with fewer than three such functions.
// Sampling alone gives about 1. Profiles of one code path vary more: a
// memory pass's allocation counts per function moved by up to 2.3 times in
// A/A runs where the total bytes per operation stayed within 0.1 %, and
// the pass-to-pass state of a fresh instance (what the GC and pools hold)
// shifts samples between functions. The shares are used rather than the
// rates per operation, so that load on the machine, which slows every
// function of a pass alike, does not count as dispersion.
func overdispersion(offEv, onEv map[string]int64, offX, onX Exposure) float64 {
	type pair struct{ k0, k1 float64 }
	var fams []pair
	var t0, t1 float64
	for name, k0 := range offEv {
		k1 := onEv[name]
		if k0 < 0 || k1 < 0 {
			continue
		}
		fams = append(fams, pair{float64(independent(k0, offX, 1)), float64(independent(k1, onX, 1))})
	}
	for name, k1 := range onEv {
		if _, ok := offEv[name]; !ok && k1 > 0 {
			fams = append(fams, pair{0, float64(independent(k1, onX, 1))})
		}
	}
	for _, f := range fams {
		t0, t1 = t0+f.k0, t1+f.k1
	}
	if t0 <= 0 || t1 <= 0 {
		return 1
	}
	pi := t1 / (t0 + t1)
	var x2 float64
	m := 0
	for _, f := range fams {
		n := f.k0 + f.k1
		if n < minDispersionSamples {
			continue
		}
		d := f.k1 - n*pi
		x2 += d * d / (n * pi * (1 - pi))
		m++
	}
	if m < 3 {
		return 1
	}
	return min(MaxOverdispersion, max(1, x2/float64(m-1)))
}

// exposure is what a side's counts are proportional to under "same cost per
// operation": operations over the sampling period, over the dispersion and
// overdispersion phi that independent divides the counts by.
func exposure(x Exposure, period int64, phi float64) float64 {
	e := float64(x.Ops)
	if period > 0 {
		e /= float64(period)
	}
	return e / (float64(x.Dispersion) * phi)
}

// independent is k samples as a count no more variable than Poisson.
func independent(k int64, x Exposure, phi float64) int64 {
	return int64(math.Round(float64(k) / (float64(x.Dispersion) * phi)))
}

// scaleTo copies r's profile scaled to ops operations and notes the scaling
// in the profile's comments, where `go tool pprof -comments` shows it. The
// duration is scaled too — the time ops operations would take at the pass's
// pace — so that pprof's "Total samples = X (Y%)" keeps its meaning.
func scaleTo(r Run, ops int64) (*profile.Profile, Exposure) {
	p := r.Profile.Copy()
	ratio := float64(ops) / float64(r.Ops)
	p.Scale(ratio)
	p.DurationNanos = int64(math.Round(float64(p.DurationNanos) * ratio))
	p.Comments = append(p.Comments, fmt.Sprintf(
		"perfbench: %d operations profiled; values scaled ×%.6g to %d operations, so off and on compare equal work",
		r.Ops, ratio, ops))
	return p, Exposure{Ops: r.Ops, Dispersion: 1, Scale: ratio}
}
