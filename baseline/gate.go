package baseline

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

// Tolerances say how far each metric's median may move the worse way
// before a significant change is a regression. All are fractions (0.10 is
// 10 %). Which one applies is the metric's own declaration (stats.GateClass).
type Tolerances struct {
	// Time applies to metrics declared stats.TimeGate.
	Time float64
	// Alloc applies to metrics declared stats.AllocGate, which hardly move
	// between runs of the same code.
	Alloc float64
	// PerMetric overrides everything for the named metrics; a negative
	// value takes the metric out of the gate (shown, never a regression).
	PerMetric map[string]float64
}

// DefaultTolerances: 10 % for time, 2 % for allocation.
func DefaultTolerances() Tolerances { return Tolerances{Time: 0.10, Alloc: 0.02} }

// For gives the tolerance of a metric and whether the gate applies to it.
func (t Tolerances) For(m stats.Metric) (tol float64, gated bool) {
	if v, ok := t.PerMetric[m.Name]; ok {
		return v, v >= 0
	}
	switch m.Gate {
	case stats.AllocGate:
		return t.Alloc, true
	case stats.FixedGate:
		return m.Tolerance, true
	case stats.Ungated:
		return 0, false
	}
	return t.Time, true
}

// Metrics are every metric the gate may meet over the workloads ws, as
// their owners declare them: the engine's, then each workload's, once each.
func Metrics(ws []workloads.Workload) []stats.Metric {
	all := measure.EngineMetrics()
	seen := map[string]bool{}
	for _, m := range all {
		seen[m.Name] = true
	}
	for _, w := range ws {
		for _, m := range w.Metrics {
			if !seen[m.Name] {
				seen[m.Name] = true
				all = append(all, m)
			}
		}
	}
	return all
}

// Describe lists the tolerances of metrics for --help and reports.
func (t Tolerances) Describe(metrics []stats.Metric) string {
	var timeM, allocM, ungated, fixed []string
	for _, m := range metrics {
		switch m.Gate {
		case stats.TimeGate:
			timeM = append(timeM, m.Name)
		case stats.AllocGate:
			allocM = append(allocM, m.Name)
		case stats.FixedGate:
			fixed = append(fixed, m.Name+": "+numfmt.Pct(m.Tolerance*100))
		case stats.Ungated:
			ungated = append(ungated, m.Name)
		}
	}
	parts := []string{
		fmt.Sprintf("%s: %s (--tolerance)", strings.Join(timeM, ", "), numfmt.Pct(t.Time*100)),
		fmt.Sprintf("%s: %s (--alloc-tolerance)", strings.Join(allocM, ", "), numfmt.Pct(t.Alloc*100)),
	}
	parts = append(parts, fixed...)
	parts = append(parts, "not gated (shown only): "+strings.Join(ungated, ", "))
	parts = append(parts, "any other metric: the time tolerance")
	return strings.Join(parts, "; ")
}

// Finding is the gate's look at one metric of one side of one run: what
// was measured, and the verdict on it. The verdict's status is FAIL for a
// regression (the only status that fails the gate), PASS for a metric that
// improved or did not move beyond its tolerance, WARN for a move the gate
// shows without failing on (a metric outside the gate that got worse, or a
// regression a rerun did not repeat), and INCONCLUSIVE for a metric the
// new run did not report.
type Finding struct {
	Run      string        `json:"run"`
	Side     stats.Side    `json:"side"`
	Metric   stats.Metric  `json:"metric"`
	Baseline stats.Summary `json:"baseline"`
	Now      stats.Summary `json:"now"`
	// DeltaPct is (now − baseline)/|baseline| of the medians, in %.
	DeltaPct float64 `json:"delta_pct"`
	// WorsePct is DeltaPct turned so that positive is worse, whichever way
	// the metric improves.
	WorsePct     float64 `json:"worse_pct"`
	TolerancePct float64 `json:"tolerance_pct"` // what the change was judged against: the metric's tolerance plus DriftPct
	// DriftPct is how far the baseline's own passes drifted apart for this
	// metric (see File.Drift); it widens the tolerance.
	DriftPct float64 `json:"drift_pct,omitempty"`
	Gated    bool    `json:"gated"`
	// Change is the direction beyond the tolerance the rule found: worse,
	// better, ~ (neither) or ? (nothing to compare).
	Change  stats.Change    `json:"change"`
	Verdict verdict.Verdict `json:"verdict"`
}

