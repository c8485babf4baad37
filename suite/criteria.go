package suite

import (
	"fmt"
	"math"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// Evaluate judges criterion c against the comparison of c.Metric. The
// rules, one per kind; every interval is the 95 % one, so a verdict is
// PASS or FAIL only when the evidence carries it:
//
//   - Reduction X: the change and its 95 % CI [DeltaLoPct, DeltaHiPct]:
//     the median paired ratio on/off and its CI when the rounds were
//     paired, the rate ratio and its exact CI for a count, else
//     stats.Compare's conservative interval of on−off from both CIs. PASS
//     when the whole interval is at or below −X % and the comparison's own
//     test (cmp.Test: signed-rank, rate or U) gives p < 0.05; FAIL when the
//     whole interval is above −X % (even the best case misses); otherwise
//     INCONCLUSIVE.
//   - Speedup F: the factor in the metric's direction (on/off when higher
//     is better, off/on when lower is) with its CI: from the paired (or
//     count) ratio and its CI, inverted when lower is better; only for an
//     unpaired comparison by dividing the per-side CI ends (e.g.
//     [on.Lo/off.Hi, on.Hi/off.Lo]). PASS when the low end ≥ F and p <
//     0.05; FAIL when the high end < F; otherwise INCONCLUSIVE.
//   - AtMost T / AtLeast T: the on side's median and its CI. AtMost: PASS
//     when on.Hi ≤ T, FAIL when on.Lo > T. AtLeast: PASS when on.Lo ≥ T,
//     FAIL when on.Hi < T. Otherwise INCONCLUSIVE.
//   - NotWorse M: the change towards worse (in the metric's direction),
//     bounded as for Reduction. PASS when its high end ≤ M %; FAIL when its
//     low end > M % and p < 0.05; otherwise INCONCLUSIVE.
//
// Every kind is INCONCLUSIVE when a side it needs was not measured or has
// no CI (fewer than stats.MinSamplesForCI rounds). The relative kinds are
// also INCONCLUSIVE when the comparison is "?" or the off median is 0 (no
// relative change from nothing).
func Evaluate(c toggles.Criterion, cmp stats.Comparison) verdict.Verdict {
	var v verdict.Verdict
	switch c.Kind {
	case toggles.Reduction:
		v = evalReduction(c, cmp)
	case toggles.Speedup:
		v = evalSpeedup(c, cmp)
	case toggles.AtMost, toggles.AtLeast:
		v = evalBound(c, cmp)
	case toggles.NotWorse:
		v = evalNotWorse(c, cmp)
	default:
		v = verdict.Verdict{Status: verdict.Inconclusive, Reason: fmt.Sprintf("unknown criterion kind %q", c.Kind)}
	}
	v.Criterion, v.Metric, v.Target, v.Unit = c.Text, c.Metric, c.Target, unit(c)
	v.Estimate = finite(v.Estimate)
	if v.CI != nil {
		v.CI = &verdict.Interval{Lo: finite(v.CI.Lo), Hi: finite(v.CI.Hi)}
	}
	return v
}

// unit is the unit of a criterion's target and estimate: a relative kind
// reads a change in % or a factor, an absolute one the metric itself.
func unit(c toggles.Criterion) string {
	switch c.Kind {
	case toggles.Reduction, toggles.NotWorse:
		return "%"
	case toggles.Speedup:
		return "×"
	}
	return c.Metric
}

// tested is the p-value of the comparison's own test, for a verdict that
// rests on it; nil when there was none to give.
func tested(cmp stats.Comparison) *float64 {
	if math.IsNaN(cmp.P) || math.IsInf(cmp.P, 0) {
		return nil
	}
	return verdict.PValue(cmp.P)
}

// TargetString is the target as the criteria table shows it.
func TargetString(c toggles.Criterion) string {
	switch c.Kind {
	case toggles.Reduction:
		return fmt.Sprintf("%s -%g %%", c.Metric, c.Target)
	case toggles.Speedup:
		return fmt.Sprintf("%s ≥ %g×", c.Metric, c.Target)
	case toggles.AtMost:
		return fmt.Sprintf("%s ≤ %s", c.Metric, numfmt.Value(c.Target, c.Metric))
	case toggles.AtLeast:
		return fmt.Sprintf("%s ≥ %s", c.Metric, numfmt.Value(c.Target, c.Metric))
	case toggles.NotWorse:
		return fmt.Sprintf("%s at most %g %% worse", c.Metric, c.Target)
	}
	return c.String()
}

// relative checks what every relative kind needs: both sides measured with
// a CI, a testable comparison and a non-zero off median (for a count:
// events on the off side).
func relative(cmp stats.Comparison) (reason string, ok bool) {
	switch {
	case cmp.Off.N == 0 || cmp.On.N == 0:
		return "metric not measured on both sides", false
	case cmp.Change == stats.Unknown:
		return "comparison is \"?\": " + cmp.Note, false
	case cmp.Counts != nil && cmp.Counts.OffEvents == 0:
		return fmt.Sprintf("no off events in %.0f ops: a relative change from nothing is undefined (raise --benchtime)", cmp.Counts.OffOps), false
	case cmp.Counts != nil:
		// A count is judged on its totals: the rate ratio's CI stands in
		// for the per-side ones.
		return "", true
	case !cmp.Off.HasCI || !cmp.On.HasCI:
		return fmt.Sprintf("%d vs %d rounds: a 95 %% CI needs at least %d per side", cmp.Off.N, cmp.On.N, stats.MinSamplesForCI), false
	case cmp.Off.Center == 0:
		return "off median is 0: a relative change from nothing is undefined (for counts of rare events such as GC cycles, raise --benchtime)", false
	}
	return "", true
}

func medians(cmp stats.Comparison) string {
	u := cmp.Metric.Name
	return fmt.Sprintf("%s → %s", numfmt.Value(cmp.Off.Center, u), numfmt.Value(cmp.On.Center, u))
}

// change is the comparison's change of the median and its conservative
// interval, in %. A metric that cannot go below 0 cannot fall by more than
// 100 %, so the interval's low end is clamped there (stats.Compare's
// interval arithmetic can reach below it when the off side is noisy).
func change(cmp stats.Comparison) (v, lo, hi float64) {
	v, lo, hi = cmp.DeltaPct, cmp.DeltaLoPct, cmp.DeltaHiPct
	if cmp.On.Lo >= 0 && cmp.Off.Center > 0 {
		lo = math.Max(lo, -100)
	}
	return v, lo, hi
}

func pctInterval(v, lo, hi float64) string {
	return fmt.Sprintf("%+.1f %% [%+.1f, %+.1f]", v, lo, hi)
}

// estimate is a verdict resting on value with its 95 % interval [lo, hi].
func estimate(value, lo, hi float64) verdict.Verdict {
	return verdict.Verdict{Estimate: value, CI: &verdict.Interval{Lo: lo, Hi: hi}}
}

func inconclusive(why string) verdict.Verdict {
	return verdict.Verdict{Status: verdict.Inconclusive, Reason: why}
}

func evalReduction(c toggles.Criterion, cmp stats.Comparison) verdict.Verdict {
	if why, ok := relative(cmp); !ok {
		return inconclusive(why)
	}
	val, lo, hi := change(cmp)
	v := estimate(val, lo, hi)
	v.P = tested(cmp)
	v.Measured = pctInterval(val, lo, hi) + " (" + medians(cmp) + ")"
	need := -c.Target
	switch {
	case hi <= need && (c.Target <= 0 || cmp.P < stats.Alpha):
		v.Status = verdict.Pass
	case lo > need:
		v.Status = verdict.Fail
		v.Reason = fmt.Sprintf("even the best end of the 95 %% interval, %+.1f %%, misses %s", lo, numfmt.Pct(need))
	case hi <= need:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("interval meets the target but %s gives %s ≥ %g", cmp.Test(), stats.PEquals(cmp.P), stats.Alpha)
	default:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("the 95 %% interval straddles %+g %%: too noisy to tell (more rounds or --full)", need)
	}
	return v
}

func evalSpeedup(c toggles.Criterion, cmp stats.Comparison) verdict.Verdict {
	if why, ok := relative(cmp); !ok {
		return inconclusive(why)
	}
	val, lo, hi, ok := factor(cmp)
	if !ok {
		return inconclusive("a factor needs positive values on both sides")
	}
	v := estimate(val, lo, hi)
	v.P = tested(cmp)
	v.Measured = fmt.Sprintf("%.2f× [%.2f, %.2f] (%s)", val, lo, hi, medians(cmp))
	switch {
	case lo >= c.Target && (c.Target <= 1 || cmp.P < stats.Alpha):
		v.Status = verdict.Pass
	case hi < c.Target:
		v.Status = verdict.Fail
		v.Reason = fmt.Sprintf("even the best end of the 95 %% interval, %.2f×, misses %g×", hi, c.Target)
	case lo >= c.Target:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("interval meets the target but %s gives %s ≥ %g", cmp.Test(), stats.PEquals(cmp.P), stats.Alpha)
	default:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("the 95 %% interval straddles %g×: too noisy to tell (more rounds or --full)", c.Target)
	}
	return v
}

// factor is the improvement factor of cmp in its metric's direction and
// its 95 % CI, from the same view of the data as P: the median paired ratio
// (or a count's rate ratio) and its CI, when the comparison has one; the
// per-side medians and CIs only for an unpaired comparison. ok is false
// when a ratio of non-positive values would be needed.
func factor(cmp stats.Comparison) (r, lo, hi float64, ok bool) {
	switch {
	case cmp.Paired != nil:
		r, lo, hi = cmp.Paired.Ratio, cmp.Paired.Lo, cmp.Paired.Hi
	case cmp.Counts != nil && cmp.Counts.Bounded:
		r, lo, hi = cmp.Counts.Ratio, cmp.Counts.Lo, cmp.Counts.Hi
	case cmp.Counts != nil:
		return 0, 0, 0, false
	}
	if cmp.Paired != nil || cmp.Counts != nil {
		if r <= 0 || lo <= 0 || hi <= 0 {
			return 0, 0, 0, false
		}
		if cmp.Metric.Better == stats.LowerIsBetter {
			r, lo, hi = 1/r, 1/hi, 1/lo
		}
		return r, lo, hi, true
	}
	num, den := cmp.On, cmp.Off
	if cmp.Metric.Better == stats.LowerIsBetter {
		num, den = cmp.Off, cmp.On
	}
	if num.Lo <= 0 || den.Lo <= 0 || num.Center <= 0 || den.Center <= 0 {
		return 0, 0, 0, false
	}
	return num.Center / den.Center, num.Lo / den.Hi, num.Hi / den.Lo, true
}

func evalBound(c toggles.Criterion, cmp stats.Comparison) verdict.Verdict {
	on, u := cmp.On, cmp.Metric.Name
	switch {
	case on.N == 0:
		return inconclusive("metric not measured on the on side")
	case !on.HasCI:
		return verdict.Verdict{Status: verdict.Inconclusive, Estimate: on.Center,
			Measured: numfmt.Value(on.Center, u) + " (no CI)",
			Reason:   fmt.Sprintf("%d rounds: a 95 %% CI needs at least %d", on.N, stats.MinSamplesForCI)}
	}
	v := estimate(on.Center, on.Lo, on.Hi)
	v.Measured = fmt.Sprintf("%s [%s, %s]", numfmt.Value(on.Center, u), numfmt.Value(on.Lo, u), numfmt.Value(on.Hi, u))
	target := numfmt.Value(c.Target, u)
	pass, fail := on.Hi <= c.Target, on.Lo > c.Target
	if c.Kind == toggles.AtLeast {
		pass, fail = on.Lo >= c.Target, on.Hi < c.Target
	}
	switch {
	case pass:
		v.Status = verdict.Pass
	case fail:
		v.Status = verdict.Fail
		v.Reason = fmt.Sprintf("the whole 95 %% CI is on the wrong side of %s", target)
	default:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("the 95 %% CI straddles %s: too noisy to tell (more rounds or --full)", target)
	}
	return v
}

func evalNotWorse(c toggles.Criterion, cmp stats.Comparison) verdict.Verdict {
	if why, ok := relative(cmp); !ok {
		return inconclusive(why)
	}
	val, lo, hi := change(cmp)
	v := estimate(val, lo, hi)
	v.P = tested(cmp)
	v.Measured = pctInterval(val, lo, hi) + " (" + medians(cmp) + ")"
	// Turn the change into "how much worse", whichever way the metric improves.
	worseLo, worseHi := lo, hi
	if cmp.Metric.Better == stats.HigherIsBetter {
		worseLo, worseHi = -hi, -lo
	}
	switch {
	case worseHi <= c.Target:
		v.Status = verdict.Pass
	case worseLo > c.Target && cmp.P < stats.Alpha:
		v.Status = verdict.Fail
		v.Reason = fmt.Sprintf("worse by %.1f–%.1f %%, beyond the %s margin (%s)", worseLo, worseHi, numfmt.Pct(c.Target), stats.PEquals(cmp.P))
	default:
		v.Status = verdict.Inconclusive
		v.Reason = fmt.Sprintf("the 95 %% interval reaches %.1f %% worse, beyond the %s margin: too noisy to tell", worseHi, numfmt.Pct(c.Target))
	}
	return v
}

// finite guards the JSON of a verdict.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
