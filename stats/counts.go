package stats

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/perfbench/perfbench/numfmt"
)

// FDR is the false discovery rate at which RateTest results are called
// significant after BenjaminiHochberg: under a pure A/A comparison with
// independent tests, the chance that any function at all is called is at
// most FDR (BH controls the family-wise rate at q when every null is true;
// the discrete binomial test only makes it smaller).
const FDR = 0.01

// BinomialTest is the exact two-sided binomial test of k successes in n
// trials against success probability p: the total probability of every
// outcome no more likely than k (the "minlike" rule of R's binom.test).
// A relative tolerance of 1e-7 keeps outcomes of equal probability together
// despite rounding.
func BinomialTest(k, n int64, p float64) float64 {
	if n <= 0 || k < 0 || k > n {
		return 1
	}
	switch {
	case p <= 0:
		return b2f(k == 0)
	case p >= 1:
		return b2f(k == n)
	}
	// log pmf(k) from log-gamma, then every log pmf(i) streamed from log
	// pmf(0) by pmf(i+1)/pmf(i) = (n-i)/(i+1) · p/q: one log per step, no
	// memory however large n is.
	lp, lq := math.Log(p), math.Log1p(-p)
	lnN, _ := math.Lgamma(float64(n + 1))
	lnK, _ := math.Lgamma(float64(k + 1))
	lnNK, _ := math.Lgamma(float64(n - k + 1))
	limit := lnN - lnK - lnNK + float64(k)*lp + float64(n-k)*lq + math.Log1p(1e-7)
	var sum float64
	l := float64(n) * lq
	for i := int64(0); ; i++ {
		if l <= limit {
			sum += math.Exp(l)
		}
		if i == n {
			break
		}
		l += math.Log(float64(n-i)/float64(i+1)) + lp - lq
	}
	return min(1, sum)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// RateTest asks whether two Poisson counts differ in rate beyond chance: k0
// events over exposure e0 against k1 over e1 (exposure = operations over the
// sampling period, so that equal cost per operation means equal rate). Given
// their sum, k1 is binomial with p = e1/(e0+e1) under equal rates; the
// result is that conditional test's two-sided p-value. With no events at all
// nothing can be told apart: p = 1.
func RateTest(k0 int64, e0 float64, k1 int64, e1 float64) float64 {
	if e0 <= 0 || e1 <= 0 {
		return 1
	}
	return BinomialTest(k1, k0+k1, e1/(e0+e1))
}

// BenjaminiHochberg returns the adjusted p-values (q-values) of a family of
// tests: q(i) = min over j ranked at or above i of m·p(j)/rank(j), capped at
// 1. A test is a discovery at false discovery rate α when q ≤ α.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	q := make([]float64, m)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		i := order[r]
		running = min(running, p[i]*float64(m)/float64(r+1))
		q[i] = running
	}
	return q
}

// binomialTail is P(X ≤ k) (upper false) or P(X ≥ k) (upper true) for X
// binomial with n trials and success probability p. It sums only the short
// side: from k away from the mode while k is beyond it in that direction,
// else 1 minus the other tail. Terms fall geometrically away from the mode,
// so the cost is a few standard deviations of terms however large n is.
func binomialTail(k, n int64, p float64, upper bool) float64 {
	switch {
	case upper && k <= 0, !upper && k >= n:
		return 1
	case upper && k > n, !upper && k < 0:
		return 0
	case p <= 0:
		return b2f(!upper)
	case p >= 1:
		return b2f(upper)
	}
	mode := int64(math.Floor(float64(n+1) * p))
	if upper {
		if k >= mode {
			return min(1, sumFrom(k, n, p, +1))
		}
		return max(0, 1-sumFrom(k-1, n, p, -1))
	}
	if k <= mode {
		return min(1, sumFrom(k, n, p, -1))
	}
	return max(0, 1-sumFrom(k+1, n, p, +1))
}

