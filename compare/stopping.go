package compare

import (
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// Decided is compare's stopping rule (measure.Settings.Decided): a case
// may stop at a look once every gated metric is Settled at that look's
// level. A case that cannot be settled goes the distance and is judged on
// all its rounds, as without looks.
func Decided(interim *measure.Result) bool {
	for _, c := range interim.CompareWithin(func(m stats.Metric) float64 { b, _ := Tolerance(m); return b }) {
		if !Settled(c) {
			return false
		}
	}
	return true
}

// Settled says whether the gate's call on one metric is settled by an
// interval: a metric outside the gate always is (it is never a
// regression); a gated one when Judge already calls it a regression (its
// whole interval worse than the tolerance, with the test's p < alpha), or
// when its whole interval lies on the side of the tolerance that is no
// regression (head/base ≤ 1+tolerance for a lower-is-better metric,
// ≥ 1/(1+tolerance) for a higher-is-better one), where no later round can
// make Judge call one unless this interval missed the true change.
//
// Both calls are wrong only when the look's interval misses the true
// change, which the sequential design bounds (stats.Look). A comparison
// without an interval — too few pairs, a count with no event or none on
// base (its rate ratio is unbounded), or a metric that could not be
// paired — is not settled: nothing bounds what more rounds would show.
func Settled(c stats.Comparison) bool {
	band, gated := Tolerance(c.Metric)
	if !gated {
		return true
	}
	if Judge("", c).Status == verdict.Fail {
		return true
	}
	var lo, hi float64
	switch {
	case c.Counts != nil:
		if !c.Counts.Bounded || c.Change == stats.Unknown {
			return false
		}
		lo, hi = c.Counts.Lo, c.Counts.Hi
	case c.Paired != nil:
		if !c.Paired.HasCI {
			return false
		}
		lo, hi = c.Paired.Lo, c.Paired.Hi
	default:
		return false
	}
	if c.Metric.Better == stats.HigherIsBetter {
		return lo >= 1/(1+band)
	}
	return hi <= 1+band
}
