package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/perfbench/perfbench/numfmt"
	"golang.org/x/perf/benchmath"
)

const (
	// Confidence is the level of every confidence interval perfbench reports.
	Confidence = 0.95
	// Alpha is the significance level of the Mann-Whitney U test.
	Alpha = 0.05
	// MinSamplesForCI is the smallest sample whose median has a finite 95 %
	// CI: below it the CI's order statistics fall outside the sample.
	MinSamplesForCI = 6
	// MinSamplesForTest is the smallest sample size per side at which the
	// U test can reach p < 0.05 at all (with 3 per side the minimum p is 0.1).
	MinSamplesForTest = 4
)

// Summarize gives the median of values and, from MinSamplesForCI samples on,
// its 95 % CI, exactly as benchstat computes them
// (benchmath.AssumeNothing: order statistics, no distribution assumed).
//
// NaN and ±Inf values are dropped with a warning: they cannot be ordered,
// and a single one would make every derived number (and the JSON) invalid.
// N counts the values kept. Without a CI, Lo and Hi equal Center so that no
// infinity leaks out.
func Summarize(values []float64) Summary { return SummarizeAt(values, Confidence) }

// SummarizeAt is Summarize with a CI at level conf instead of Confidence:
// a sequential look (see Look) takes its intervals at its own level.
func SummarizeAt(values []float64, conf float64) Summary {
	kept, dropped := finiteCopy(values)
	var warnings []string
	if dropped > 0 {
		warnings = append(warnings, fmt.Sprintf("dropped %d non-finite value(s)", dropped))
	}
	if len(kept) == 0 {
		return Summary{Warnings: append(warnings, "no samples")}
	}
	s := benchmath.AssumeNothing.Summary(newSample(kept), conf)
	sum := Summary{N: len(kept), Center: s.Center, Lo: s.Lo, Hi: s.Hi, HasCI: true, Confidence: s.Confidence}
	if len(kept) < MinSamplesForCI || !isFinite(s.Lo) || !isFinite(s.Hi) {
		// benchmath's own warning omits N; ours says what to change.
		sum.Lo, sum.Hi, sum.HasCI, sum.Confidence = s.Center, s.Center, false, 0
		need := MinSamplesForCI
		if conf != Confidence {
			need = minSamplesFor(conf)
		}
		warnings = append(warnings, fmt.Sprintf("only %d samples: a %.4g%% confidence interval needs at least %d",
			len(kept), conf*100, need))
	} else {
		for _, w := range s.Warnings {
			warnings = append(warnings, w.Error())
		}
	}
	sum.Warnings = warnings
	sum.AllZero = dropped == 0 && !slices.ContainsFunc(kept, func(v float64) bool { return v != 0 })
	return sum
}

// Compare summarizes both sides of one metric and decides whether it changed.
//
// The rule, applied in this order:
//
//  1. "?" when either side has fewer than MinSamplesForTest samples: the
//     U test cannot reach p < Alpha, so "~" would be a guess.
//  2. "~" when the Mann-Whitney U p-value is >= Alpha (0.05).
//  3. "?" when either side has fewer than MinSamplesForCI samples: the
//     difference is significant but cannot be bounded, so its size is unknown.
//  4. Otherwise the change is bounded conservatively by interval arithmetic on
//     the two 95 % CIs of the medians: on - off lies in
//     [on.Lo - off.Hi, on.Hi - off.Lo]. The noise band is
//     ±m.Noise·|off median|. The change is called only when that whole interval
//     lies strictly outside the band: above it means "on" is higher, below it
//     means lower; Better or Worse then follows m.Better. An interval that
//     touches or crosses the band is "~" with a Note.
//
// Rule 4 never divides, so it holds for off medians of 0 (then the band is 0
// and the CIs must simply not overlap). With Noise 0 it reduces to
// "p < 0.05 and the CIs do not overlap". The interval is wider than an exact
// CI of the difference would be; it errs towards "~", never towards a claim.
//
// DeltaPct is (on - off)/|off|·100 of the medians. When the off median is 0 it
// is undefined and reported as 0 with a Note (see DeltaDefined).
//
// A called change whose medians differ by less than m.Floor is "~" (see
// belowFloor), as on every other path that calls a change.
func Compare(m Metric, off, on []float64) Comparison {
	return belowFloor(compareBand(m, off, on, noise(m)))
}

