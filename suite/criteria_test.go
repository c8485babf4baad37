package suite

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

// sum is a side with a CI [lo, hi] around center from 10 rounds.
func sum(center, lo, hi float64) stats.Summary {
	return stats.Summary{N: 10, Center: center, Lo: lo, Hi: hi, HasCI: true, Confidence: 0.978}
}

// cmpOf builds the comparison stats.Compare would give for two summaries:
// the same delta and conservative interval arithmetic.
func cmpOf(m stats.Metric, off, on stats.Summary, p float64) stats.Comparison {
	c := stats.Comparison{Metric: m, Off: off, On: on, P: p, Change: stats.NoDiff}
	if off.Center != 0 {
		c.DeltaPct = (on.Center - off.Center) / math.Abs(off.Center) * 100
		c.DeltaLoPct = (on.Lo - off.Hi) / math.Abs(off.Center) * 100
		c.DeltaHiPct = (on.Hi - off.Lo) / math.Abs(off.Center) * 100
	}
	if p < stats.Alpha {
		c.Change = stats.Better
	}
	return c
}

var (
	bytesM = stats.Metric{Name: "B/op", Better: stats.LowerIsBetter, Noise: 0.01}
	nsM    = stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter, Noise: 0.03}
	opsM   = stats.Metric{Name: "ops/s", Better: stats.HigherIsBetter, Noise: 0.03}
	hitM   = stats.Metric{Name: "cache-hit-%", Better: stats.HigherIsBetter, Noise: 0.01}
)

