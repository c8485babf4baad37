package stats

import (
	"math"

	"golang.org/x/perf/benchmath"
)

// Look is one planned look at the round pairs of a sequential run: after
// Pairs pairs the criteria are judged with every interval at level
// 1-Alpha, and the run stops when they are all decided.
//
// Why the repeated looks keep the overall error at the design's alpha: a
// criterion is wrongly PASSed or FAILed at a look only when that look's
// interval misses the true value (the interval lies wholly beyond a target
// the true value does not reach, or wholly short of one it does). The
// intervals are the distribution-free order-statistic ones of the median
// (the sign-test inversion, benchmath.AssumeNothing), whose chance of
// missing is at most 1-level for any continuous distribution, and the
// exact Clopper-Pearson rate-ratio interval for counts, likewise at most
// 1-level. By the union bound the chance that any look's interval misses
// is at most the sum of the looks' Alpha, which the design keeps at or
// below its alpha. No independence between looks and no normality is
// assumed. The signed-rank test's p < Alpha stays a second condition for a
// called change; it only makes a call rarer, so the bound does not rest on
// it.
type Look struct {
	Pairs int `json:"pairs"`
	// Allowed is what the spending function lets this look spend: its
	// cumulative value at Pairs/max, capped (see SequentialDesign), less
	// what the earlier looks spent.
	Allowed float64 `json:"allowed"`
	// Alpha is what the look spends, the chance its intervals miss. At an
	// interim look it is the exact miss chance of the narrowest
	// order-statistic interval of Pairs values that Allowed buys, 0 when
	// even [min, max] costs more (the look cannot stop). At the final look
	// it is everything the interim looks left.
	Alpha float64 `json:"alpha"`
	Final bool    `json:"final,omitempty"`
}

// Level is the confidence level of every interval at the look.
func (l Look) Level() float64 { return 1 - l.Alpha }

// CanStop says whether an interim look can end the run: it has an interval
// to judge with.
func (l Look) CanStop() bool { return !l.Final && l.Alpha > 0 }

// lookPairs are the round pairs after which a run may stop, capped by its
// maximum. All even, so that a run stops after whole ABBA blocks; none
// below MinSamplesForCI, where no interval exists.
func lookPairs() []int { return []int{6, 8, 10, 14, 16, 20} }

// OBFSpending is the Lan-DeMets O'Brien-Fleming-type alpha-spending
// function: the share of a two-sided alpha spent by information fraction
// t, 2 - 2Φ(z_{α/2}/√t). It spends almost nothing early (0.0056 of 0.05
// at half the rounds), so the last look keeps nearly the whole alpha: the
// rounds it adds stop runs whose answer is already overwhelming, without
// widening the final interval. The Pocock-type function would spend
// evenly and so narrow the final look's level for every run, to stop
// runs early that the interval at 6–8 pairs could decide only if all
// ratios agreed anyway.
func OBFSpending(t, alpha float64) float64 {
	switch {
	case t <= 0:
		return 0
	case t >= 1:
		return alpha
	}
	z := math.Sqrt2 * math.Erfinv(1-alpha) // Φ(z) = 1 - α/2
	return math.Erfc(z / math.Sqrt(t) / math.Sqrt2)
}

// SequentialDesign plans the looks of a run of at most maxPairs round
// pairs at overall two-sided error alpha:
//
//   - looks after 6, 8, 10, 14, 16 and 20 pairs below maxPairs, and a final
//     look at maxPairs;
//   - the final look first reserves the exact miss chance of the interval
//     a fixed-size run of maxPairs pairs would use at alpha (0.0215 of
//     [x(2), x(9)] for 10 pairs, 0.0414 of [x(6), x(15)] for 20), so that
//     a run that goes the distance is judged on the same interval as
//     without looks: no power is lost there;
//   - each interim look may spend up to the O'Brien-Fleming-type spending
//     function (OBFSpending), capped at alpha less that reserve, minus what
//     the earlier looks spent; it spends the exact miss chance of the
//     narrowest order-statistic interval within that, or nothing;
//   - the final look spends the rest, so the looks sum to at most alpha.
//
// The order-statistic intervals reach only certain levels: at n pairs the
// widest, [min, max], still misses with chance 2/2^n (1/32 at 6 pairs), so
// a look whose allowance is below that spends nothing and cannot stop.
// Futility stopping (stopping once a decision is out of reach) is not
// planned: a bound on it would need the effect's distribution, which the
// distribution-free intervals do not model.
func SequentialDesign(maxPairs int, alpha float64) []Look {
	reserve := orderStatMiss(maxPairs, alpha)
	limit := alpha - reserve
	var looks []Look
	spent := 0.0
	for _, n := range lookPairs() {
		if n >= maxPairs {
			break
		}
		allowed := max(0, min(OBFSpending(float64(n)/float64(maxPairs), alpha), limit)-spent)
		a := orderStatMiss(n, allowed)
		spent += a
		looks = append(looks, Look{Pairs: n, Allowed: allowed, Alpha: a})
	}
	rest := max(0, alpha-spent)
	return append(looks, Look{Pairs: maxPairs, Allowed: rest, Alpha: rest, Final: true})
}

// orderStatMiss is the exact chance that the narrowest order-statistic
// interval of the median of n values with miss chance at most a misses,
// as benchmath.AssumeNothing picks it; 0 when no finite interval reaches
// level 1-a.
func orderStatMiss(n int, a float64) float64 {
	if n < 2 || !(a > 0) {
		return 0
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(i)
	}
	s := benchmath.AssumeNothing.Summary(newSample(vals), 1-a)
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		return 0
	}
	return 1 - s.Confidence
}

// minSamplesFor is the fewest values with a finite median interval at
// level conf.
func minSamplesFor(conf float64) int {
	for n := 2; n < 64; n++ {
		if orderStatMiss(n, 1-conf) > 0 {
			return n
		}
	}
	return 64
}
