package stats

import (
	"fmt"
	"math"

	"github.com/perfbench/perfbench/numfmt"
)

// Paired is the round-by-round view of a comparison: in round i both sides
// ran back to back, so on[i]/off[i] is one measurement of the change with
// the machine's drift of that moment divided out.
type Paired struct {
	// N is the number of round pairs.
	N int `json:"n"`
	// Ratio is the median of the per-round ratios on/off; Lo and Hi its
	// 95 % CI (sign-test order statistics of the log ratios, as
	// benchmath.AssumeNothing computes them, exponentiated). Without a CI
	// (N < MinSamplesForCI) Lo and Hi equal Ratio.
	Ratio      float64 `json:"ratio"`
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	HasCI      bool    `json:"has_ci"`
	Confidence float64 `json:"confidence,omitempty"`
	// Wilcoxon is the signed-rank test of the log ratios against 0.
	Wilcoxon WilcoxonResult `json:"wilcoxon"`
}

// LogRatios gives log(on[i]/off[i]) for each round pair; a pair of zeros
// is 0 (no change). It fails when the sides differ in length, or when a
// value is negative, non-finite, or 0 beside a non-zero value: a ratio of
// such values has no meaning. The error prints the values in unit (the
// metric's name), as the tables print them.
func LogRatios(off, on []float64, unit string) ([]float64, error) {
	if len(off) != len(on) {
		return nil, fmt.Errorf("%d off rounds but %d on rounds", len(off), len(on))
	}
	out := make([]float64, len(off))
	for i := range off {
		a, b := off[i], on[i]
		switch {
		case !isFinite(a) || !isFinite(b) || a < 0 || b < 0:
			return nil, fmt.Errorf("round %d: %s and %s have no ratio", i+1, numfmt.Value(a, unit), numfmt.Value(b, unit))
		case a == 0 && b == 0:
			out[i] = 0
		case a == 0 || b == 0:
			return nil, fmt.Errorf("round %d: %s against %s has no finite ratio", i+1, numfmt.Value(a, unit), numfmt.Value(b, unit))
		default:
			out[i] = math.Log(b / a)
		}
	}
	return out, nil
}

// PairRatios computes the paired view of off and on (see LogRatios for when
// it fails).
func PairRatios(off, on []float64, unit string) (Paired, error) {
	return PairRatiosAt(off, on, unit, Confidence)
}

// PairRatiosAt is PairRatios with the CI at level conf.
func PairRatiosAt(off, on []float64, unit string, conf float64) (Paired, error) {
	logs, err := LogRatios(off, on, unit)
	if err != nil {
		return Paired{}, err
	}
	s := SummarizeAt(logs, conf)
	return Paired{
		N: s.N, Ratio: math.Exp(s.Center), Lo: math.Exp(s.Lo), Hi: math.Exp(s.Hi),
		HasCI: s.HasCI, Confidence: s.Confidence, Wilcoxon: Wilcoxon(logs),
	}, nil
}

// ComparePaired compares two sides measured in interleaved rounds, round i
// of off with round i of on, judging the change on the paired ratios:
//
//  1. The per-round ratios on/off, their median and its 95 % CI, and the
//     Wilcoxon signed-rank p-value of their logs (PairRatios).
//  2. "?" with fewer than MinSamplesForCI pairs: the CI is missing, and the
//     exact test cannot reach p < 0.05 below 6 pairs either.
//  3. The change is called only when p < Alpha and the whole CI of the
//     ratio lies beyond the band: above 1+band, or below 1/(1+band). The
//     band is symmetric in log terms, so ns/op and its inverse ops/s are
//     called alike. Better or Worse follows m.Better; otherwise "~".
//
// band is the metric's noise band for off/on comparisons and the gate's
// tolerance for base/head ones (a regression is then a Worse change).
// The per-side summaries are filled as Compare fills them, for display;
// DeltaPct, DeltaLoPct and DeltaHiPct are the median ratio and its CI as
// percentages, P is the Wilcoxon p-value.
//
// When no ratio can be formed (a 0 beside a non-zero value, negative
// values, unequal round counts), it falls back to Compare's unpaired rule
// with the same band and says so in the note. On either path a change
// smaller than the metric's Floor is "~" (belowFloor): a round that measured
// 0 says nothing about the size of the change.
func ComparePaired(m Metric, off, on []float64, band float64) Comparison {
	return ComparePairedAt(m, off, on, band, Confidence)
}

// ComparePairedAt is ComparePaired with every interval (the paired ratio's
// and each side's) at level conf: a sequential look judges at its own
// level (see Look). The signed-rank test keeps the threshold Alpha: the
// error bound of a sequential design rests on the intervals alone.
func ComparePairedAt(m Metric, off, on []float64, band, conf float64) Comparison {
	if !(band > 0) || math.IsInf(band, 0) {
		band = 0
	}
	pr, err := PairRatiosAt(off, on, m.Name, conf)
	if err != nil {
		c := compareBand(m, off, on, band)
		c.Note = joinNotes("not paired: "+err.Error(), c.Note)
		return belowFloor(c)
	}
	c := Comparison{Metric: m, Off: SummarizeAt(off, conf), On: SummarizeAt(on, conf), P: pr.Wilcoxon.P, Paired: &pr}
	c.DeltaPct = (pr.Ratio - 1) * 100
	c.DeltaLoPct, c.DeltaHiPct = (pr.Lo-1)*100, (pr.Hi-1)*100
	if !pr.HasCI {
		c.Change = Unknown
		c.Note = fmt.Sprintf("only %d round pairs: the paired %.0f%% CI and test need at least %d", pr.N, Confidence*100, MinSamplesForCI)
		return c
	}
	lim := 1 + band
	var up bool
	switch {
	case pr.Lo > lim:
		up = true
	case pr.Hi < 1/lim:
		up = false
	default:
		c.Change = NoDiff
		if c.P < Alpha {
			c.Note = fmt.Sprintf("%s but the paired CI of the change [%+.1f%%, %+.1f%%] is not wholly beyond ±%s",
				PEquals(c.P), c.DeltaLoPct, c.DeltaHiPct, numfmt.Pct(band*100))
		}
		return c
	}
	if c.P >= Alpha {
		c.Change = NoDiff
		c.Note = fmt.Sprintf("the paired CI lies beyond ±%s but the signed-rank test gives %s", numfmt.Pct(band*100), PEquals(c.P))
		return c
	}
	c.Change = direction(m, up)
	return belowFloor(c)
}

// direction is Better when the metric moved the way it prefers (up for a
// higher-is-better metric), Worse otherwise.
func direction(m Metric, up bool) Change {
	if up == (m.Better == HigherIsBetter) {
		return Better
	}
	return Worse
}

// belowFloor turns a called change smaller than the metric's Floor into
// "~", saying why.
func belowFloor(c Comparison) Comparison {
	if c.Change != Better && c.Change != Worse {
		return c
	}
	if note, under := UnderFloor(c.Metric, c.Off.Center, c.On.Center); under {
		c.Change = NoDiff
		c.Note = joinNotes(note, c.Note)
	}
	return c
}

// UnderFloor reports whether two medians of m differ by less than its
// Floor, with the sentence that says so. Every rule that calls a change
// (paired, unpaired, the baseline gate) asks it before calling one.
func UnderFloor(m Metric, a, b float64) (note string, under bool) {
	d := math.Abs(b - a)
	if !(m.Floor > 0) || !(d < m.Floor) {
		return "", false
	}
	return fmt.Sprintf("the medians differ by %s, under the metric's resolution of %s",
		numfmt.Value(d, m.Name), numfmt.Value(m.Floor, m.Name)), true
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}
