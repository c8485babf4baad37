package suite

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

// series gives 10 rounds around v with a ±0.5 % spread.
func series(v float64) []float64 {
	out := make([]float64, 10)
	for i := range out {
		out[i] = v * (1 + float64(i%5-2)/400)
	}
	return out
}

// fakeResult builds a finished run whose metric m goes from off to on.
func fakeResult(r catalog.Run, changes map[stats.Metric][2]float64) catalog.Result {
	res := catalog.Result{Run: r}
	for m, v := range changes {
		res.Comparisons = append(res.Comparisons, stats.Compare(m, series(v[0]), series(v[1])))
	}
	slices.SortFunc(res.Comparisons, func(a, b stats.Comparison) int { return strings.Compare(a.Metric.Name, b.Metric.Name) })
	return res
}

var (
	mNs     = stats.Metric{Name: measure.NsPerOp, Better: stats.LowerIsBetter, Noise: 0.03}
	mBytes  = stats.Metric{Name: measure.BytesPerOp, Better: stats.LowerIsBetter, Noise: 0.01}
	mGC     = stats.Metric{Name: measure.GCPerOp, Better: stats.LowerIsBetter, Noise: 0.05}
	mMatch  = stats.Metric{Name: "matches/op", Better: stats.HigherIsBetter}
	mRetain = stats.Metric{Name: workloads.RetainedMetric, Better: stats.LowerIsBetter, Noise: 0.02}
)

func testToggles() []toggles.Toggle {
	return []toggles.Toggle{{
		Name: "zerocopy", Workloads: []string{"w"},
		Primary:  toggles.Criterion{Metric: measure.BytesPerOp, Kind: toggles.Reduction, Target: 50, Text: "primary"},
		Criteria: []toggles.Criterion{{Metric: measure.BytesPerOp, Kind: toggles.Reduction, Target: 80, Text: "-80 % bytes"}},
	}}
}

func find(rows []Row, criterion string) []Row {
	var out []Row
	for _, r := range rows {
		if strings.HasPrefix(r.Criterion, criterion) {
			out = append(out, r)
		}
	}
	return out
}

func TestAssessPrimary(t *testing.T) {
	run := catalog.Run{ID: "zerocopy/w", Opt: "zerocopy", Workload: "w", Kind: catalog.Primary, Toggle: "zerocopy"}
	rows := Assess(testToggles(), []catalog.Result{fakeResult(run, map[stats.Metric][2]float64{
		mBytes: {1000, 400}, // -60 %: primary PASS, -80 % FAIL
		mNs:    {1000, 1000},
		mGC:    {1, 1.5}, // +50 %: a WARN
	})})
	if got := find(rows, "primary"); len(got) != 1 || got[0].Status != verdict.Pass {
		t.Errorf("primary: %+v", got)
	}
	if got := find(rows, "-80 % bytes"); len(got) != 1 || got[0].Status != verdict.Fail || got[0].TargetText != "B/op -80 %" {
		t.Errorf("-80 %%: %+v", got)
	}
	warn := find(rows, "no regression elsewhere")
	if len(warn) != 1 || warn[0].Status != verdict.Warn || warn[0].Metric != measure.GCPerOp || !strings.Contains(warn[0].Measured, "+50.0 %") {
		t.Errorf("elsewhere: %+v", warn)
	}
	if f := Failing(rows, false); len(f) != 1 {
		t.Errorf("failing: %+v", f)
	}

	// Nothing worse: one PASS row; a worse count by a hair stays below the floor.
	res := fakeResult(run, map[stats.Metric][2]float64{mBytes: {1000, 100}, mNs: {1000, 900}})
	flat := func(v float64) []float64 { return []float64{v, v, v, v, v, v, v, v, v, v} }
	res.Comparisons = append(res.Comparisons, stats.Compare(mMatch, flat(5.9107), flat(5.9104)))
	if res.Comparisons[2].Change != stats.Worse {
		t.Fatalf("setup: matches/op %s", res.Comparisons[2].Change)
	}
	rows = Assess(testToggles(), []catalog.Result{res})
	ok := find(rows, "no regression elsewhere")
	if len(ok) != 1 || ok[0].Status != verdict.Pass || !strings.Contains(ok[0].Measured, "none of 2 other metrics") || !strings.Contains(ok[0].Reason, "matches/op") {
		t.Errorf("elsewhere: %+v", ok)
	}
	if c := Count(rows); c[verdict.Pass] != 3 || c[verdict.Fail] != 0 {
		t.Errorf("counts %v", c)
	}
}

