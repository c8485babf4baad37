package baseline

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/suite/suitetest"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

var (
	nsOp    = stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter, Noise: 0.03}
	opsSec  = stats.Metric{Name: "ops/s", Better: stats.HigherIsBetter, Noise: 0.03}
	bytesOp = stats.Metric{Name: "B/op", Better: stats.LowerIsBetter, Noise: 0.01}
	failed  = stats.Metric{Name: "failed/op", Better: stats.LowerIsBetter}
	pauses  = stats.Metric{Name: "gc-pause-ns/op", Better: stats.LowerIsBetter, Noise: 0.1}
)

// noisy draws n samples around center with a relative spread (normal,
// deterministic for a seed), like rounds on a busy machine.
func noisy(seed uint64, n int, center, spread float64) []float64 {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	out := make([]float64, n)
	for i := range out {
		out[i] = center * (1 + spread*r.NormFloat64())
	}
	return out
}

func TestJudgeAANotFlagged(t *testing.T) {
	// 500 A/A comparisons of 10 rounds with 3 % noise: at p < 0.05 about 25
	// are "significant" by chance, but none moves by more than 10 %.
	tol := DefaultTolerances()
	flagged := 0
	for seed := uint64(1); seed <= 500; seed++ {
		f := Judge(nsOp, noisy(seed, 10, 1000, 0.03), noisy(seed+1000, 10, 1000, 0.03), tol.Time, true)
		if f.Label() != "~" {
			flagged++
			t.Logf("seed %d: %s %+.1f %% p=%.3f", seed, f.Label(), f.DeltaPct, f.p())
		}
	}
	if flagged > 0 {
		t.Errorf("%d of 500 A/A comparisons flagged", flagged)
	}
}

func TestJudgePlantedSlowdownFlagged(t *testing.T) {
	tol := DefaultTolerances()
	for seed := uint64(1); seed <= 100; seed++ {
		base := noisy(seed, 10, 1000, 0.03)
		if f := Judge(nsOp, base, noisy(seed+1000, 10, 1200, 0.03), tol.Time, true); f.Label() != "worse" {
			t.Fatalf("seed %d: +20 %% ns/op: %s (%+.1f %%, p=%.3f)", seed, f.Label(), f.DeltaPct, f.p())
		}
		// The same slowdown seen as throughput: 1/1.2 of the ops/s.
		if f := Judge(opsSec, noisy(seed, 10, 1e6, 0.03), noisy(seed+1000, 10, 1e6/1.2, 0.03), tol.Time, true); f.Label() != "worse" {
			t.Fatalf("seed %d: -17 %% ops/s: %s (%+.1f %%)", seed, f.Label(), f.DeltaPct)
		}
		if f := Judge(nsOp, base, noisy(seed+1000, 10, 800, 0.03), tol.Time, true); f.Label() != "better" {
			t.Fatalf("seed %d: -20 %% ns/op: %s", seed, f.Label())
		}
	}
}

func TestJudgeSmallChangeWithinTolerance(t *testing.T) {
	// +2 % with little noise: clearly significant, but within 10 %.
	f := Judge(nsOp, noisy(1, 10, 1000, 0.002), noisy(2, 10, 1020, 0.002), 0.10, true)
	if f.p() >= stats.Alpha {
		t.Fatalf("setup: p=%.3f, want a significant change", f.p())
	}
	if f.Label() != "~" || !strings.Contains(f.Verdict.Reason, "within the ±10 % tolerance") {
		t.Errorf("+2 %% with 10 %% tolerance: %s (%q)", f.Label(), f.Verdict.Reason)
	}
	// The same +2 % on B/op with its 2 % tolerance is not beyond it either,
	// but +3 % is.
	if f := Judge(bytesOp, noisy(1, 10, 1000, 0.001), noisy(2, 10, 1030, 0.001), 0.02, true); f.Label() != "worse" {
		t.Errorf("+3 %% B/op with 2 %% tolerance: %s", f.Label())
	}
}

func TestJudgeEdges(t *testing.T) {
	zeros := []float64{0, 0, 0, 0, 0, 0, 0, 0}
	some := []float64{0.01, 0.02, 0.01, 0.015, 0.01, 0.02, 0.01, 0.012}
	if f := Judge(failed, zeros, some, 0, true); f.Label() != "worse" {
		t.Errorf("failures appearing: %s", f.Label())
	}
	if f := Judge(failed, some, zeros, 0, true); f.Label() != "better" {
		t.Errorf("failures vanishing: %s", f.Label())
	}
	if f := Judge(failed, zeros, zeros, 0, true); f.Label() != "~" {
		t.Errorf("0 vs 0: %s", f.Label())
	}
	if f := Judge(pauses, noisy(1, 10, 100, 0.01), noisy(2, 10, 200, 0.01), 0, false); f.Label() != "info" {
		t.Errorf("ungated metric doubling: %s", f.Label())
	}
	if f := Judge(nsOp, []float64{1, 1, 1}, []float64{2, 2, 2}, 0.1, true); f.Label() != "~" || !strings.Contains(f.Verdict.Reason, "needs 4") {
		t.Errorf("3 samples: %s %q", f.Label(), f.Verdict.Reason)
	}
}