// sumFrom adds the binomial pmf from k in direction dir (±1) until the
// terms no longer change the sum; the caller starts at or beyond the mode,
// where every further term is smaller than the one before.
func sumFrom(k, n int64, p float64, dir int64) float64 {
	lp, lq := math.Log(p), math.Log1p(-p)
	lnN, _ := math.Lgamma(float64(n + 1))
	lnK, _ := math.Lgamma(float64(k + 1))
	lnNK, _ := math.Lgamma(float64(n - k + 1))
	l := lnN - lnK - lnNK + float64(k)*lp + float64(n-k)*lq
	var sum float64
	for i := k; i >= 0 && i <= n; i += dir {
		term := math.Exp(l)
		sum += term
		if term <= sum*1e-17 {
			break
		}
		if dir > 0 { // pmf(i+1)/pmf(i) = (n-i)/(i+1) · p/q
			l += math.Log(float64(n-i)/float64(i+1)) + lp - lq
		} else { // pmf(i-1)/pmf(i) = i/(n-i+1) · q/p
			l += math.Log(float64(i)/float64(n-i+1)) + lq - lp
		}
	}
	return sum
}

// ClopperPearson is the exact (Clopper–Pearson) confidence interval of a
// binomial proportion at level conf, from k successes in n trials: lo is
// where P(X ≥ k) = (1-conf)/2, hi where P(X ≤ k) = (1-conf)/2; 0 and 1 at
// the ends k = 0 and k = n.
func ClopperPearson(k, n int64, conf float64) (lo, hi float64) {
	if n <= 0 || k < 0 || k > n {
		return 0, 1
	}
	tail := (1 - conf) / 2
	lo, hi = 0, 1
	if k > 0 {
		// P(X ≥ k) grows with p.
		lo = bisect(func(p float64) bool { return binomialTail(k, n, p, true) < tail })
	}
	if k < n {
		// P(X ≤ k) falls as p grows.
		hi = bisect(func(p float64) bool { return binomialTail(k, n, p, false) > tail })
	}
	return lo, hi
}

// bisect finds where below turns from true to false on (0, 1).
func bisect(below func(p float64) bool) float64 {
	a, b := 0.0, 1.0
	for i := 0; i < 200 && b-a > 1e-15; i++ {
		m := (a + b) / 2
		if below(m) {
			a = m
		} else {
			b = m
		}
	}
	return (a + b) / 2
}

// CountTest is the comparison of a count metric (Metric.Count): the events
// of every round of a side added up, against the operations they took.
// Per-round ratios of small integers take a few values only (7 GC cycles
// against 8 reads +14.3 % in every round pair, a CI of zero width), so a
// count is judged on its totals instead: under equal rates per operation,
// given the total k = OffEvents + OnEvents, OnEvents is binomial with
// p = OnOps/(OffOps+OnOps) (RateTest), and the exact CI of that proportion
// (ClopperPearson) transformed gives the CI of the rate ratio.
type CountTest struct {
	OffEvents int64   `json:"off_events"`
	OnEvents  int64   `json:"on_events"`
	OffOps    float64 `json:"off_ops"`
	OnOps     float64 `json:"on_ops"`
	// Ratio is the rate ratio (on events per op)/(off events per op), Lo
	// and Hi its 95 % CI. With no off event the ratio has no finite value
	// or upper bound: Bounded is false and Ratio and Hi are 0.
	Ratio   float64 `json:"ratio"`
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Bounded bool    `json:"bounded"`
	P       float64 `json:"p"`
}

// RateRatioCI is the exact CI of the ratio of two Poisson rates, k1/e1
// against k0/e0, at level conf: the Clopper–Pearson interval [πl, πh] of
// k1 out of k0+k1, mapped through R = π/(1−π) · e0/e1. hi is +Inf when
// k0 is 0.
func RateRatioCI(k0 int64, e0 float64, k1 int64, e1 float64, conf float64) (lo, hi float64) {
	pl, ph := ClopperPearson(k1, k0+k1, conf)
	odds := func(p float64) float64 {
		if p >= 1 {
			return math.Inf(1)
		}
		return p / (1 - p) * e0 / e1
	}
	return odds(pl), odds(ph)
}

// CompareCounts compares a count metric measured in rounds: off[i] and
// on[i] are events per operation, offOps[i] and onOps[i] the operations
// of that round, so their products are whole numbers of events. The rule:
//
//  1. "~" when no round of either side saw an event: both rates are 0 at
//     the run's resolution, nothing moved.
//  2. "?" when the events of both sides together are so few that no split
//     of them reaches p < Alpha under the rate test: nothing can be called.
//  3. Otherwise called only when the rate test gives p < Alpha and the
//     whole 95 % CI of the rate ratio lies beyond the band (above 1+band or
//     below 1/(1+band)), as ComparePaired calls a ratio; else "~".
//
// The Floor applies as on every other path. When the products are not
// whole numbers (the metric is not a count after all) or the lengths
// differ, it falls back to ComparePaired and says so in the note.
func CompareCounts(m Metric, off, offOps, on, onOps []float64, band float64) Comparison {
	return CompareCountsAt(m, off, offOps, on, onOps, band, Confidence)
}

