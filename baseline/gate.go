package baseline

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/suite"
)

// Tolerances say how far each metric's median may move the worse way
// before a significant change is a regression. All are fractions (0.10 is
// 10 %).
type Tolerances struct {
	// Time applies to ns/op, ops/s and cpu-ns/op, and to any metric not
	// listed elsewhere.
	Time float64
	// Alloc applies to B/op, allocs/op, copied-B/op and B/live-signal,
	// which hardly move between runs of the same code.
	Alloc float64
	// PerMetric overrides everything for the named metrics; a negative
	// value takes the metric out of the gate (shown, never a regression).
	PerMetric map[string]float64
}

// DefaultTolerances: 10 % for time, 2 % for allocation.
func DefaultTolerances() Tolerances { return Tolerances{Time: 0.10, Alloc: 0.02} }

var (
	timeMetrics  = []string{measure.NsPerOp, measure.OpsPerSec, measure.CPUNsPerOp}
	allocMetrics = []string{measure.BytesPerOp, measure.AllocsPerOp, "copied-B/op", suite.RetainedMetric}
	// fixedTolerances are the built-in tolerances of the remaining metrics.
	fixedTolerances = map[string]float64{
		"cache-hit-%":  0.02,
		"pool-reuse-%": 0.02,
		"matches/op":   0.02,
		"failed/op":    0, // any significant increase of failures
	}
	// ungated metrics depend on scheduling, sampling and GC pacing more
	// than on the code (an A/A check on a shared 2-core machine moved gc/op
	// by up to 41 % and peak-heap-B by 30 %, while B/op and allocs/op, which
	// carry the same allocation signal, stayed within 2 %): shown, never a
	// regression unless a PerMetric tolerance says so.
	ungated = []string{measure.GCPerOp, measure.GCPauseNsOp, measure.PeakHeap, "full-retries/op"}
)

// For gives the tolerance of a metric and whether the gate applies to it.
func (t Tolerances) For(metric string) (tol float64, gated bool) {
	if v, ok := t.PerMetric[metric]; ok {
		return v, v >= 0
	}
	switch {
	case contains(timeMetrics, metric):
		return t.Time, true
	case contains(allocMetrics, metric):
		return t.Alloc, true
	case contains(ungated, metric):
		return 0, false
	}
	if v, ok := fixedTolerances[metric]; ok {
		return v, true
	}
	return t.Time, true
}

// Describe lists the tolerances for --help and reports.
func (t Tolerances) Describe() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%s: %g%% (--tolerance)", strings.Join(timeMetrics, ", "), t.Time*100))
	parts = append(parts, fmt.Sprintf("%s: %g%% (--alloc-tolerance)", strings.Join(allocMetrics, ", "), t.Alloc*100))
	var fixed []string
	for m := range fixedTolerances {
		fixed = append(fixed, m)
	}
	sort.Strings(fixed)
	for _, m := range fixed {
		parts = append(parts, fmt.Sprintf("%s: %g%%", m, fixedTolerances[m]*100))
	}
	parts = append(parts, "not gated (shown only): "+strings.Join(ungated, ", "))
	parts = append(parts, "any other metric: the time tolerance")
	return strings.Join(parts, "; ")
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Status is the gate's verdict on one metric of one side.
type Status string

const (
	// Regressed: p < 0.05 and worse by more than the tolerance. Fails the gate.
	Regressed Status = "worse"
	// Improved: p < 0.05 and better by more than the tolerance.
	Improved Status = "better"
	// Unchanged: not significant, or within the tolerance.
	Unchanged Status = "~"
	// Ungated: a metric outside the gate that would otherwise have
	// regressed; shown for information.
	Ungated Status = "info"
	// Missing: the baseline has the metric but the new run did not report it.
	Missing Status = "missing"
)

// Finding is the gate's look at one metric of one side of one run.
type Finding struct {
	Run      string         `json:"run"`
	Side     string         `json:"side"`
	Metric   report.Metric  `json:"metric"`
	Baseline report.Summary `json:"baseline"`
	Now      report.Summary `json:"now"`
	// DeltaPct is (now − baseline)/|baseline| of the medians, in %.
	DeltaPct float64 `json:"delta_pct"`
	// WorsePct is DeltaPct turned so that positive is worse, whichever way
	// the metric improves.
	WorsePct     float64 `json:"worse_pct"`
	P            float64 `json:"p"`
	TolerancePct float64 `json:"tolerance_pct"`
	Gated        bool    `json:"gated"`
	Status       Status  `json:"status"`
	Note         string  `json:"note,omitempty"`
}