func TestTolerancesFor(t *testing.T) {
	tol := Tolerances{Time: 0.1, Alloc: 0.02, PerMetric: map[string]float64{"peak-heap-B": 0.3, "ops/s": -1}}
	for _, tc := range []struct {
		metric string
		tol    float64
		gated  bool
	}{
		{"ns/op", 0.1, true}, {"cpu-ns/op", 0.1, true}, {"ops/s", -1, false},
		{"B/op", 0.02, true}, {"allocs/op", 0.02, true}, {"B/live-signal", 0.02, true},
		{"gc/op", 0, false}, {"failed/op", 0, true}, {"cache-hit-%", 0.02, true},
		{"gc-pause-ns/op", 0, false}, {"peak-heap-B", 0.3, true}, {"latency-p99-ns", 0.1, true},
	} {
		m := stats.Metric{Name: tc.metric}
		for _, d := range Metrics(catalog.Builtin().Workloads()) {
			if d.Name == tc.metric {
				m = d
			}
		}
		got, gated := tol.For(m)
		if got != tc.tol || gated != tc.gated {
			t.Errorf("%s: %v %v, want %v %v", tc.metric, got, gated, tc.tol, tc.gated)
		}
	}
	if d := DefaultTolerances().Describe(Metrics(catalog.Builtin().Workloads())); !strings.Contains(d, "ns/op, ops/s, cpu-ns/op: 10 %") || !strings.Contains(d, "B/op, allocs/op") {
		t.Errorf("Describe: %s", d)
	}
}

// result wraps samples as a finished run.
func result(id string, metric stats.Metric, off, on []float64) catalog.Result {
	res := &measure.Result{Workload: "w", Metrics: []stats.Metric{metric}}
	for i := range off {
		res.Samples = append(res.Samples,
			measure.Round{Side: stats.Off, Index: i, Ops: 100, Values: map[string]float64{metric.Name: off[i]}},
			measure.Round{Side: stats.On, Index: i, Ops: 100, Values: map[string]float64{metric.Name: on[i]}})
	}
	return catalog.Result{Run: catalog.Run{ID: id, Opt: "jit", Workload: "w", Kind: catalog.Primary, On: features.Set{JIT: true}}, Measurement: res}
}

func TestCompareFile(t *testing.T) {
	base := New(machine.Env{}, catalog.Quick(), []catalog.Result{result("jit/w", nsOp, noisy(1, 10, 1000, 0.01), noisy(2, 10, 500, 0.01))}, nil)
	same := Compare(base, []catalog.Result{result("jit/w", nsOp, noisy(3, 10, 1000, 0.01), noisy(4, 10, 500, 0.01))}, nil, DefaultTolerances())
	if len(same.Findings) != 2 || len(same.Regressions()) != 0 {
		t.Errorf("A/A: %d findings, %d regressions", len(same.Findings), len(same.Regressions()))
	}
	// Only the on side slowed down: one regression, on "on".
	slow := Compare(base, []catalog.Result{result("jit/w", nsOp, noisy(3, 10, 1000, 0.01), noisy(4, 10, 600, 0.01))}, nil, DefaultTolerances())
	if r := slow.Regressions(); len(r) != 1 || r[0].Side != stats.On || r[0].Run != "jit/w" {
		t.Errorf("on side +20 %%: %+v", r)
	}
	// A run the new results lack is missing, not a pass.
	gone := Compare(base, nil, nil, DefaultTolerances())
	if n := gone.Count()["missing"]; n != 2 {
		t.Errorf("missing run: %d missing findings, want 2", n)
	}
}

func TestEnvDiff(t *testing.T) {
	a := machine.Env{GoVersion: "go1.26.0", CPUs: 2, GitCommit: "abc", Hostname: "x"}
	b := machine.Env{GoVersion: "go1.26.1", CPUs: 2, GitCommit: "def", Hostname: "y"}
	warn, info := EnvDiff(a, b)
	if len(warn) != 1 || !strings.HasPrefix(warn[0], "go version") || len(info) != 2 {
		t.Errorf("warn %q info %q", warn, info)
	}
}