// CompareCountsAt is CompareCounts with the rate ratio's CI and the
// per-side summaries at level conf (see ComparePairedAt).
func CompareCountsAt(m Metric, off, offOps, on, onOps []float64, band, conf float64) Comparison {
	if !(band > 0) || math.IsInf(band, 0) {
		band = 0
	}
	k0, e0, err0 := countEvents(off, offOps, m.Name)
	k1, e1, err1 := countEvents(on, onOps, m.Name)
	if err := errors.Join(err0, err1); err != nil {
		c := ComparePairedAt(m, off, on, band, conf)
		c.Note = joinNotes("not judged as a count: "+err.Error(), c.Note)
		return c
	}
	ct := CountTest{OffEvents: k0, OnEvents: k1, OffOps: e0, OnOps: e1, P: RateTest(k0, e0, k1, e1)}
	c := Comparison{Metric: m, Off: SummarizeAt(off, conf), On: SummarizeAt(on, conf), P: ct.P, Counts: &ct}
	k := k0 + k1
	if k == 0 {
		c.Change = NoDiff
		c.Note = fmt.Sprintf("no events on either side (%s and %s)", numfmt.Value(e0, "ops"), numfmt.Value(e1, "ops"))
		return c
	}
	lo, hi := RateRatioCI(k0, e0, k1, e1, conf)
	ct.Lo = lo
	if k0 > 0 {
		ct.Ratio, ct.Hi, ct.Bounded = float64(k1)/e1/(float64(k0)/e0), hi, true
		c.DeltaPct, c.DeltaLoPct, c.DeltaHiPct = (ct.Ratio-1)*100, (lo-1)*100, (hi-1)*100
	} else {
		c.Note = "no off events: the relative change is undefined"
	}
	share := e1 / (e0 + e1)
	// The least likely outcomes, all events on one side, give the smallest
	// p-value the test can reach with k events.
	if min(BinomialTest(0, k, share), BinomialTest(k, k, share)) >= Alpha {
		c.Change = Unknown
		c.Note = joinNotes(fmt.Sprintf("only %d events in all (%d off, %d on): no split of so few reaches p < %g under the rate test (raise --benchtime)",
			k, k0, k1, Alpha), c.Note)
		return c
	}
	lim := 1 + band
	var up bool
	switch {
	case lo > lim:
		up = true
	case ct.Bounded && hi < 1/lim:
		up = false
	default:
		c.Change = NoDiff
		if c.P < Alpha {
			c.Note = joinNotes(fmt.Sprintf("%s but the CI of the rate ratio %s is not wholly beyond ±%s", PEquals(c.P), ct.interval(), numfmt.Pct(band*100)), c.Note)
		}
		return c
	}
	if c.P >= Alpha {
		c.Change = NoDiff
		c.Note = joinNotes(fmt.Sprintf("the CI of the rate ratio lies beyond ±%s but the rate test gives %s", numfmt.Pct(band*100), PEquals(c.P)), c.Note)
		return c
	}
	c.Change = direction(m, up)
	return belowFloor(c)
}

func (ct CountTest) interval() string {
	if !ct.Bounded {
		return fmt.Sprintf("[%.3g×, ∞)", ct.Lo)
	}
	return fmt.Sprintf("[%+.1f%%, %+.1f%%]", (ct.Lo-1)*100, (ct.Hi-1)*100)
}

// countEvents adds up the events of a side's rounds: values[i]·ops[i],
// which must be a whole number (within rounding) for every round.
func countEvents(values, ops []float64, unit string) (events int64, total float64, err error) {
	if len(values) != len(ops) {
		return 0, 0, fmt.Errorf("%d values but %d operation counts", len(values), len(ops))
	}
	for i, v := range values {
		x := v * ops[i]
		r := math.Round(x)
		if !isFinite(x) || v < 0 || !(ops[i] > 0) || math.Abs(x-r) > 1e-6*max(1, r) {
			return 0, 0, fmt.Errorf("round %d: %s over %s is not a whole number of events", i+1, numfmt.Value(v, unit), numfmt.Value(ops[i], "ops"))
		}
		events += int64(r)
		total += ops[i]
	}
	return events, total, nil
}
