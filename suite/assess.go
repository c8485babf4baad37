package suite

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

// MinWarnPct is the smallest change "no regression elsewhere" warns about:
// a metric whose noise band is 0 (a count such as matches/op) can be
// "significantly worse" by a few thousandths of a percent when the two
// sides ran different numbers of operations over a cyclic input, which is
// no regression anyone would act on. A move away from a zero off median
// (failures appearing) is always shown.
const MinWarnPct = 1.0

// MemoryTarget is the plan's "< 1 KiB memory per signal", in bytes.
const MemoryTarget = 1024

// Row is one line of the criteria table.
type Row = results.BenchCriterion

// Header is the criteria table's header.
var Header = []string{"toggle", "workload", "criterion", "target", "measured (median, 95 % CI)", "verdict", "why"}

// Cells formats the row for report.WriteTable.
func Cells(r Row) []string {
	return []string{r.Opt, r.Workload, r.Criterion, r.TargetText, r.Measured, string(r.Status), r.Reason}
}

// Assess builds the criteria table from finished runs:
//
//   - each Primary run: the toggle's primary criterion (≥ 50 % better on
//     its primary metric) and its specific criteria, then "no regression
//     elsewhere": a WARN row for every other metric the comparison calls
//     Worse, an INCONCLUSIVE row naming those it left undecided ("?"), or
//     one PASS row when every other metric was judged and none was worse;
//   - the Cumulative run: an INFO row with the effect of all toggles on
//     mixed, and the same regression scan;
//   - the VersusSingle runs: one row, "all on at least as good as the best
//     single toggle", judged with NotWorse on ns/op against every single
//     toggle with the metric's noise band as margin. Being at least as good
//     as every single toggle is the same as being at least as good as the
//     best one, and needs no choice of "best" from noisy medians. PASS
//     when all six pass, FAIL when any fails, else INCONCLUSIVE; the row
//     shows the closest contender (the single toggle all-on gains least
//     against);
//   - the memory runs: bytes allocated per signal processed and bytes
//     retained per live queued signal, each AtMost 1 KiB on the all-on side
//     (the all-off figure is given in the why column);
//   - each View run: an INFO row with the change of the toggle's primary
//     metric, the view's Why as the reason (what dilutes the ratio) and
//     the bytes the deliveries copied on each side when the workload
//     reports them; WARN instead when that metric got significantly worse.
//     Then the same regression scan as a Primary run;
//   - each Cost and Control run: the criteria the toggle states for that
//     workload (a cost's budget; a control's bound). A cost criterion
//     marked WarnOnly that is missed shows WARN, not FAIL;
//   - each Credit run: the toggle's primary and specific criteria again,
//     measured with the other toggles on, so that the plan's target is met
//     (or not) by this toggle's own work.
func Assess(ts []toggles.Toggle, results []catalog.Result) []Row {
	var primary, all, memory []Row
	var versus []catalog.Result
	for _, res := range results {
		switch res.Run.Kind {
		case catalog.Primary:
			primary = append(primary, assessPrimary(ts, res)...)
		case catalog.Cost, catalog.Control, catalog.Credit:
			primary = append(primary, assessUse(ts, res)...)
		case catalog.View:
			primary = append(primary, assessView(ts, res)...)
		case catalog.Cumulative:
			all = append(all, assessCumulative(res)...)
		case catalog.VersusSingle:
			versus = append(versus, res)
		case catalog.MemoryAllocated:
			memory = append(memory, assessMemory(res, toggles.Criterion{Metric: measure.BytesPerOp, Kind: toggles.AtMost, Target: MemoryTarget,
				Text: "< 1 KiB per signal: allocated per signal processed (all on)"}))
		case catalog.MemoryRetained:
			memory = append(memory, assessMemory(res, toggles.Criterion{Metric: workloads.RetainedMetric, Kind: toggles.AtMost, Target: MemoryTarget,
				Text: "< 1 KiB per signal: retained per live queued signal (all on)"}))
		}
	}
	if len(versus) > 0 {
		all = append(all, assessVersus(versus))
	}
	return budgeted(append(append(primary, all...), memory...), results)
}