// Judge applies the regression rule to one metric: base and now are the
// samples of the baseline and of the new run; tol is a fraction.
//
// Regressed when both hold: the Mann-Whitney U p-value < 0.05 and the
// median moved the worse way by more than tol (relative to the baseline
// median). Improved when p < 0.05 and it moved the better way by more than
// tol. Otherwise Unchanged. A baseline median of 0 has no relative change:
// any significant move off 0 the worse way (say, failures appearing) is a
// regression, the better way an improvement. Metrics outside the gate are
// Ungated instead of Regressed.
func Judge(m report.Metric, base, now []float64, tol float64, gated bool) Finding {
	c := report.Compare(m, base, now)
	f := Finding{
		Metric: m, Baseline: c.Off, Now: c.On, DeltaPct: c.DeltaPct, P: c.P,
		TolerancePct: tol * 100, Gated: gated, Status: Unchanged,
	}
	f.WorsePct = f.DeltaPct
	if m.Better == report.HigherIsBetter {
		f.WorsePct = -f.DeltaPct
	}
	if c.Off.N < report.MinSamplesForTest || c.On.N < report.MinSamplesForTest {
		f.Note = fmt.Sprintf("%d vs %d samples: the U test needs %d per side", c.Off.N, c.On.N, report.MinSamplesForTest)
		return f
	}
	significant := c.P < report.Alpha
	var worse, better bool
	if c.Off.Center == 0 {
		up := c.On.Center > 0
		moved := c.On.Center != 0
		worse = significant && moved && up == (m.Better == report.LowerIsBetter)
		better = significant && moved && !worse
		if moved {
			f.Note = "baseline median is 0: any significant move counts"
		}
	} else {
		worse = significant && f.WorsePct > f.TolerancePct
		better = significant && -f.WorsePct > f.TolerancePct
		if significant && !worse && !better && f.DeltaPct != 0 {
			f.Note = fmt.Sprintf("p=%s but %+.1f %% is within the ±%g %% tolerance", formatP(c.P), f.DeltaPct, f.TolerancePct)
		}
	}
	switch {
	case worse && gated:
		f.Status = Regressed
	case worse:
		f.Status = Ungated
		f.Note = "would be worse, but this metric is not gated"
	case better:
		f.Status = Improved
	}
	return f
}

func formatP(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
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
	// Machine compares the machine probes of the check with the
	// baseline's; MachineWarning is set when the machine itself moved.
	Machine        *report.Comparison `json:"machine,omitempty"`
	MachineWarning string             `json:"machine_warning,omitempty"`
}

// Regressions lists the findings that fail the gate.
func (r Report) Regressions() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == Regressed {
			out = append(out, f)
		}
	}
	return out
}

// Count tallies findings by status.
func (r Report) Count() map[Status]int {
	n := map[Status]int{}
	for _, f := range r.Findings {
		n[f.Status]++
	}
	return n
}

// Compare judges every metric of every side of every baseline run against
// the fresh results (matched by run ID). A run or metric the fresh results
// lack is Missing: it is shown, and never silently passes as unchanged.
//
// probes are the check's machine probes by run ID (nil if none were
// taken); when both sides have them, Report.Machine compares them.
func Compare(b *File, fresh []suite.Result, probes map[string][]float64, tol Tolerances) Report {
	byID := map[string]suite.Result{}
	for _, r := range fresh {
		byID[r.Run.ID] = r
	}
	var rep Report
	if m, ok := MachineShift(b, probes); ok {
		rep.Machine = &m
		rep.MachineWarning = MachineWarning(m)
	}
	for _, run := range b.Runs {
		res, ok := byID[run.ID]
		for _, m := range run.Metrics {
			t, gated := tol.For(m.Name)
			for _, side := range Sides {
				base := m.Side(side)
				var now []float64
				if ok {
					sd := measure.Off
					if side == "on" {
						sd = measure.On
					}
					now = finiteOnly(res.Measurement.Values(sd, m.Name))
				}
				if len(now) == 0 {
					rep.Findings = append(rep.Findings, Finding{
						Run: run.ID, Side: side, Metric: m.Metric, Baseline: base.Summary,
						TolerancePct: t * 100, Gated: gated, Status: Missing, P: 1,
						Note: "the new run did not report this metric",
					})
					continue
				}
				f := Judge(m.Metric, base.Samples, now, t, gated)
				f.Run, f.Side = run.ID, side
				rep.Findings = append(rep.Findings, f)
			}
		}
	}
	return rep
}

// EnvDiff splits the differences between the baseline's environment and
// the current one into warnings and expected information.
func EnvDiff(base, now report.Env) (warnings, info []string) {
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
func Rerun(ctx context.Context, b *File, lookup suite.Lookup, before func(i, n int, r suite.Run)) ([]suite.Result, map[string][]float64, error) {
	runs, settings, err := b.Plan()
	if err != nil {
		return nil, nil, err
	}
	return Take(ctx, runs, settings, lookup, before)
}

// Resolve checks that every workload the baseline names is known, before
// anything runs.
func Resolve(b *File, lookup suite.Lookup) error {
	for _, r := range b.Runs {
		if _, err := lookup(r.Workload); err != nil {
			return fmt.Errorf("baseline run %s: %w", r.ID, err)
		}
	}
	return nil
}