// compareBand is Compare with an explicit band (a fraction, >= 0) instead
// of the metric's noise.
func compareBand(m Metric, off, on []float64, bandFrac float64) (c Comparison) {
	c = Comparison{Metric: m, Off: Summarize(off), On: Summarize(on), P: 1}
	var notes []string
	// Every return path explains itself through notes; a named result lets
	// one defer attach them.
	defer func() { c.Note = strings.Join(notes, "; ") }()

	o, n := c.Off, c.On
	if c.DeltaDefined() {
		if o.Center != 0 {
			c.DeltaPct = (n.Center - o.Center) / math.Abs(o.Center) * 100
		}
	} else {
		notes = append(notes, "off median is 0: delta % undefined")
	}
	c.DeltaLoPct, c.DeltaHiPct = c.DeltaPct, c.DeltaPct
	if o.HasCI && n.HasCI && o.Center != 0 {
		c.DeltaLoPct = (n.Lo - o.Hi) / math.Abs(o.Center) * 100
		c.DeltaHiPct = (n.Hi - o.Lo) / math.Abs(o.Center) * 100
	}

	if o.N < MinSamplesForTest || n.N < MinSamplesForTest {
		c.Change = Unknown
		notes = append(notes, fmt.Sprintf("%d vs %d samples: the U test needs at least %d per side to reach p < %g",
			o.N, n.N, MinSamplesForTest, Alpha))
		return c
	}
	offS, _ := finiteCopy(off)
	onS, _ := finiteCopy(on)
	if p := benchmath.AssumeNothing.Compare(newSample(offS), newSample(onS)).P; isFinite(p) {
		c.P = p
	}
	if c.P >= Alpha {
		c.Change = NoDiff
		return c
	}
	if !o.HasCI || !n.HasCI {
		c.Change = Unknown
		notes = append(notes, fmt.Sprintf("%s but %d vs %d samples give no %.0f%% CI (need %d per side): size of the change unknown",
			PEquals(c.P), o.N, n.N, Confidence*100, MinSamplesForCI))
		return c
	}

	band := bandFrac * math.Abs(o.Center)
	lo, hi := n.Lo-o.Hi, n.Hi-o.Lo
	var up bool
	switch {
	case lo > band:
		up = true
	case hi < -band:
		up = false
	default:
		c.Change = NoDiff
		notes = append(notes, fmt.Sprintf("%s but the CI of the change %s is not wholly beyond the ±%s noise band",
			PEquals(c.P), changeRange(c, lo, hi), numfmt.Pct(bandFrac*100)))
		return c
	}
	if up == (m.Better == HigherIsBetter) {
		c.Change = Better
	} else {
		c.Change = Worse
	}
	return c
}

// DeltaDefined reports whether DeltaPct means something: a relative change
// from an off median of 0 to anything else has no finite value.
func (c Comparison) DeltaDefined() bool {
	if c.Counts != nil {
		return c.Counts.Bounded || c.Counts.OnEvents == 0
	}
	return c.Off.Center != 0 || c.On.Center == 0
}

// Test names the test behind P, for prose: "the rate test" for a count,
// "the signed-rank test" for paired rounds, "the U test" otherwise.
func (c Comparison) Test() string {
	switch {
	case c.Counts != nil:
		return "the rate test"
	case c.Paired != nil:
		return "the signed-rank test"
	}
	return "the U test"
}

// FormatP is the one spelling of a p-value perfbench prints: "0.012", or
// "<0.001" because three decimals would print a tiny p as "0.000", which
// reads as impossible certainty. Prose writes "p=" + FormatP(p) unless it
// starts with "<" (see PEquals).
func FormatP(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// PEquals gives "p=0.012" or "p<0.001" for prose and notes.
func PEquals(p float64) string {
	f := FormatP(p)
	if strings.HasPrefix(f, "<") {
		return "p" + f
	}
	return "p=" + f
}

func changeRange(c Comparison, lo, hi float64) string {
	if c.Off.Center == 0 {
		return fmt.Sprintf("[%s, %s]", numfmt.Value(lo, c.Metric.Name), numfmt.Value(hi, c.Metric.Name))
	}
	return fmt.Sprintf("[%+.1f%%, %+.1f%%]", c.DeltaLoPct, c.DeltaHiPct)
}

// noise clamps a metric's threshold: a negative or NaN band would call
// changes inside the CI.
func noise(m Metric) float64 {
	if !(m.Noise > 0) || math.IsInf(m.Noise, 0) {
		return 0
	}
	return m.Noise
}

// newSample exists because benchmath.NewSample sorts in place and needs a
// thresholds pointer; each sample gets its own copy of the defaults.
func newSample(sortedCopy []float64) *benchmath.Sample {
	t := benchmath.DefaultThresholds
	t.CompareAlpha = Alpha
	return benchmath.NewSample(sortedCopy, &t)
}

// finiteCopy copies values (NewSample would reorder the caller's slice)
// and drops what cannot be ordered.
func finiteCopy(values []float64) (kept []float64, dropped int) {
	kept = make([]float64, 0, len(values))
	for _, v := range values {
		if isFinite(v) {
			kept = append(kept, v)
		} else {
			dropped++
		}
	}
	return kept, dropped
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