// budgeted makes every row of a run that its time budget stopped (every
// row that rests on one, for the all-vs-single row) INCONCLUSIVE, with the
// budget as the reason: a run planned for N rounds is judged on N, and
// what fewer rounds show is reported, not called. A WARN or INFO row keeps
// its status, with the same note.
func budgeted(rows []Row, results []catalog.Result) []Row {
	stopped := map[string]string{}
	versus := ""
	for _, r := range results {
		if r.Stopped == "" {
			continue
		}
		stopped[r.Run.ID] = r.Stopped
		if r.Run.Kind == catalog.VersusSingle {
			versus = r.Run.ID + ": " + r.Stopped
		}
	}
	for i := range rows {
		why, ok := stopped[rows[i].Run]
		if !ok && versus != "" && strings.HasPrefix(rows[i].Run, catalog.GroupAll+"-vs-") {
			why, ok = versus, true
		}
		if !ok {
			continue
		}
		if rows[i].Status.Decided() {
			rows[i].Status = verdict.Inconclusive
		}
		note := why + " (--max-time), not judged"
		if rows[i].Reason != "" {
			note += "; " + rows[i].Reason
		}
		rows[i].Reason = note
	}
	return rows
}

func judge(res catalog.Result, opt string, c toggles.Criterion) Row {
	row := Row{Opt: opt, Workload: res.Run.Workload, Run: res.Run.ID, Kind: c.Kind, TargetText: TargetString(c)}
	cmp, ok := res.Comparison(c.Metric)
	if !ok {
		row.Verdict = inconclusive(fmt.Sprintf("run %s did not report %s", res.Run.ID, c.Metric))
		row.Criterion, row.Metric, row.Target, row.Unit = c.Text, c.Metric, c.Target, unit(c)
		return row
	}
	row.Verdict = Evaluate(c, cmp)
	return row
}

// toggleOf finds the run's toggle, or the row saying it is missing.
func toggleOf(ts []toggles.Toggle, res catalog.Result) (toggles.Toggle, []Row) {
	for _, x := range ts {
		if x.Name == res.Run.Toggle {
			return x, nil
		}
	}
	return toggles.Toggle{}, []Row{{Opt: res.Run.Opt, Workload: res.Run.Workload, Run: res.Run.ID,
		Verdict: verdict.Verdict{Criterion: "criteria", Status: verdict.Inconclusive, Reason: fmt.Sprintf("no toggle %q in the registry", res.Run.Toggle)}}}
}

func assessPrimary(ts []toggles.Toggle, res catalog.Result) []Row {
	t, missing := toggleOf(ts, res)
	if missing != nil {
		return missing
	}
	var rows []Row
	judged := map[string]bool{}
	for _, c := range append([]toggles.Criterion{t.Primary}, t.Criteria...) {
		if !c.Judges(res.Run.Workload) {
			continue
		}
		rows = append(rows, judge(res, t.Name, c))
		judged[c.Metric] = true
	}
	return append(rows, elsewhere(res, t.Name, judged)...)
}

// assessView reports a View run: its primary metric's change, explained,
// and the regression scan of the other metrics.
func assessView(ts []toggles.Toggle, res catalog.Result) []Row {
	t, missing := toggleOf(ts, res)
	if missing != nil {
		return missing
	}
	m := t.Primary.Metric
	row := Row{Opt: t.Name, Workload: res.Run.Workload, Run: res.Run.ID, TargetText: "(reported)",
		Verdict: verdict.Verdict{Criterion: "end to end, beside the primary workloads", Metric: m, Unit: "%", Status: verdict.Info}}
	for _, u := range t.Views {
		if u.Workload == res.Run.Workload {
			row.Reason = u.Why
		}
	}
	c, ok := res.Comparison(m)
	if !ok {
		row.Status, row.Reason = verdict.Inconclusive, fmt.Sprintf("run %s did not report %s", res.Run.ID, m)
		return []Row{row}
	}
	v, lo, hi := change(c)
	row.Estimate, row.CI, row.P = finite(v), &verdict.Interval{Lo: finite(lo), Hi: finite(hi)}, tested(c)
	row.Measured = m + " " + pctInterval(v, lo, hi) + " (" + medians(c) + ")"
	if cp, ok := res.Comparison(workloads.CopiedMetric); ok && cp.Off.N > 0 {
		row.Reason += fmt.Sprintf("; of it copied by the deliveries: %s", medians(cp))
	}
	if c.Change == stats.Worse {
		row.Status = verdict.Warn
		row.Reason = fmt.Sprintf("significantly worse (%s); %s", stats.PEquals(c.P), row.Reason)
	}
	return append([]Row{row}, elsewhere(res, t.Name, map[string]bool{m: true})...)
}