func TestAssessMissingToggleOrMetric(t *testing.T) {
	rows := Assess(testToggles(), []catalog.Result{
		fakeResult(catalog.Run{ID: "turbo/w", Opt: "turbo", Workload: "w", Kind: catalog.Primary, Toggle: "turbo"}, nil),
		fakeResult(catalog.Run{ID: "zerocopy/w", Opt: "zerocopy", Workload: "w", Kind: catalog.Primary, Toggle: "zerocopy"}, map[stats.Metric][2]float64{mNs: {1, 1}}),
	})
	if rows[0].Status != verdict.Inconclusive || !strings.Contains(rows[0].Reason, `no toggle "turbo"`) {
		t.Errorf("unknown toggle: %+v", rows[0])
	}
	if rows[1].Status != verdict.Inconclusive || !strings.Contains(rows[1].Reason, "did not report B/op") {
		t.Errorf("missing metric: %+v", rows[1])
	}
	if f := Failing(rows, false); len(f) != 0 {
		t.Errorf("INCONCLUSIVE fails without strict: %+v", f)
	}
	if f := Failing(rows, true); len(f) < 2 {
		t.Errorf("INCONCLUSIVE does not fail with strict: %+v", f)
	}
}

func TestAssessVersusSingle(t *testing.T) {
	vs := func(single string, off, on float64) catalog.Result {
		return fakeResult(catalog.Run{ID: "all-vs-" + single + "/mixed", Opt: "all-vs-" + single, Workload: "mixed", Kind: catalog.VersusSingle, Toggle: single},
			map[stats.Metric][2]float64{mNs: {off, on}})
	}
	for _, tc := range []struct {
		name    string
		results []catalog.Result
		want    verdict.Status
		closest string
	}{
		{"better than all", []catalog.Result{vs("jit", 1000, 500), vs("caching", 1000, 300)}, verdict.Pass, "jit"},
		{"as good as the best", []catalog.Result{vs("jit", 1000, 1000), vs("caching", 1000, 300)}, verdict.Pass, "jit"},
		{"worse than one", []catalog.Result{vs("jit", 1000, 1200), vs("caching", 1000, 300)}, verdict.Fail, "jit"},
		{"too close to call", []catalog.Result{vs("jit", 1000, 1029), vs("caching", 1000, 300)}, verdict.Inconclusive, "jit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := Assess(nil, tc.results)
			if len(rows) != 1 {
				t.Fatalf("rows %+v", rows)
			}
			r := rows[0]
			if r.Status != tc.want || !strings.Contains(r.Measured, "vs "+tc.closest+" alone") || r.Kind != toggles.NotWorse || r.Target != 3 {
				t.Errorf("%s: %s %q (%s)", tc.name, r.Status, r.Measured, r.Reason)
			}
		})
	}
}

func TestAssessCumulativeAndMemory(t *testing.T) {
	rows := Assess(nil, []catalog.Result{
		fakeResult(catalog.Run{ID: "all/mixed", Opt: "all", Workload: "mixed", Kind: catalog.Cumulative}, map[stats.Metric][2]float64{mNs: {1000, 100}, mBytes: {1000, 10}}),
		fakeResult(catalog.Run{ID: "memory/dispatch-local", Opt: "memory", Workload: "dispatch-local", Kind: catalog.MemoryAllocated}, map[stats.Metric][2]float64{mBytes: {1300, 172}}),
		fakeResult(catalog.Run{ID: "memory/signal-memory", Opt: "memory", Workload: workloads.SignalMemoryName, Kind: catalog.MemoryRetained}, map[stats.Metric][2]float64{mRetain: {2000, 1500}}),
	})
	if len(rows) != 4 {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[0].Status != verdict.Info || !strings.Contains(rows[0].Measured, "-90.0 %") || !strings.Contains(rows[0].Reason, "B/op -99.0 %") {
		t.Errorf("cumulative: %+v", rows[0])
	}
	if rows[2].Status != verdict.Pass || !strings.Contains(rows[2].Reason, "all off: 1.27 KiB/op") {
		t.Errorf("allocated: %+v", rows[2])
	}
	if rows[3].Status != verdict.Fail || rows[3].Metric != workloads.RetainedMetric {
		t.Errorf("retained: %+v", rows[3])
	}
}

// TestElsewhereUndecidedIsInconclusive: with 4 rounds a paired comparison
// is "?" whatever it shows, so gc/op tripling there has not been checked:
// "no regression elsewhere" is INCONCLUSIVE and names it, never PASS.
func TestElsewhereUndecidedIsInconclusive(t *testing.T) {
	run := catalog.Run{ID: "zerocopy/w", Opt: "zerocopy", Workload: "w", Kind: catalog.Primary, Toggle: "zerocopy"}
	four := func(v float64) []float64 { return series(v)[:4] }
	bytes := stats.ComparePaired(mBytes, series(1000), series(100), mBytes.Noise)
	for _, tc := range []struct {
		name   string
		others []stats.Comparison
		want   []verdict.Status
		reason string
	}{
		{"all judged, none worse", []stats.Comparison{stats.ComparePaired(mGC, series(1), series(1), mGC.Noise)}, []verdict.Status{verdict.Pass}, ""},
		{"gc/op tripled over 4 rounds", []stats.Comparison{
			stats.ComparePaired(mNs, series(1000), series(1000), mNs.Noise),
			stats.ComparePaired(mGC, four(1), four(3), mGC.Noise),
		}, []verdict.Status{verdict.Inconclusive}, "gc/op: only 4 round pairs: the paired 95% CI and test need at least 6"},
		{"one worse, one undecided", []stats.Comparison{
			stats.ComparePaired(mNs, series(1000), series(1500), mNs.Noise),
			stats.ComparePaired(mGC, four(1), four(3), mGC.Noise),
		}, []verdict.Status{verdict.Warn, verdict.Inconclusive}, "gc/op: only 4 round pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := catalog.Result{Run: run, Comparisons: append([]stats.Comparison{bytes}, tc.others...)}
			rows := find(Assess(testToggles(), []catalog.Result{res}), "no regression elsewhere")
			var got []verdict.Status
			for _, r := range rows {
				got = append(got, r.Status)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("statuses %v, want %v: %+v", got, tc.want, rows)
			}
			last := rows[len(rows)-1]
			if !strings.Contains(last.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", last.Reason, tc.reason)
			}
			if last.Status == verdict.Inconclusive && last.Measured != "1 of 2 other metrics undecided (?)" {
				t.Errorf("measured %q", last.Measured)
			}
		})
	}
}