func TestEvaluate(t *testing.T) {
	red80 := toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 80}
	speed3 := toggles.Criterion{Metric: "ops/s", Kind: toggles.Speedup, Target: 3}
	speed3ns := toggles.Criterion{Metric: "ns/op", Kind: toggles.Speedup, Target: 3}
	atMost := toggles.Criterion{Metric: "ns/op", Kind: toggles.AtMost, Target: 10000}
	atLeast := toggles.Criterion{Metric: "cache-hit-%", Kind: toggles.AtLeast, Target: 80}
	notWorse := toggles.Criterion{Metric: "ns/op", Kind: toggles.NotWorse, Target: 3}
	notWorseOps := toggles.Criterion{Metric: "ops/s", Kind: toggles.NotWorse, Target: 3}
	off := sum(1000, 990, 1010)

	unknown := cmpOf(bytesM, off, sum(100, 95, 105), 0.001)
	unknown.Change = stats.Unknown
	unknown.Note = "3 vs 3 samples"
	noCI := cmpOf(bytesM, stats.Summary{N: 5, Center: 1000, Lo: 1000, Hi: 1000}, stats.Summary{N: 5, Center: 100, Lo: 100, Hi: 100}, 0.008)
	zeroOff := cmpOf(bytesM, sum(0, 0, 0), sum(5, 4, 6), 0.001)

	tests := []struct {
		name   string
		c      toggles.Criterion
		cmp    stats.Comparison
		want   verdict.Status
		reason string // substring of the reason, when it matters
	}{
		// Reduction ≥ 80 %: the change interval must lie wholly at or below -80 %.
		{"reduction pass", red80, cmpOf(bytesM, off, sum(100, 95, 105), 0.0001), verdict.Pass, ""},
		{"reduction pass at the boundary", red80, cmpOf(bytesM, sum(1000, 1000, 1000), sum(190, 180, 200), 0.0001), verdict.Pass, ""},
		{"reduction fail", red80, cmpOf(bytesM, off, sum(600, 550, 650), 0.0001), verdict.Fail, "misses -80"},
		{"reduction fail when nothing changed", red80, cmpOf(bytesM, off, sum(1000, 980, 1020), 0.9), verdict.Fail, "misses"},
		{"reduction straddles", red80, cmpOf(bytesM, off, sum(200, 150, 250), 0.0001), verdict.Inconclusive, "straddles"},
		{"reduction low end exactly on target", red80, cmpOf(bytesM, sum(1000, 1000, 1000), sum(250, 200, 300), 0.0001), verdict.Inconclusive, "straddles"},
		{"reduction interval ok but p too big", red80, cmpOf(bytesM, off, sum(100, 95, 105), 0.06), verdict.Inconclusive, "p=0.060"},
		{"reduction on a ? comparison", red80, unknown, verdict.Inconclusive, `"?"`},
		{"reduction without CI", red80, noCI, verdict.Inconclusive, "CI needs at least 6"},
		{"reduction from a zero off median", red80, zeroOff, verdict.Inconclusive, "off median is 0"},
		{"reduction not measured", red80, stats.Comparison{Metric: bytesM}, verdict.Inconclusive, "not measured"},

		// Speedup ≥ 3×: the factor interval from dividing CI ends.
		{"speedup pass", speed3, cmpOf(opsM, sum(100e3, 95e3, 105e3), sum(400e3, 380e3, 420e3), 0.0001), verdict.Pass, ""},
		{"speedup fail", speed3, cmpOf(opsM, sum(100e3, 95e3, 105e3), sum(200e3, 190e3, 210e3), 0.0001), verdict.Fail, "2.21×"},
		{"speedup straddles", speed3, cmpOf(opsM, sum(100e3, 95e3, 105e3), sum(300e3, 280e3, 320e3), 0.0001), verdict.Inconclusive, "straddles 3×"},
		{"speedup interval ok but p too big", speed3, cmpOf(opsM, sum(100e3, 95e3, 105e3), sum(400e3, 380e3, 420e3), 0.2), verdict.Inconclusive, "p=0.200"},
		{"speedup of a lower-is-better metric", speed3ns, cmpOf(nsM, off, sum(250, 240, 260), 0.0001), verdict.Pass, ""},
		{"speedup of a lower-is-better metric fails", speed3ns, cmpOf(nsM, off, sum(500, 490, 510), 0.0001), verdict.Fail, ""},
		{"speedup with a zero CI end", speed3, cmpOf(opsM, sum(100e3, 0, 105e3), sum(400e3, 380e3, 420e3), 0.0001), verdict.Inconclusive, "positive"},
		{"speedup on a ? comparison", speed3, func() stats.Comparison {
			c := cmpOf(opsM, sum(100e3, 95e3, 105e3), sum(400e3, 380e3, 420e3), 0.0001)
			c.Change = stats.Unknown
			return c
		}(), verdict.Inconclusive, `"?"`},

		// AtMost 10 µs: the on side's CI.
		{"at-most pass", atMost, cmpOf(nsM, off, sum(40, 35, 45), 0.0001), verdict.Pass, ""},
		{"at-most pass at the boundary", atMost, cmpOf(nsM, off, sum(9000, 8000, 10000), 0.0001), verdict.Pass, ""},
		{"at-most fail", atMost, cmpOf(nsM, off, sum(12000, 11000, 13000), 0.0001), verdict.Fail, "wrong side of 10.0 µs/op"},
		{"at-most straddles", atMost, cmpOf(nsM, off, sum(10000, 9000, 11000), 0.0001), verdict.Inconclusive, "straddles"},
		{"at-most without CI", atMost, cmpOf(nsM, off, stats.Summary{N: 3, Center: 40, Lo: 40, Hi: 40}, 1), verdict.Inconclusive, "CI needs"},
		{"at-most does not need the off side", atMost, cmpOf(nsM, stats.Summary{}, sum(40, 35, 45), 1), verdict.Pass, ""},

		// AtLeast 80 %.
		{"at-least pass", atLeast, cmpOf(hitM, sum(0, 0, 0), sum(95, 94, 96), 0.0001), verdict.Pass, ""},
		{"at-least pass at the boundary", atLeast, cmpOf(hitM, sum(0, 0, 0), sum(81, 80, 82), 0.0001), verdict.Pass, ""},
		{"at-least fail", atLeast, cmpOf(hitM, sum(0, 0, 0), sum(50, 49, 51), 0.0001), verdict.Fail, "wrong side"},
		{"at-least straddles", atLeast, cmpOf(hitM, sum(0, 0, 0), sum(80, 78, 82), 0.0001), verdict.Inconclusive, "straddles"},
		{"at-least unmeasured", atLeast, stats.Comparison{Metric: hitM}, verdict.Inconclusive, "not measured"},

		// NotWorse 3 %: how much worse, at most the margin.
		{"not-worse pass (equal)", notWorse, cmpOf(nsM, off, sum(1000, 990, 1010), 0.9), verdict.Pass, ""},
		{"not-worse pass (better)", notWorse, cmpOf(nsM, off, sum(700, 690, 710), 0.0001), verdict.Pass, ""},
		{"not-worse fail", notWorse, cmpOf(nsM, off, sum(1100, 1080, 1120), 0.0001), verdict.Fail, "beyond the 3 % margin"},
		{"not-worse worse but not significant", notWorse, cmpOf(nsM, off, sum(1100, 1080, 1120), 0.2), verdict.Inconclusive, ""},
		{"not-worse straddles the margin", notWorse, cmpOf(nsM, off, sum(1020, 1000, 1040), 0.01), verdict.Inconclusive, "too noisy"},
		{"not-worse on higher-is-better passes", notWorseOps, cmpOf(opsM, off, sum(1000, 990, 1010), 0.9), verdict.Pass, ""},
		{"not-worse on higher-is-better fails", notWorseOps, cmpOf(opsM, off, sum(900, 880, 920), 0.0001), verdict.Fail, ""},
		{"not-worse from zero", notWorse, zeroOff, verdict.Inconclusive, "off median is 0"},

		{"unknown kind", toggles.Criterion{Metric: "ns/op", Kind: "faster"}, cmpOf(nsM, off, off, 1), verdict.Inconclusive, "unknown criterion kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Evaluate(tt.c, tt.cmp)
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s (measured %q, reason %q)", v.Status, tt.want, v.Measured, v.Reason)
			}
			if !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", v.Reason, tt.reason)
			}
			if tt.want != verdict.Pass && tt.want != verdict.Fail && v.Reason == "" {
				t.Errorf("%s without a reason", v.Status)
			}
			if tt.want == verdict.Fail && v.Reason == "" {
				t.Errorf("FAIL without a reason")
			}
		})
	}
}