// assessUse judges a Cost, Control or Credit run.
func assessUse(ts []toggles.Toggle, res catalog.Result) []Row {
	t, missing := toggleOf(ts, res)
	if missing != nil {
		return missing
	}
	var cs []toggles.Criterion
	prefix := ""
	switch res.Run.Kind {
	case catalog.Credit:
		prefix = "over " + res.Run.Off.String() + ": "
		for _, c := range append([]toggles.Criterion{t.Primary}, t.Criteria...) {
			if c.Judges(res.Run.Workload) {
				cs = append(cs, c)
			}
		}
	default:
		uses := t.Costs
		if res.Run.Kind == catalog.Control {
			uses = t.Controls
		}
		for _, u := range uses {
			if u.Workload == res.Run.Workload {
				cs = u.Criteria
			}
		}
	}
	var rows []Row
	for _, c := range cs {
		row := judge(res, res.Run.Opt, c)
		row.Criterion = prefix + row.Criterion
		if c.WarnOnly && row.Status == verdict.Fail {
			row.Status = verdict.Warn
			row.Reason = "accepted cost (WARN, not FAIL): " + row.Reason
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		rows = append(rows, Row{Opt: res.Run.Opt, Workload: res.Run.Workload, Run: res.Run.ID,
			Verdict: verdict.Verdict{Criterion: "criteria", Status: verdict.Inconclusive, Reason: fmt.Sprintf("toggle %s states no criteria for %s run on %s", t.Name, res.Run.Kind, res.Run.Workload)}})
	}
	return rows
}

// elsewhere is the "no regression elsewhere" scan of one run: a WARN row
// per other metric called Worse; an INCONCLUSIVE row naming every other
// metric whose change is undecided ("?": too few rounds or events), since
// a metric that was not judged was not checked; PASS only when every other
// metric was judged and none is worse.
func elsewhere(res catalog.Result, opt string, judged map[string]bool) []Row {
	var rows []Row
	var negligible []string
	checked := 0
	// undecided groups the metrics by why they are "?", in the order met.
	var whys []string
	undecided := map[string][]string{}
	for _, c := range res.Comparisons {
		if judged[c.Metric.Name] {
			continue
		}
		if c.Change == stats.Unknown {
			why := c.Note
			if why == "" {
				why = "no call"
			}
			if undecided[why] == nil {
				whys = append(whys, why)
			}
			undecided[why] = append(undecided[why], c.Metric.Name)
			continue
		}
		checked++
		if c.Change != stats.Worse {
			continue
		}
		if c.Off.Center != 0 && math.Abs(c.DeltaPct) < MinWarnPct {
			negligible = append(negligible, fmt.Sprintf("%s %+.3f %%", c.Metric.Name, c.DeltaPct))
			continue
		}
		v, lo, hi := change(c)
		rows = append(rows, Row{
			Opt: opt, Workload: res.Run.Workload, Run: res.Run.ID, TargetText: c.Metric.Name + " not worse",
			Verdict: verdict.Verdict{
				Criterion: "no regression elsewhere", Metric: c.Metric.Name, Unit: "%",
				Status: verdict.Warn, Estimate: finite(v), CI: &verdict.Interval{Lo: finite(lo), Hi: finite(hi)}, P: tested(c),
				Measured: c.Metric.Name + " " + pctInterval(v, lo, hi) + " (" + medians(c) + ")",
				Reason:   fmt.Sprintf("significantly worse: %s, beyond the ±%s noise band", stats.PEquals(c.P), numfmt.Pct(c.Metric.Noise*100)),
			},
		})
	}
	if len(whys) > 0 {
		var names, parts []string
		for _, why := range whys {
			names = append(names, undecided[why]...)
			parts = append(parts, strings.Join(undecided[why], ", ")+": "+why)
		}
		rows = append(rows, Row{
			Opt: opt, Workload: res.Run.Workload, Run: res.Run.ID, TargetText: "no other metric worse",
			Verdict: verdict.Verdict{
				Criterion: "no regression elsewhere",
				Status:    verdict.Inconclusive,
				Measured:  fmt.Sprintf("%d of %d other metrics undecided (?)", len(names), len(names)+checked),
				Reason:    "not judged, so not checked: " + strings.Join(parts, "; "),
			},
		})
	}
	if len(rows) == 0 {
		rows = append(rows, Row{
			Opt: opt, Workload: res.Run.Workload, Run: res.Run.ID, TargetText: "no other metric worse",
			Verdict: verdict.Verdict{Criterion: "no regression elsewhere", Status: verdict.Pass, Measured: fmt.Sprintf("none of %d other metrics significantly worse", checked)},
		})
		if len(negligible) > 0 {
			rows[0].Reason = fmt.Sprintf("below the %g %% floor: %s", MinWarnPct, strings.Join(negligible, ", "))
		}
	}
	return rows
}

func assessCumulative(res catalog.Result) []Row {
	row := Row{Opt: catalog.GroupAll, Workload: res.Run.Workload, Run: res.Run.ID, TargetText: "(reported)",
		Verdict: verdict.Verdict{Criterion: "cumulative effect: all on vs all off", Metric: measure.NsPerOp, Unit: "%", Status: verdict.Info}}
	if c, ok := res.Comparison(measure.NsPerOp); ok {
		v, lo, hi := change(c)
		row.Estimate, row.CI, row.P = finite(v), &verdict.Interval{Lo: finite(lo), Hi: finite(hi)}, tested(c)
		row.Measured = "ns/op " + pctInterval(v, lo, hi) + " (" + medians(c) + ")"
	}
	var more []string
	for _, m := range []string{measure.CPUNsPerOp, measure.BytesPerOp, measure.AllocsPerOp, measure.GCPerOp} {
		if c, ok := res.Comparison(m); ok && c.DeltaDefined() {
			more = append(more, fmt.Sprintf("%s %+.1f %% (%s)", m, c.DeltaPct, c.Change))
		}
	}
	row.Reason = strings.Join(more, ", ")
	return append([]Row{row}, elsewhere(res, catalog.GroupAll, map[string]bool{measure.NsPerOp: true})...)
}

func assessVersus(rs []catalog.Result) Row {
	type one struct {
		single string
		cmp    stats.Comparison
		v      verdict.Verdict
	}
	var all []one
	for _, res := range rs {
		cmp, ok := res.Comparison(measure.NsPerOp)
		c := toggles.Criterion{Metric: measure.NsPerOp, Kind: toggles.NotWorse, Target: cmp.Metric.Noise * 100}
		v := inconclusive("ns/op not reported")
		if ok {
			v = Evaluate(c, cmp)
		}
		all = append(all, one{res.Run.Toggle, cmp, v})
	}
	// The closest contender: the single toggle whose own run shows all-on
	// gaining least (highest change of ns/op).
	sort.SliceStable(all, func(i, j int) bool { return all[i].v.Estimate > all[j].v.Estimate })
	noise := all[0].cmp.Metric.Noise * 100
	status := verdict.Pass
	var parts []string
	for _, o := range all {
		switch {
		case o.v.Status == verdict.Fail:
			status = verdict.Fail
		case o.v.Status != verdict.Pass && status != verdict.Fail:
			status = verdict.Inconclusive
		}
		parts = append(parts, fmt.Sprintf("%s %+.0f%% %s", o.single, o.v.Estimate, o.v.Status))
	}
	best := all[0]
	row := Row{
		Opt: catalog.GroupAll, Workload: rs[0].Run.Workload, Run: rs[0].Run.ID, Kind: toggles.NotWorse,
		TargetText: fmt.Sprintf("ns/op ≤ every single toggle's +%s (noise band)", numfmt.Pct(noise)),
		Verdict:    best.v,
	}
	row.Criterion, row.Metric, row.Target, row.Unit = "all on at least as good as the best single toggle", measure.NsPerOp, noise, "%"
	row.Run = catalog.GroupAll + "-vs-" + best.single + "/" + row.Workload
	row.Status = status
	row.Measured = "vs " + best.single + " alone (closest): " + best.v.Measured
	reason := strings.Join(parts, "; ")
	if best.v.Reason != "" && best.v.Status != verdict.Pass {
		reason = best.v.Reason + "; " + reason
	}
	row.Reason = reason
	return row
}

func assessMemory(res catalog.Result, c toggles.Criterion) Row {
	row := judge(res, catalog.GroupMemory, c)
	if cmp, ok := res.Comparison(c.Metric); ok && cmp.Off.N > 0 {
		off := "all off: " + numfmt.Value(cmp.Off.Center, c.Metric)
		if row.Reason == "" {
			row.Reason = off
		} else {
			row.Reason += "; " + off
		}
	}
	return row
}

// Count tallies the rows by verdict.
func Count(rows []Row) map[verdict.Status]int {
	n := map[verdict.Status]int{}
	for _, r := range rows {
		n[r.Status]++
	}
	return n
}

// Failing lists the rows that fail the suite: FAIL, and with strict also
// INCONCLUSIVE.
func Failing(rows []Row, strict bool) []Row {
	var out []Row
	for _, r := range rows {
		if r.Status == verdict.Fail || (strict && r.Status == verdict.Inconclusive) {
			out = append(out, r)
		}
	}
	return out
}