// TestSaveCheckWithKnownCost runs the gate end to end on a workload whose
// cost is a parameter: the same cost passes, 20 % more is a regression
// (deterministically through B/op and allocs/op; time is left to a wide
// tolerance so a busy machine cannot make the A/A check flaky).
func TestSaveCheckWithKnownCost(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for about a second")
	}
	var cost atomic.Int64
	cost.Store(20)
	w := suitetest.Costly("cost", func() int { return int(cost.Load()) })
	lookup := suitetest.Lookup(w)
	runs := []catalog.Run{{ID: "jit/cost", Opt: "jit", Workload: "cost", Kind: catalog.Primary, On: features.Set{JIT: true}, Toggle: "jit"}}
	preset := catalog.Preset{Name: "test", Rounds: 6, Benchtime: measure.Benchtime{D: 20 * time.Millisecond}}
	ctx := context.Background()

	results, probes, err := Take(ctx, runs, preset.Settings(), lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(probes["jit/cost"]) != probeSamples {
		t.Fatalf("probes %v", probes)
	}
	path := t.TempDir() + "/perf/baseline.json"
	if err := Save(path, New(machine.Current(), preset, results, probes)); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tol := Tolerances{Time: 10, Alloc: 0.02} // time is not what this test is about: a busy machine moves it
	check := func() Report {
		fresh, probes, err := Rerun(ctx, b, lookup, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := Compare(b, fresh, probes, tol)
		if r.Machine == nil {
			t.Error("no machine comparison")
		}
		return r
	}
	if r := check(); len(r.Regressions()) != 0 {
		t.Errorf("same cost: regressions %+v", r.Regressions())
	}
	cost.Store(24)
	r := check()
	got := map[string]bool{}
	for _, f := range r.Regressions() {
		got[f.Side.String()+" "+f.Metric.Name] = true
	}
	for _, want := range []string{"off B/op", "on B/op", "off allocs/op", "on allocs/op"} {
		if !got[want] {
			t.Errorf("+20 %% cost: %s not flagged (flagged: %v)", want, got)
		}
	}

	// A regression that is in the code repeats on the confirming rerun.
	confirmed, err := Confirm(ctx, b, r, lookup, tol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed.Regressions()) != len(r.Regressions()) {
		t.Errorf("confirming rerun at the same +20 %% cost kept %d of %d regressions", len(confirmed.Regressions()), len(r.Regressions()))
	}
	// A passing disturbance (here: the cost goes back before the rerun)
	// does not repeat, so it does not fail the gate.
	cost.Store(20)
	cleared, err := Confirm(ctx, b, r, lookup, tol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cleared.Regressions()); n != 0 {
		t.Errorf("%d regressions survived a rerun that did not repeat them", n)
	}
	if cleared.Count()["unconfirmed"] != len(r.Regressions()) {
		t.Errorf("unconfirmed %d, want %d", cleared.Count()["unconfirmed"], len(r.Regressions()))
	}
}

func TestMachineShift(t *testing.T) {
	b := &File{Runs: []Run{{ID: "a", Probe: noisy(1, 5, 1.0, 0.01)}, {ID: "b", Probe: noisy(2, 5, 1.0, 0.01)}}}
	slow := map[string][]float64{"a": noisy(3, 5, 1.3, 0.01), "b": noisy(4, 5, 1.3, 0.01)}
	c, ok := MachineShift(b, slow)
	if !ok || c.DeltaPct < 25 {
		t.Fatalf("shift %+v %v", c, ok)
	}
	if w := MachineWarning(c); !strings.Contains(w, "% slower") || !strings.Contains(w, "allocation metrics are not affected") {
		t.Errorf("warning %q", w)
	}
	same := map[string][]float64{"a": noisy(5, 5, 1.0, 0.01), "b": noisy(6, 5, 1.02, 0.01)}
	if c, _ := MachineShift(b, same); MachineWarning(c) != "" {
		t.Errorf("warned about %+.1f %%", c.DeltaPct)
	}
	if _, ok := MachineShift(&File{Runs: []Run{{ID: "a"}}}, slow); ok {
		t.Error("a baseline without probes compared")
	}
	if p := Probe(); !(p > 0) {
		t.Errorf("probe %v", p)
	}
}

// TestGateFloor: a +5 % move of 0.9 B/op is a twentieth of a byte, under
// the 8 B/op floor the engine declares for B/op: never a regression,
// whether Judge is called directly or through Compare (whose baseline file
// does not store the floor). The same +5 % at 900 B/op is one.
func TestGateFloor(t *testing.T) {
	floored := bytesOp
	floored.Floor, floored.Gate = 8, stats.AllocGate
	for _, tc := range []struct {
		name   string
		center float64
		want   string
	}{
		{"under the floor", 0.9, "~"},
		{"over the floor", 900, "worse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, now := noisy(1, 10, tc.center, 0.001), noisy(2, 10, tc.center*1.05, 0.001)
			f := Judge(floored, base, now, 0.02, true)
			if f.Label() != tc.want {
				t.Errorf("Judge: %s (%q), want %s", f.Label(), f.Verdict.Reason, tc.want)
			}
			if tc.want == "~" && !strings.Contains(f.Verdict.Reason, "resolution of 8 B") {
				t.Errorf("Judge note %q does not say why", f.Verdict.Reason)
			}
			// The file is saved from a run whose metric has no floor; the
			// check's run declares it.
			file := New(machine.Env{}, catalog.Quick(), []catalog.Result{result("jit/w", bytesOp, base, base)}, nil)
			rep := Compare(file, []catalog.Result{result("jit/w", floored, now, now)}, nil, DefaultTolerances())
			for _, g := range rep.Findings {
				if g.Label() != tc.want {
					t.Errorf("Compare, %s side: %s (%q), want %s", g.Side, g.Label(), g.Verdict.Reason, tc.want)
				}
			}
		})
	}
}