// Label is the finding as the tables show it: worse (FAIL), better or ~
// (PASS), info (WARN: not gated), unconfirmed (WARN: a regression a rerun
// did not repeat), missing (INCONCLUSIVE).
func (f Finding) Label() string {
	switch f.Verdict.Status {
	case verdict.Fail:
		return string(stats.Worse)
	case verdict.Inconclusive:
		return "missing"
	case verdict.Warn:
		if f.Gated {
			return "unconfirmed"
		}
		return "info"
	}
	if f.Change == stats.Better {
		return string(stats.Better)
	}
	return string(stats.NoDiff)
}

// labels lists every label in the order the check's tally gives them.
var labels = []string{string(stats.Worse), "unconfirmed", string(stats.Better), string(stats.NoDiff), "info", "missing"}

// judged fills the finding's verdict from its fields: status, the reason
// behind it, and p when the U test ran.
func (f *Finding) judged(s verdict.Status, p *float64, reason string) {
	crit := fmt.Sprintf("%s no worse than the baseline beyond ±%s", f.Metric.Name, numfmt.Pct(f.TolerancePct))
	if !f.Gated {
		crit = f.Metric.Name + " shown, not gated"
	}
	measured := "not reported"
	if s != verdict.Inconclusive {
		measured = fmt.Sprintf("%+.1f %%", f.DeltaPct)
	}
	f.Verdict = verdict.Verdict{
		Criterion: crit, Source: "baseline", Scope: f.Run + " " + f.Side.String(), Metric: f.Metric.Name,
		Target: f.TolerancePct, Unit: "%", Estimate: f.DeltaPct, P: p, Measured: measured, Status: s, Reason: reason,
	}
}

// Judge applies the regression rule to one metric: base and now are the
// samples of the baseline and of the new run; tol is a fraction.
//
// Regressed when both hold: the Mann-Whitney U p-value < 0.05 and the
// change is worse than tol with 95 % confidence, not just in its median:
// the change of the medians minus its one-sided 95 % uncertainty is still
// beyond tol. The uncertainty is that of the difference of two independent
// estimates — the 95 % CI half-widths of baseline and check added in
// quadrature, scaled by 1.645/1.96 for one side (relative to the baseline
// median). A measurement whose own rounds scatter by ±15 % cannot resolve
// a 10 % move, and saying it did would fail CI on noise. Improved
// symmetrically. Otherwise Unchanged. A baseline median of 0 has no relative change:
// any significant move off 0 the worse way (say, failures appearing) is a
// regression, the better way an improvement. Metrics outside the gate are
// Ungated instead of Regressed. Whatever the tolerance, a change of the
// medians smaller than m.Floor (the metric's resolution) is Unchanged.
func Judge(m stats.Metric, base, now []float64, tol float64, gated bool) Finding {
	c := stats.Compare(m, base, now)
	f := Finding{
		Metric: m, Baseline: c.Off, Now: c.On, DeltaPct: c.DeltaPct,
		TolerancePct: tol * 100, Gated: gated, Change: stats.NoDiff,
	}
	note := ""
	f.WorsePct = f.DeltaPct
	if m.Better == stats.HigherIsBetter {
		f.WorsePct = -f.DeltaPct
	}
	if c.Off.N < stats.MinSamplesForTest || c.On.N < stats.MinSamplesForTest {
		f.judged(verdict.Pass, verdict.PValue(c.P), fmt.Sprintf("%d vs %d samples: the U test needs %d per side", c.Off.N, c.On.N, stats.MinSamplesForTest))
		return f
	}
	significant := c.P < stats.Alpha
	var worse, better bool
	if c.Off.Center == 0 {
		up := c.On.Center > 0
		moved := c.On.Center != 0
		worse = significant && moved && up == (m.Better == stats.LowerIsBetter)
		better = significant && moved && !worse
		if moved {
			note = "baseline median is 0: any significant move counts"
		}
	} else {
		up, down := changeUncertainty(c.Off, c.On)
		// The least-worse and least-better ends of the change, in %,
		// positive meaning worse.
		leastWorse, leastBetter := f.DeltaPct-down, -f.DeltaPct-up
		if m.Better == stats.HigherIsBetter {
			leastWorse, leastBetter = -f.DeltaPct-up, f.DeltaPct-down
		}
		worse = significant && leastWorse > f.TolerancePct
		better = significant && leastBetter > f.TolerancePct
		switch {
		case significant && !worse && !better && math.Abs(f.WorsePct) > f.TolerancePct:
			note = fmt.Sprintf("%s and %+.1f %%, but with its uncertainty (−%.1f/+%.1f %%) the change reaches into the ±%s tolerance",
				stats.PEquals(c.P), f.DeltaPct, down, up, numfmt.Pct(f.TolerancePct))
		case significant && !worse && !better && f.DeltaPct != 0:
			note = fmt.Sprintf("%s but %+.1f %% is within the ±%s tolerance", stats.PEquals(c.P), f.DeltaPct, numfmt.Pct(f.TolerancePct))
		}
	}
	if floorNote, under := stats.UnderFloor(m, c.Off.Center, c.On.Center); under && (worse || better) {
		worse, better = false, false
		note = floorNote
	}
	status := verdict.Pass
	switch {
	case worse && gated:
		f.Change, status = stats.Worse, verdict.Fail
	case worse:
		f.Change, status = stats.Worse, verdict.Warn
		note = "would be worse, but this metric is not gated"
	case better:
		f.Change = stats.Better
	}
	f.judged(status, verdict.PValue(c.P), note)
	return f
}

