package profiling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/stats"
)

// The files Compare produces, opened and diffed the way
// `go tool pprof -diff_base off on` does, compare equal work: a function
// whose cost per operation did not change shows no change, however unequal
// the two sides' operation counts were. Checked through the library (Diff,
// which TestTopMoversMatchGoToolPprof holds to pprof's own output) and
// through the real command.
func TestCompareWritesEqualWork(t *testing.T) {
	// off ran 10 ops: a 30/op, b 10/op. on ran 40 ops: a 30/op, b 5/op, c 4/op.
	off := Run{synthetic(CPU, map[string]int64{"main.a": 300, "main.b": 100}), 10}
	off.Profile.DurationNanos = 1e9
	on := Run{synthetic(CPU, map[string]int64{"main.a": 1200, "main.b": 200, "main.c": 160}), 40}
	c, err := Compare(off, on, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ops != 40 || c.Off.Scale != 4 || c.On.Scale != 1 {
		t.Fatalf("common ops %d, scales %g %g; want 40, 4, 1", c.Ops, c.Off.Scale, c.On.Scale)
	}
	if off.Profile.Sample[0].Value[1] != 300 {
		t.Fatal("Compare modified its input")
	}
	dir := t.TempDir()
	sets := Sets{Off: Set{CPU: c.OffProfile}, On: Set{CPU: c.OnProfile}, Diff: Set{CPU: c.Diff}}
	if err := sets.Save(dir); err != nil {
		t.Fatal(err)
	}
	offPath, onPath := filepath.Join(dir, FileName(CPU, stats.Off)), filepath.Join(dir, FileName(CPU, stats.On))
	fd, err := DiffFiles(offPath, onPath, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]int64{ // base, new, delta at 40 ops
		"main.b": {400, 200, -200},
		"main.c": {0, 160, 160},
	}
	if len(fd.Movers) != len(want) {
		t.Fatalf("movers from the files: %+v, want %v (main.a unchanged per op)", fd.Movers, want)
	}
	for _, m := range fd.Movers {
		if w := want[m.Function]; m.Base != w[0] || m.New != w[1] || m.Delta != w[2] {
			t.Errorf("%s: %d → %d (%+d), want %v", m.Function, m.Base, m.New, m.Delta, w)
		}
	}
	rows, _ := pprofTop(t, offPath, onPath, "cpu", "ns")
	for _, r := range rows {
		if w, ok := want[r.name]; !ok || r.flat != w[2] {
			t.Errorf("go tool pprof -diff_base: %s %d, want %v", r.name, r.flat, want[r.name])
		}
	}
	if len(rows) != len(want) {
		t.Errorf("go tool pprof -diff_base shows %d changed functions, want %d", len(rows), len(want))
	}
	if c.OffProfile.DurationNanos != 4e9 {
		t.Errorf("scaled duration %d, want 4e9 (4× the work at the same pace)", c.OffProfile.DurationNanos)
	}
	if len(c.OffProfile.Comments) == 0 {
		t.Error("scaled profile carries no note of its scaling")
	}
}

// Known counts, known q-values: the family is every sampled function, and
// significant movers come first whatever their size.
func TestCompareTestsMovers(t *testing.T) {
	type want struct {
		q   float64
		sig bool
	}
	for _, c := range []struct {
		name             string
		off, on          map[string]int64
		offOps, onOps    int64
		order            []string
		tests            map[string]want
		offThin, onThin  bool
		offSampl, onSamp int64
	}{
		{
			// b: 10 against 0 at equal work, p = 2/1024; a unchanged
			// (p = 1) is in the family: q = 2·p.
			name: "gone", off: map[string]int64{"main.a": 100, "main.b": 10}, on: map[string]int64{"main.a": 100},
			offOps: 1, onOps: 1, order: []string{"main.b"},
			tests:    map[string]want{"main.b": {2.0 / 1024 * 2, true}},
			offSampl: 110, onSamp: 100,
		},
		{
			// 4 against 0: p = 2/16, q = 0.25: noise.
			name: "too few to tell", off: map[string]int64{"main.a": 100, "main.b": 4}, on: map[string]int64{"main.a": 100},
			offOps: 1, onOps: 1, order: []string{"main.b"},
			tests:    map[string]want{"main.b": {0.25, false}},
			offSampl: 104, onSamp: 100,
		},
		{
			// on ran 20× the ops: a at the same rate is no mover; b
			// halved per op over hundreds of samples is significant and
			// ranks above c, a bigger change of few samples.
			name:   "unequal work",
			off:    map[string]int64{"main.a": 50, "main.b": 200, "main.c": 2},
			on:     map[string]int64{"main.a": 1000, "main.b": 2000, "main.c": 80},
			offOps: 1, onOps: 20, order: []string{"main.b", "main.c"},
			tests:   map[string]want{"main.b": {-1, true}, "main.c": {-1, false}},
			offThin: false, onThin: false, offSampl: 252, onSamp: 3080,
		},
		{
			name: "thin side", off: map[string]int64{"main.a": 99}, on: map[string]int64{"main.a": 50},
			offOps: 1, onOps: 1, order: []string{"main.a"}, tests: map[string]want{"main.a": {-1, true}},
			offThin: true, onThin: true, offSampl: 99, onSamp: 50,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmp, err := Compare(Run{synthetic(CPU, c.off), c.offOps}, Run{synthetic(CPU, c.on), c.onOps}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Tested || cmp.Off.Samples != c.offSampl || cmp.On.Samples != c.onSamp ||
				cmp.Off.Thin != c.offThin || cmp.On.Thin != c.onThin {
				t.Errorf("exposures %+v %+v", cmp.Off, cmp.On)
			}
			var order []string
			for _, m := range cmp.Movers {
				order = append(order, m.Function)
				w, ok := c.tests[m.Function]
				if !ok || m.Test == nil {
					t.Errorf("%s: test %+v", m.Function, m.Test)
					continue
				}
				if m.Test.Significant != w.sig || w.q >= 0 && math.Abs(m.Test.Q-w.q) > 1e-12 {
					t.Errorf("%s: q %g significant %v, want %g %v", m.Function, m.Test.Q, m.Test.Significant, w.q, w.sig)
				}
			}
			if len(order) != len(c.order) {
				t.Fatalf("movers %v, want %v", order, c.order)
			}
			for i := range order {
				if order[i] != c.order[i] {
					t.Fatalf("movers %v, want %v", order, c.order)
				}
			}
		})
	}
}

// A pass slowed down by load stretches every stack's wall time per
// operation alike: in a wall profile that is no mover, since the shares did
// not change; the same counts in a CPU profile are more work per operation.
func TestCompareWallNeedsTheShareToMove(t *testing.T) {
	off := map[string]int64{"runtime.gopark": 1000, "main.work": 1000}
	slow := map[string]int64{"runtime.gopark": 1300, "main.work": 1300}
	shifted := map[string]int64{"runtime.gopark": 1000, "main.work": 1600}
	for _, c := range []struct {
		kind   Kind
		on     map[string]int64
		called []string
	}{
		{Wall, slow, nil},
		{CPU, slow, []string{"main.work", "runtime.gopark"}},
		{Wall, shifted, []string{"main.work"}},
	} {
		cmp, err := Compare(Run{synthetic(c.kind, off), 1000}, Run{synthetic(c.kind, c.on), 1000}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var called []string
		for _, m := range cmp.Movers {
			if m.Test.significant() {
				called = append(called, m.Function)
			}
		}
		if fmt.Sprint(called) != fmt.Sprint(c.called) {
			t.Errorf("%s %v: called %v, want %v", c.kind, c.on, called, c.called)
		}
	}
}

// A profile of a kind whose sampling is not modelled is scaled and diffed
// like any other, and its movers are left untested.
func TestCompareUntestedKind(t *testing.T) {
	c, err := Compare(Run{other(map[string]int64{"main.a": 10}), 1}, Run{other(map[string]int64{"main.a": 10}), 2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Tested || len(c.Movers) != 1 || c.Movers[0].Test != nil || c.Movers[0].Delta != -10 || c.Kind != "wait" {
		t.Fatalf("comparison %+v, movers %+v", c, c.Movers)
	}
}

func TestUnscaleHeapInvertsTheRuntime(t *testing.T) {
	const rate = 512 * 1024
	for _, c := range []struct {
		n    int64 // allocations sampled
		size int64
	}{{10, 64}, {3, 4096}, {7, 1 << 20}, {1, 8 << 20}, {1000, 24}} {
		// runtime/pprof's scaleHeapSample.
		scale := 1 / (1 - math.Exp(-float64(c.size)/rate))
		objects, space := int64(float64(c.n)*scale), int64(float64(c.n*c.size)*scale)
		// The runtime truncates the estimate to an integer, an error of
		// under one sampled allocation; events rounds it away.
		if got := unscaleHeap(objects, space, rate); math.Round(got) != float64(c.n) {
			t.Errorf("%d × %d B: unscale(%d, %d) = %g", c.n, c.size, objects, space, got)
		}
		if got := unscaleHeap(objects, space, 1); got != float64(objects) {
			t.Errorf("rate 1 records every allocation: got %g", got)
		}
	}
	if got := unscaleHeap(0, 0, rate); got != 0 {
		t.Errorf("empty: %g", got)
	}
}

func TestDispersion(t *testing.T) {
	wall := synthetic(Wall, map[string]int64{"main.a": 1})
	wall.DurationNanos = 1e9 // 99 ticks at fgprof's 10 101 010 ns period
	for _, c := range []struct {
		p     *profile.Profile
		k     Kind
		total int64
		want  int64
	}{
		{wall, Wall, 495, 5},
		{wall, Wall, 496, 6}, // rounded up
		{wall, Wall, 10, 1},
		{synthetic(CPU, map[string]int64{"main.a": 1}), CPU, 495, 1},
		{synthetic(Wall, map[string]int64{"main.a": 1}), Wall, 495, 1}, // no duration: no bound known
	} {
		if got := dispersion(c.p, c.k, c.total); got != c.want {
			t.Errorf("dispersion(%s, %d) = %d, want %d", c.k, c.total, got, c.want)
		}
	}
}

// A/A through Compare with profiles whose counts are exactly Poisson:
// sides of very different operation counts, the same cost per operation.
// Under the null, the binomial test with BH calls something in at most an
// FDR share of comparisons. Fixed seed, so the count is exact and the same
// on every run; it must stay within that bound plus the Monte-Carlo error
// of 1000 comparisons (±0.7 %).
func TestCompareAAFalseDiscoveries(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 14))
	const runs, functions = 1000, 30
	called := 0
	for range runs {
		cost := make([]float64, functions)
		for i := range cost {
			cost[i] = 0.5 + 20*r.Float64() // samples per op at this period
		}
		side := func(ops int64) Run {
			v := map[string]int64{}
			for i, c := range cost {
				if k := poissonDraw(r, c*float64(ops)); k > 0 {
					v[string(rune('a'+i%26))+string(rune('0'+i/26))] = k
				}
			}
			return Run{synthetic(CPU, v), ops}
		}
		cmp, err := Compare(side(1), side(1+int64(r.IntN(20))), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cmp.Movers {
			if m.Test.significant() {
				called++
				break
			}
		}
	}
	if limit := int(runs * (stats.FDR + 0.007)); called > limit {
		t.Fatalf("%d of %d A/A comparisons called a mover; the bound is %d", called, runs, limit)
	}
	t.Logf("%d of %d A/A comparisons called a mover", called, runs)
}

// poissonDraw draws by inversion for small means and a rounded normal above,
// which is plenty for a bound test.
func poissonDraw(r *rand.Rand, mean float64) int64 {
	if mean > 50 {
		return max(0, int64(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), int64(0), 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// A/A with counts that vary more than Poisson between the two sides, as the
// allocation counts of real A/A profiles did (route-match, 12 runs of
// scripts/aa-movers.sh: Pearson X²/df of the per-function counts up to 3,
// one function 24 against 65 samples at equal work): a handful of
// functions of ~300 samples per side, each side's count a Poisson draw
// scaled by phi, so that its variance is phi times its mean. The goal is at
// most 1 comparison in 20 calling a mover; with 200 comparisons, more than
// 18 would happen with chance under 1 % if the true rate were 5 %
// (binomial, P(X ≥ 19 | n = 200, p = 0.05) = 0.8 %). Fixed seed: the count
// is exact on every run.
func TestCompareAAOverdispersedCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 7))
	const runs, limit = 200, 18
	for _, phi := range []float64{2, 3} {
		called := 0
		for range runs {
			functions := 4 + r.IntN(3)
			cost := make([]float64, functions) // samples per side
			for i := range cost {
				cost[i] = 300 * (0.05 + r.Float64()) / float64(functions) * 1.8
			}
			side := func() Run {
				v := map[string]int64{}
				for i, c := range cost {
					if k := int64(math.Round(phi * float64(poissonDraw(r, c/phi)))); k > 0 {
						v[string(rune('a'+i))] = k
					}
				}
				return Run{synthetic(CPU, v), 1000} // the test is the same for every tested kind
			}
			cmp, err := Compare(side(), side(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(cmp.Movers, func(m Mover) bool { return m.Test.significant() }) {
				called++
			}
		}
		t.Logf("phi %g: %d of %d A/A comparisons called a mover", phi, called, runs)
		if called > limit {
			t.Errorf("phi %g: %d of %d A/A comparisons called a mover; at most %d", phi, called, runs, limit)
		}
	}
}

// The overdispersion estimate: about 1 for counts that differ by sampling,
// larger where they differ more, capped, and left at 1 with too few
// functions to tell.
func TestOverdispersion(t *testing.T) {
	x := Exposure{Ops: 1, Dispersion: 1}
	for _, c := range []struct {
		name    string
		off, on map[string]int64
		want    float64
	}{
		{"identical", map[string]int64{"a": 100, "b": 50, "c": 20}, map[string]int64{"a": 100, "b": 50, "c": 20}, 1},
		// equal totals, share 0.5: b and c each (60-50)²/25 = 4, a and
		// d 0; 8 over 3 df
		{"two moved", map[string]int64{"a": 100, "b": 40, "c": 60, "d": 10}, map[string]int64{"a": 100, "b": 60, "c": 40, "d": 10}, 8.0 / 3},
		{"capped", map[string]int64{"a": 100, "b": 10, "c": 50}, map[string]int64{"a": 100, "b": 90, "c": 50}, MaxOverdispersion},
		{"too few functions", map[string]int64{"a": 100, "b": 10}, map[string]int64{"a": 10, "b": 100}, 1},
		{"small counts left out", map[string]int64{"a": 100, "b": 50, "c": 9, "d": 100}, map[string]int64{"a": 100, "b": 50, "c": 0, "d": 100}, 1},
	} {
		if got := overdispersion(c.off, c.on, x, x); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: overdispersion %g, want %g", c.name, got, c.want)
		}
	}
}