// A criterion scoped to one workload judges that workload's run only; the
// toggle's primary criterion judges every one.
func TestAssessScopedCriterion(t *testing.T) {
	ts := []toggles.Toggle{{
		Name: "zerocopy", Workloads: []string{"small", "large"},
		Primary:  toggles.Criterion{Metric: measure.BytesPerOp, Kind: toggles.Reduction, Target: 50, Text: "primary"},
		Criteria: []toggles.Criterion{{Metric: measure.BytesPerOp, Kind: toggles.Reduction, Target: 80, Text: "-80 % bytes", Workload: "small"}},
	}}
	run := func(w string) catalog.Run {
		return catalog.Run{ID: "zerocopy/" + w, Opt: "zerocopy", Workload: w, Kind: catalog.Primary, Toggle: "zerocopy"}
	}
	for _, tc := range []struct {
		workload string
		off, on  float64
		want     map[string]verdict.Status // criterion text → verdict; absent: no row
	}{
		{"small", 1000, 100, map[string]verdict.Status{"primary": verdict.Pass, "-80 % bytes": verdict.Pass}},
		{"small", 1000, 400, map[string]verdict.Status{"primary": verdict.Pass, "-80 % bytes": verdict.Fail}},
		{"large", 1000, 400, map[string]verdict.Status{"primary": verdict.Pass}},
		{"large", 1000, 600, map[string]verdict.Status{"primary": verdict.Fail}},
	} {
		rows := Assess(ts, []catalog.Result{fakeResult(run(tc.workload), map[stats.Metric][2]float64{mBytes: {tc.off, tc.on}})})
		got := map[string]verdict.Status{}
		for _, r := range rows {
			if r.Criterion != "no regression elsewhere" {
				got[r.Criterion] = r.Status
			}
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s %g → %g: %v, want %v", tc.workload, tc.off, tc.on, got, tc.want)
		}
	}
}

// A view is reported, not judged: INFO with its reason and the copied
// bytes; WARN when its metric got worse; then the regression scan.
func TestAssessView(t *testing.T) {
	ts := testToggles()
	ts[0].Views = []toggles.Use{{Workload: "e2e", Why: "processing dilutes it"}}
	run := catalog.Run{ID: "zerocopy/e2e", Opt: "zerocopy", Workload: "e2e", Kind: catalog.View, Toggle: "zerocopy"}
	mCopied := stats.Metric{Name: workloads.CopiedMetric, Better: stats.LowerIsBetter, Noise: 0.02}
	for _, tc := range []struct {
		name          string
		off, on       float64
		want          verdict.Status
		measured, why string
	}{
		{"better", 4000, 3000, verdict.Info, "-25.0 %", "processing dilutes it; of it copied by the deliveries: 1.00k copied-B/op → 0 copied-B/op"},
		{"same", 4000, 4000, verdict.Info, "+0.0 %", "processing dilutes it"},
		{"worse", 4000, 5000, verdict.Warn, "+25.0 %", "significantly worse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := Assess(ts, []catalog.Result{fakeResult(run, map[stats.Metric][2]float64{mBytes: {tc.off, tc.on}, mNs: {1000, 1000}, mCopied: {1000, 0}})})
			if len(rows) != 2 || rows[1].Criterion != "no regression elsewhere" {
				t.Fatalf("rows: %+v", rows)
			}
			r := rows[0]
			if r.Status != tc.want || r.TargetText != "(reported)" || !strings.Contains(r.Measured, tc.measured) || !strings.Contains(r.Reason, tc.why) {
				t.Errorf("view row: %+v", r)
			}
			if f := Failing(rows, true); len(f) != 0 {
				t.Errorf("a view failed the suite: %+v", f)
			}
		})
	}
}