// p is the U test's p-value, 1 when it did not run (as the tables show
// it: nothing significant).
func (f Finding) p() float64 {
	if f.Verdict.P == nil {
		return 1
	}
	return *f.Verdict.P
}

// oneSided turns a two-sided 95 % half-width into a one-sided 95 % bound
// (z 1.645 instead of 1.96): the gate asks only "is it worse by more than
// the tolerance", never "is it different".
const oneSided = 1.645 / 1.96

// changeUncertainty is how far the true change may lie below (down) and
// above (up) the change of the medians, in % of the baseline median: the
// CI half-widths of the two sides on the relevant ends, added in
// quadrature, one-sided. Without CIs (too few rounds) it is 0 and the
// medians decide.
func changeUncertainty(base, now stats.Summary) (up, down float64) {
	if base.Center == 0 {
		return 0, 0
	}
	scale := oneSided * 100 / math.Abs(base.Center)
	// The change is larger when now is high and base is low, and smaller
	// in the opposite case.
	up = math.Hypot(now.Hi-now.Center, base.Center-base.Lo) * scale
	down = math.Hypot(now.Center-now.Lo, base.Hi-base.Center) * scale
	return up, down
}

// Report is the outcome of a check.
type Report struct {
	Baseline string    `json:"baseline"`
	Findings []Finding `json:"findings"`
	// EnvWarnings are differences that make the numbers less comparable
	// (Go version, CPU, core count …); EnvInfo the expected ones (git
	// commit, host name).
	EnvWarnings []string `json:"env_warnings,omitempty"`
	EnvInfo     []string `json:"env_info,omitempty"`
	// Unchecked lists what the suite measures and the baseline lacks (see
	// Resolve): shown, never a pass or a failure.
	Unchecked []string `json:"unchecked,omitempty"`
	// Machine compares the machine probes of the check with the
	// baseline's; MachineWarning is set when the machine itself moved.
	Machine        *stats.Comparison `json:"machine,omitempty"`
	MachineWarning string            `json:"machine_warning,omitempty"`
}

// Regressions lists the findings that fail the gate.
func (r Report) Regressions() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Verdict.Status == verdict.Fail {
			out = append(out, f)
		}
	}
	return out
}

// Count tallies findings by label (see Finding.Label).
func (r Report) Count() map[string]int {
	n := map[string]int{}
	for _, f := range r.Findings {
		n[f.Label()]++
	}
	return n
}

// Compare judges every metric of every side of every baseline run against
// the fresh results (matched by run ID). A run or metric the fresh results
// lack is Missing: it is shown, and never silently passes as unchanged.
//
// probes are the check's machine probes by run ID (nil if none were
// taken); when both sides have them, Report.Machine compares them.
func Compare(b *File, fresh []catalog.Result, probes map[string][]float64, tol Tolerances) Report {
	byID := map[string]catalog.Result{}
	for _, r := range fresh {
		byID[r.Run.ID] = r
	}
	var rep Report
	if m, ok := MachineShift(b, probes); ok {
		rep.Machine = &m
		rep.MachineWarning = MachineWarning(m)
	}
	drift := b.Drift()
	for _, run := range b.Runs {
		res, ok := byID[run.ID]
		// The baseline file records names and directions; how a metric is
		// gated is what the code measuring it now declares.
		declared := map[string]stats.Metric{}
		if ok {
			for _, m := range res.Measurement.Metrics {
				declared[m.Name] = m
			}
		}
		for _, m := range run.Metrics {
			decl, known := declared[m.Name]
			if !known {
				decl = m.Metric
			}
			t0, gated := tol.For(decl)
			for _, side := range stats.Sides() {
				base := m.Side(side)
				d := drift.For(run.ID, side, m.Name)
				t := t0 + d
				var now []float64
				if ok {
					now = finiteOnly(res.Measurement.Values(side, m.Name))
				}
				if len(now) == 0 {
					f := Finding{
						Run: run.ID, Side: side, Metric: m.Metric, Baseline: base.Summary,
						TolerancePct: t * 100, Gated: gated, Change: stats.Unknown,
					}
					f.judged(verdict.Inconclusive, nil, "the new run did not report this metric")
					rep.Findings = append(rep.Findings, f)
					continue
				}
				// The file does not store the resolution floor: the
				// declaring code is authoritative for it, as for the gate.
				jm := m.Metric
				jm.Floor = decl.Floor
				f := Judge(jm, base.Samples, now, t, gated)
				f.Run, f.Side, f.DriftPct = run.ID, side, d*100
				f.Verdict.Scope = run.ID + " " + side.String()
				rep.Findings = append(rep.Findings, f)
			}
		}
	}
	return rep
}