// TestEvaluateValues checks the verdict's fields beside its status: what
// was judged, against which target in which unit, and the estimate, CI and
// p the status rests on.
func TestEvaluateValues(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c        toggles.Criterion
		cmp      stats.Comparison
		want     verdict.Verdict
		measured string
	}{
		{"reduction", toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 80, Text: "−80 % bytes"},
			cmpOf(bytesM, sum(1000, 990, 1010), sum(100, 95, 105), 0.0001),
			verdict.Verdict{Criterion: "−80 % bytes", Metric: "B/op", Target: 80, Unit: "%", Estimate: -90,
				CI: &verdict.Interval{Lo: -91.5, Hi: -88.5}, P: verdict.PValue(0.0001), Status: verdict.Pass},
			"-90.0 % [-91.5, -88.5] (1000 B/op → 100 B/op)"},
		{"speedup", toggles.Criterion{Metric: "ops/s", Kind: toggles.Speedup, Target: 3},
			cmpOf(opsM, sum(100, 80, 125), sum(400, 375, 500), 0.0001),
			verdict.Verdict{Metric: "ops/s", Target: 3, Unit: "×", Estimate: 4,
				CI: &verdict.Interval{Lo: 3, Hi: 6.25}, P: verdict.PValue(0.0001), Status: verdict.Pass},
			"4.00× [3.00, 6.25]"},
		{"bound without CI", toggles.Criterion{Metric: "B/op", Kind: toggles.AtMost, Target: 1024},
			cmpOf(bytesM, stats.Summary{N: 5, Center: 900}, stats.Summary{N: 5, Center: 800}, 0.5),
			verdict.Verdict{Metric: "B/op", Target: 1024, Unit: "B/op", Estimate: 800, Status: verdict.Inconclusive,
				Reason: "5 rounds: a 95 % CI needs at least 6"},
			"800 B/op (no CI)"},
		{"not measured", toggles.Criterion{Metric: "B/op", Kind: toggles.NotWorse, Target: 3},
			stats.Comparison{Metric: bytesM},
			verdict.Verdict{Metric: "B/op", Target: 3, Unit: "%", Status: verdict.Inconclusive, Reason: "metric not measured on both sides"},
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Evaluate(tc.c, tc.cmp)
			if !strings.HasPrefix(v.Measured, tc.measured) {
				t.Errorf("measured %q, want it to start with %q", v.Measured, tc.measured)
			}
			v.Measured = ""
			if !reflect.DeepEqual(v, tc.want) {
				t.Errorf("Evaluate =\n %+v (CI %+v, P %v)\nwant\n %+v (CI %+v, P %v)", v, v.CI, deref(v.P), tc.want, tc.want.CI, deref(tc.want.P))
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestEvaluateRealSamples runs the rule on the comparison the engine makes
// of interleaved rounds (stats.ComparePaired), not on the unpaired rule.
func TestEvaluateRealSamples(t *testing.T) {
	off := []float64{1012, 1005, 1030, 998, 1021, 1040, 1009, 1017, 1001, 1026}
	on := []float64{101, 100, 103, 99, 102, 104, 100, 101, 100, 102}
	c := stats.ComparePaired(bytesM, off, on, bytesM.Noise)
	if c.Paired == nil {
		t.Fatalf("not paired: %+v", c)
	}
	if v := Evaluate(toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 80}, c); v.Status != verdict.Pass {
		t.Errorf("-90 %% vs -80 %% target: %s (%s)", v.Status, v.Reason)
	}
	if v := Evaluate(toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 95}, c); v.Status != verdict.Fail {
		t.Errorf("-90 %% vs -95 %% target: %s (%s)", v.Status, v.Reason)
	}
	few := stats.ComparePaired(bytesM, off[:3], on[:3], bytesM.Noise)
	if v := Evaluate(toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 80}, few); v.Status != verdict.Inconclusive {
		t.Errorf("3 rounds: %s, want INCONCLUSIVE", v.Status)
	}
}