// TestFindingVerdict: every rule outcome carries the shared verdict model,
// and only a gated regression FAILs; the tables keep their labels.
func TestFindingVerdict(t *testing.T) {
	pauses := stats.Metric{Name: "gc-pause-ns/op", Better: stats.LowerIsBetter, Noise: 0.05}
	base := noisy(1, 10, 1000, 0.001)
	for _, tc := range []struct {
		name       string
		m          stats.Metric
		now        []float64
		gated      bool
		wantStatus verdict.Status
		wantChange stats.Change
		wantLabel  string
	}{
		{"regressed", nsOp, noisy(2, 10, 1500, 0.001), true, verdict.Fail, stats.Worse, "worse"},
		{"improved", nsOp, noisy(2, 10, 500, 0.001), true, verdict.Pass, stats.Better, "better"},
		{"unchanged", nsOp, noisy(2, 10, 1000, 0.001), true, verdict.Pass, stats.NoDiff, "~"},
		{"ungated regression", pauses, noisy(2, 10, 1500, 0.001), false, verdict.Warn, stats.Worse, "info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Judge(tc.m, base, tc.now, 0.10, tc.gated)
			if f.Verdict.Status != tc.wantStatus || f.Change != tc.wantChange || f.Label() != tc.wantLabel {
				t.Errorf("Judge: status %s change %s label %s, want %s %s %s", f.Verdict.Status, f.Change, f.Label(), tc.wantStatus, tc.wantChange, tc.wantLabel)
			}
			if f.Verdict.Metric != tc.m.Name || f.Verdict.P == nil || f.Verdict.Target != 10 || f.Verdict.Estimate != f.DeltaPct {
				t.Errorf("verdict fields: %+v", f.Verdict)
			}
		})
	}
	file := New(machine.Env{}, catalog.Quick(), []catalog.Result{result("jit/w", nsOp, base, base)}, nil)
	for _, f := range Compare(file, nil, nil, DefaultTolerances()).Findings {
		if f.Verdict.Status != verdict.Inconclusive || f.Verdict.Reason != "the new run did not report this metric" || f.Label() != "missing" || f.Verdict.Scope != "jit/w "+f.Side.String() {
			t.Errorf("missing metric: %+v label %s", f.Verdict, f.Label())
		}
	}
}

// TestMetricsOfTheWorkloadsGiven: the gate's metrics and check's help come
// from the workloads given, so a binary's own workload's metric is gated by
// its declared gate.
func TestMetricsOfTheWorkloadsGiven(t *testing.T) {
	own := stats.Metric{Name: "half-units/op", Better: stats.HigherIsBetter, Gate: stats.AllocGate}
	ws := []workloads.Workload{{Name: "half-work", Metrics: []stats.Metric{own, {Name: measure.BytesPerOp}}}}
	var names []string
	for _, m := range Metrics(ws) {
		names = append(names, m.Name)
	}
	var want []string
	for _, m := range measure.EngineMetrics() {
		want = append(want, m.Name)
	}
	want = append(want, own.Name)
	if !slices.Equal(names, want) {
		t.Errorf("Metrics = %v, want the engine's then %s once", names, own.Name)
	}
	if doc := CheckDoc(ws); !strings.Contains(doc, "half-units/op") {
		t.Errorf("CheckDoc does not list the workload's metric:\n%s", doc)
	}
	if doc := CheckDoc(nil); strings.Contains(doc, "half-units/op") {
		t.Errorf("CheckDoc without the workload lists its metric")
	}
}