// EnvDiff splits the differences between the baseline's environment and
// the current one into warnings and expected information.
func EnvDiff(base, now machine.Env) (warnings, info []string) {
	for _, d := range base.Diff(now) {
		if strings.HasPrefix(d, "git commit:") || strings.HasPrefix(d, "hostname:") {
			info = append(info, d)
		} else {
			warnings = append(warnings, d)
		}
	}
	return warnings, info
}

// Rerun measures again every run the baseline holds, with its settings,
// and probes the machine before each run as Save did. lookup resolves
// workload names; before is called before each run.
func Rerun(ctx context.Context, b *File, lookup catalog.Lookup, before func(i, n int, r catalog.Run)) ([]catalog.Result, map[string][]float64, error) {
	runs, settings, err := b.Plan()
	if err != nil {
		return nil, nil, err
	}
	return Take(ctx, runs, settings, lookup, before)
}

// Resolve checks the baseline against this perfbench before anything runs.
// Every run it holds must still be a run of the suite (suite: every run
// this perfbench has), with the same workload and sides, and every metric
// one that the run measures; otherwise the error names the run and the
// metric. What the suite measures that the baseline lacks — a run or a
// metric added since it was saved, or left out by save --opt — is
// acceptable: it is returned as lines to print, saying it is not checked.
func Resolve(b *File, suiteRuns []catalog.Run, lookup catalog.Lookup) (unchecked []string, err error) {
	known := map[string]catalog.Run{}
	for _, r := range suiteRuns {
		known[r.ID] = r
	}
	held := map[string]bool{}
	for _, r := range b.Runs {
		held[r.ID] = true
		w, err := lookup(r.Workload)
		if err != nil {
			return nil, fmt.Errorf("baseline run %s: %w", r.ID, err)
		}
		s, ok := known[r.ID]
		if !ok {
			return nil, fmt.Errorf("baseline run %s is not a run of this perfbench's suite (renamed or removed since the baseline was saved)", r.ID)
		}
		off, errOff := catalog.ParseSet(r.Off)
		on, errOn := catalog.ParseSet(r.On)
		if errOff != nil || errOn != nil || s.Workload != r.Workload || off != s.Off || on != s.On {
			return nil, fmt.Errorf("baseline run %s measured %s, off=%s on=%s; the suite's run %s now measures %s, off=%s on=%s",
				r.ID, r.Workload, r.Off, r.On, r.ID, s.Workload, s.Off, s.On)
		}
		measured := map[string]bool{}
		var names []string
		for _, m := range append(measure.EngineMetrics(), w.Metrics...) {
			measured[m.Name] = true
			names = append(names, m.Name)
		}
		inBaseline := map[string]bool{}
		for _, m := range r.Metrics {
			inBaseline[m.Name] = true
			if !measured[m.Name] {
				return nil, fmt.Errorf("baseline run %s: unknown metric %q (the run measures %s)", r.ID, m.Name, strings.Join(names, ", "))
			}
		}
		for _, n := range names {
			if !inBaseline[n] {
				unchecked = append(unchecked, fmt.Sprintf("run %s: metric %s is not in the baseline", r.ID, n))
			}
		}
	}
	var missing []string
	for _, r := range suiteRuns {
		if !held[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	if len(missing) > 0 {
		unchecked = append(unchecked, fmt.Sprintf("%d run(s) of the suite are not in the baseline: %s", len(missing), strings.Join(missing, ", ")))
	}
	return unchecked, nil
}

// Confirm reruns every run that has a regression in rep and keeps a
// regression only if the rerun shows it again (same run, side and metric).
//
// Time metrics move between measurements taken at different moments on a
// shared machine — a noisy neighbour, a frequency change — by more than
// the rounds of one measurement show, so a single significant result can be
// noise with p < 0.05. A real regression is in the code and shows up every
// time; noise rarely strikes the same metric twice. Findings that do not
// repeat become WARN: shown as unconfirmed, not failing the gate.
func Confirm(ctx context.Context, b *File, rep Report, lookup catalog.Lookup, tol Tolerances, before func(i, n int, r catalog.Run)) (Report, error) {
	suspect := map[string]bool{}
	for _, f := range rep.Regressions() {
		suspect[f.Run] = true
	}
	if len(suspect) == 0 {
		return rep, nil
	}
	runs, settings, err := b.Plan()
	if err != nil {
		return rep, err
	}
	sub := *b
	sub.Runs = nil
	var again []catalog.Run
	for i, r := range runs {
		if suspect[r.ID] {
			again = append(again, r)
			sub.Runs = append(sub.Runs, b.Runs[i])
		}
	}
	fresh, probes, err := Take(ctx, again, settings, lookup, before)
	if err != nil {
		return rep, err
	}
	second := Compare(&sub, fresh, probes, tol)
	type key struct {
		run    string
		side   stats.Side
		metric string
	}
	confirmed := map[key]Finding{}
	for _, f := range second.Findings {
		confirmed[key{f.Run, f.Side, f.Metric.Name}] = f
	}
	out := rep
	out.Findings = append([]Finding(nil), rep.Findings...)
	for i, f := range out.Findings {
		if f.Verdict.Status != verdict.Fail {
			continue
		}
		g := confirmed[key{f.Run, f.Side, f.Metric.Name}]
		if g.Verdict.Status == verdict.Fail {
			out.Findings[i].Verdict.Reason = fmt.Sprintf("confirmed by a rerun: %+.1f %%, %s", g.DeltaPct, stats.PEquals(g.p()))
			continue
		}
		out.Findings[i].Verdict.Status = verdict.Warn
		out.Findings[i].Verdict.Reason = fmt.Sprintf("the rerun measured %+.1f %% (%s): not repeated, so not a regression", g.DeltaPct, stats.PEquals(g.p()))
	}
	return out, nil
}

// DriftFloorQuantile picks, per metric name, the drift that most runs of
// the suite stay within; it is the least drift the gate allows that metric
// in any run.
const DriftFloorQuantile = 0.9

// Drift is how far the baseline's passes drifted apart: per run, side and
// metric the spread of the pass medians relative to the pooled median, and
// per metric name a floor, the DriftFloorQuantile of those spreads over all
// runs and sides.
//
// Why: on a shared machine the time a workload takes moves over minutes —
// another tenant, frequency, the GC's pacing in a new process — by more
// than the rounds of one measurement show, and a check runs minutes or days
// after the save. The passes of a save, taken one after the other, are a
// measurement of that drift on this machine. A change within it cannot be
// told from it, so the gate widens each metric's tolerance by its drift:
// the larger of its own and its metric's floor (one run may have been
// lucky). Allocation metrics barely drift, so their tolerance stays tight.
type Drift struct {
	own   map[string]float64 // run|side|metric
	floor map[string]float64 // metric
}

// Drift measures the drift between the baseline's passes (none when it
// has a single pass).
func (f *File) Drift() Drift {
	d := Drift{own: map[string]float64{}, floor: map[string]float64{}}
	byMetric := map[string][]float64{}
	for _, r := range f.Runs {
		for _, m := range r.Metrics {
			for _, side := range stats.Sides() {
				s := m.Side(side)
				spread, ok := passSpread(s)
				if !ok {
					continue
				}
				d.own[r.ID+"|"+side.String()+"|"+m.Name] = spread
				byMetric[m.Name] = append(byMetric[m.Name], spread)
			}
		}
	}
	for name, v := range byMetric {
		sort.Float64s(v)
		d.floor[name] = v[int(math.Ceil(DriftFloorQuantile*float64(len(v))))-1]
	}
	return d
}

// For is the drift, as a fraction, that widens one metric's tolerance.
func (d Drift) For(run string, side stats.Side, metric string) float64 {
	return max(d.own[run+"|"+side.String()+"|"+metric], d.floor[metric])
}

// Floor is the drift floor of a metric name (0 when unknown).
func (d Drift) Floor(metric string) float64 { return d.floor[metric] }

// passSpread is (max − min) of the pass medians over |pooled median|.
func passSpread(s Samples) (float64, bool) {
	if len(s.PassMedians) < 2 || s.Summary.Center == 0 {
		return 0, false
	}
	lo, hi := s.PassMedians[0], s.PassMedians[0]
	for _, v := range s.PassMedians[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return (hi - lo) / math.Abs(s.Summary.Center), true
}