func TestTargetString(t *testing.T) {
	for c, want := range map[toggles.Criterion]string{
		{Metric: "B/op", Kind: toggles.Reduction, Target: 80}:         "B/op -80 %",
		{Metric: "ops/s", Kind: toggles.Speedup, Target: 3}:           "ops/s ≥ 3×",
		{Metric: "ns/op", Kind: toggles.AtMost, Target: 10000}:        "ns/op ≤ 10.0 µs/op",
		{Metric: "cache-hit-%", Kind: toggles.AtLeast, Target: 80}:    "cache-hit-% ≥ 80%",
		{Metric: "ns/op", Kind: toggles.NotWorse, Target: 3}:          "ns/op at most 3 % worse",
		{Metric: "B/live-signal", Kind: toggles.AtMost, Target: 1024}: "B/live-signal ≤ 1024 B/live-signal",
	} {
		if got := TargetString(c); got != want {
			t.Errorf("%+v: %q, want %q", c, got, want)
		}
	}
}

// metricOf finds how a metric is judged: the engine's and every workload's.
func metricOf(t *testing.T, name string) stats.Metric {
	t.Helper()
	ms := measure.EngineMetrics()
	for _, w := range workloads.All() {
		ms = append(ms, w.Metrics...)
	}
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no workload measures %s", name)
	return stats.Metric{}
}

// missing builds, from real rounds, a comparison that misses c clearly.
func missing(t *testing.T, c toggles.Criterion) stats.Comparison {
	t.Helper()
	m := metricOf(t, c.Metric)
	off, on := 1000.0, 0.0
	// worse moves a value the wrong way by f (0.5: half as good).
	worse := func(v, f float64) float64 {
		if m.Better == stats.HigherIsBetter {
			return v * (1 - f)
		}
		return v * (1 + f)
	}
	switch c.Kind {
	case toggles.Reduction: // improves by half the target only
		on = off * (1 - c.Target/200)
		if m.Better == stats.HigherIsBetter {
			on = off * (1 + c.Target/200)
		}
	case toggles.Speedup: // half the factor
		on = off * c.Target / 2
		if m.Better == stats.LowerIsBetter {
			on = off / (c.Target / 2)
		}
	case toggles.AtMost:
		off, on = c.Target, 2*c.Target+10
	case toggles.AtLeast:
		off, on = c.Target, c.Target/2
	case toggles.NotWorse:
		on = worse(off, 2*c.Target/100+0.1)
	default:
		t.Fatalf("no miss for kind %s", c.Kind)
	}
	return stats.Compare(m, series(off), series(on))
}

