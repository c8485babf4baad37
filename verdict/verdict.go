// Package verdict is the one shape in which perfbench says whether a
// target was met. Every command that judges (bench, load, cluster, compare,
// baseline check, monitor) produces Verdicts, every renderer reads them,
// and scripts read the same fields from every results.json: so a reader
// learns one vocabulary, and a new command cannot invent a fifth.
package verdict

import "slices"

// Status is the outcome of one criterion.
type Status string

const (
	// Pass: the evidence carries the target, at 95 % confidence where the
	// criterion is statistical.
	Pass Status = "PASS"
	// Fail: the evidence carries the miss. A command ends with exit 3 when
	// any verdict fails.
	Fail Status = "FAIL"
	// Inconclusive: not enough evidence either way (too noisy, too few
	// rounds, nothing to compare against); Reason says which.
	Inconclusive Status = "INCONCLUSIVE"
	// Warn: a miss that fails nothing: a cost the design accepts knowingly,
	// or a metric no criterion covers that got significantly worse. Shown so
	// nobody misses it.
	Warn Status = "WARN"
	// Info: reported for context, judged against nothing.
	Info Status = "INFO"
)

// Statuses lists every status, most severe first.
var Statuses = []Status{Fail, Inconclusive, Warn, Pass, Info}

// Decided reports whether s settles its criterion one way or the other.
func (s Status) Decided() bool { return s == Pass || s == Fail }

// Interval is a two-sided 95 % confidence interval, in the estimate's unit.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Verdict is one criterion checked against what was measured.
type Verdict struct {
	// Criterion is the target in words, as tables show it: "ns/op −50 %",
	// "p99 < 100 µs", "root sends ≤ 3".
	Criterion string `json:"criterion"`
	// Source says who set the target: "plan" (the optimization plan),
	// "goal" (a goal set beyond it) or "" (a check of the run itself).
	Source string `json:"source,omitempty"`
	// Scope is what was judged: a run, a workload, a side, a node count.
	Scope string `json:"scope,omitempty"`
	// Metric is the measurement the criterion reads, e.g. "ns/op", "p99".
	Metric string `json:"metric"`
	// Target is the threshold, in Unit.
	Target float64 `json:"target"`
	// Unit of Target, Estimate and CI: "%" for a relative change, "×" for a
	// factor, else the metric's own unit ("ns", "B/op", "count").
	Unit string `json:"unit,omitempty"`
	// Estimate is the measured value the status rests on.
	Estimate float64 `json:"estimate"`
	// CI bounds Estimate at 95 % confidence; nil when the criterion is exact
	// (a count, a property) or there were too few rounds for one.
	CI *Interval `json:"ci,omitempty"`
	// P is the p-value of the test behind a statistical verdict; nil when
	// none was run.
	P *float64 `json:"p,omitempty"`
	// Measured is Estimate (and CI) formatted as the tables show it.
	Measured string `json:"measured"`
	Status   Status `json:"status"`
	// Reason says why, whenever the status needs one: what was missing for
	// INCONCLUSIVE, what the WARN is about, what the margin was.
	Reason string `json:"reason,omitempty"`
}

// PValue returns a pointer to p, for Verdict.P.
func PValue(p float64) *float64 { return &p }

// Worst returns the most severe status among vs (Fail before
// Inconclusive before Warn before Pass before Info), or Info for none.
func Worst(vs []Verdict) Status {
	worst := len(Statuses) - 1
	for _, v := range vs {
		if i := slices.Index(Statuses, v.Status); i >= 0 && i < worst {
			worst = i
		}
	}
	return Statuses[worst]
}

// Count returns how many of vs have status s.
func Count(vs []Verdict, s Status) int {
	n := 0
	for _, v := range vs {
		if v.Status == s {
			n++
		}
	}
	return n
}

// Failed returns the verdicts of vs that failed, in order.
func Failed(vs []Verdict) []Verdict {
	var out []Verdict
	for _, v := range vs {
		if v.Status == Fail {
			out = append(out, v)
		}
	}
	return out
}