// Every criterion the suite judges can fail: fed a comparison that misses
// it, it says FAIL (a WarnOnly cost says WARN through Assess).
func TestEveryCriterionCanFail(t *testing.T) {
	type use struct {
		kind     catalog.Kind
		workload string
		c        toggles.Criterion
	}
	for _, tg := range toggles.All() {
		var uses []use
		for _, c := range append([]toggles.Criterion{tg.Primary}, tg.Criteria...) {
			uses = append(uses, use{catalog.Primary, tg.Workloads[0], c}, use{catalog.Credit, tg.Workloads[0], c})
		}
		for _, u := range tg.Costs {
			for _, c := range u.Criteria {
				uses = append(uses, use{catalog.Cost, u.Workload, c})
			}
		}
		for _, u := range tg.Controls {
			for _, c := range u.Criteria {
				uses = append(uses, use{catalog.Control, u.Workload, c})
			}
		}
		for _, u := range uses {
			t.Run(tg.Name+"/"+string(u.kind)+"/"+u.c.Text, func(t *testing.T) {
				cmp := missing(t, u.c)
				if v := Evaluate(u.c, cmp); v.Status != verdict.Fail {
					t.Fatalf("missed criterion gave %s (%s; %s)", v.Status, v.Measured, v.Reason)
				}
				run := catalog.Run{ID: u.workload, Opt: tg.Name, Workload: u.workload, Kind: u.kind, Toggle: tg.Name}
				want := verdict.Fail
				if u.c.WarnOnly {
					want = verdict.Warn
				}
				found := false
				for _, r := range Assess(toggles.All(), []catalog.Result{{Run: run, Comparisons: []stats.Comparison{cmp}}}) {
					if r.Metric == u.c.Metric && strings.HasSuffix(r.Criterion, u.c.Text) {
						found = true
						if r.Status != want {
							t.Errorf("Assess: %s, want %s (%s)", r.Status, want, r.Reason)
						}
					}
				}
				if !found {
					t.Errorf("Assess judged no row for %q", u.c.Text)
				}
			})
		}
	}
	// The suite's own criteria: memory per signal, and all-on vs each single.
	for _, c := range []toggles.Criterion{
		{Metric: measure.BytesPerOp, Kind: toggles.AtMost, Target: MemoryTarget},
		{Metric: workloads.RetainedMetric, Kind: toggles.AtMost, Target: MemoryTarget},
		{Metric: measure.NsPerOp, Kind: toggles.NotWorse, Target: 3},
	} {
		if v := Evaluate(c, missing(t, c)); v.Status != verdict.Fail {
			t.Errorf("%s: missed criterion gave %s (%s)", c, v.Status, v.Reason)
		}
	}
}

// TestEvaluateCounts: pooling's "−50 % GC cycles" judged on a count
// comparison: the rate ratio's CI stands in for per-side CIs, so 4 rounds
// with enough cycles decide; a side without events does not.
func TestEvaluateCounts(t *testing.T) {
	gc := stats.Metric{Name: measure.GCPerOp, Better: stats.LowerIsBetter, Noise: 0.05, Count: true}
	half := toggles.Criterion{Metric: measure.GCPerOp, Kind: toggles.Reduction, Target: 50}
	const ops = 1000
	counts := func(rounds int, off, on float64) stats.Comparison {
		var a, b, n []float64
		for range rounds {
			a, b, n = append(a, off/ops), append(b, on/ops), append(n, ops)
		}
		return stats.CompareCounts(gc, a, n, b, n, gc.Noise)
	}
	for _, tc := range []struct {
		name   string
		cmp    stats.Comparison
		want   verdict.Status
		reason string
	}{
		{"a quarter of the cycles over 4 rounds", counts(4, 20, 5), verdict.Pass, ""},
		{"7 against 8 cycles", counts(10, 7, 8), verdict.Fail, "misses -50"},
		{"no off cycles", counts(10, 0, 3), verdict.Inconclusive, "no off events in 10000 ops"},
		{"too few cycles", counts(4, 1, 0), verdict.Inconclusive, "only 4 events in all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Evaluate(half, tc.cmp)
			if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("%s (%s), want %s with %q", v.Status, v.Reason, tc.want, tc.reason)
			}
		})
	}
}

// TestSpeedupIsPaired: the machine drifts by ±30 % over the rounds, and
// the on side is 4× the throughput in every round. The per-side CIs carry
// the drift, so dividing their ends gives [2.5×, 6.4×] or so, which
// straddles 3×; the paired ratios see 4× in every round. The factor, its
// CI and its p come from the same paired view, and the verdict is PASS.
func TestSpeedupIsPaired(t *testing.T) {
	var off, on []float64
	for i := range 10 {
		drift := 0.7 + 0.6*float64((i*7)%10)/9 // 0.7 … 1.3, shuffled
		off = append(off, 100e3*drift)
		on = append(on, 400e3*drift*(1+float64(i%3-1)/200))
	}
	cmp := stats.ComparePaired(opsM, off, on, opsM.Noise)
	if cmp.Paired == nil || !cmp.Paired.HasCI {
		t.Fatalf("setup: not paired: %+v", cmp)
	}
	if lo := cmp.On.Lo / cmp.Off.Hi; lo >= 3 {
		t.Fatalf("setup: per-side CIs give a low end of %.2f×, want them to straddle 3×", lo)
	}
	for _, tc := range []struct {
		c    toggles.Criterion
		want verdict.Status
	}{
		{toggles.Criterion{Metric: "ops/s", Kind: toggles.Speedup, Target: 3}, verdict.Pass},
		{toggles.Criterion{Metric: "ops/s", Kind: toggles.Speedup, Target: 5}, verdict.Fail},
	} {
		v := Evaluate(tc.c, cmp)
		if v.Status != tc.want || math.Abs(v.Estimate-cmp.Paired.Ratio) > 1e-12 || v.CI.Lo != cmp.Paired.Lo || v.CI.Hi != cmp.Paired.Hi {
			t.Errorf("≥ %g×: %s %s (%s), want %s at the paired ratio %.3f× [%.3f, %.3f]",
				tc.c.Target, v.Status, v.Measured, v.Reason, tc.want, cmp.Paired.Ratio, cmp.Paired.Lo, cmp.Paired.Hi)
		}
	}
	// The same factor seen as ns/op, where lower is better: off/on.
	ns := stats.ComparePaired(nsM, inverse(off), inverse(on), nsM.Noise)
	if v := Evaluate(toggles.Criterion{Metric: "ns/op", Kind: toggles.Speedup, Target: 3}, ns); v.Status != verdict.Pass || math.Abs(v.Estimate*ns.Paired.Ratio-1) > 1e-12 {
		t.Errorf("ns/op ≥ 3×: %s %s (%s)", v.Status, v.Measured, v.Reason)
	}
}

func inverse(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 1e9 / x
	}
	return out
}

// TestReasonNamesTheTest: a reason that quotes a p-value names the test
// that gave it, which for paired rounds is the signed-rank test and for a
// count the rate test, never "the U test".
func TestReasonNamesTheTest(t *testing.T) {
	red80 := toggles.Criterion{Metric: "B/op", Kind: toggles.Reduction, Target: 80}
	base := cmpOf(bytesM, sum(1000, 990, 1010), sum(100, 95, 105), 0.06)
	paired, counted := base, base
	paired.Paired = &stats.Paired{N: 10, Ratio: 0.1, Lo: 0.095, Hi: 0.105, HasCI: true}
	counted.Counts = &stats.CountTest{OffEvents: 100, OnEvents: 10, OffOps: 10, OnOps: 10, Ratio: 0.1, Lo: 0.05, Hi: 0.19, Bounded: true, P: 0.06}
	for _, tc := range []struct {
		cmp  stats.Comparison
		want string
	}{
		{base, "but the U test gives p=0.060"},
		{paired, "but the signed-rank test gives p=0.060"},
		{counted, "but the rate test gives p=0.060"},
	} {
		if v := Evaluate(red80, tc.cmp); v.Status != verdict.Inconclusive || !strings.Contains(v.Reason, tc.want) {
			t.Errorf("%s (%s), want INCONCLUSIVE with %q", v.Status, v.Reason, tc.want)
		}
	}
}
