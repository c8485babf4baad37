package stats

import (
	"encoding/json"
	"math"
)

// Look is one planned look at the round pairs of a sequential run: after
// Pairs pairs the criteria are judged, paired ratios with intervals at
// level 1-Alpha and counts at 1-CountAlpha, and the run stops when they
// are all decided.
//
// Why the repeated looks keep the overall error at the design's alpha: a
// criterion is wrongly PASSed or FAILed at a look only when that look's
// interval misses the true value (the interval lies wholly beyond a target
// the true value does not reach, or wholly short of one it does).
//
//   - The paired intervals are the distribution-free order-statistic ones
//     of the median (the sign-test inversion, benchmath.AssumeNothing).
//     [x(l), x(n+1-l)] of the first n pairs misses the true median exactly
//     when fewer than l, or more than n-l, of those pairs lie below it. For
//     independent pairs from any continuous distribution that count is a
//     walk of fair coin flips, whatever the distribution, so the chance
//     that the interval of any look misses is computed exactly (AnyMiss),
//     not bounded: the design keeps it at or below alpha.
//   - Count intervals are the exact Clopper-Pearson rate-ratio ones, whose
//     looks have no such walk: they keep a union bound, each look spending
//     CountAlpha and the looks together at most alpha.
//
// Pairs must be independent, as every single interval already requires;
// no normality is assumed. The signed-rank test's p < Alpha stays a second
// condition for a called change; it only makes a call rarer, so neither
// bound rests on it.
type Look struct {
	Pairs int `json:"pairs"`
	// Rank is l of the look's paired interval, [x(l), x(Pairs+1-l)] of
	// the ratios sorted; 0 when the look has none.
	Rank int `json:"rank,omitempty"`
	// Alpha is the chance that this look's paired interval misses, alone:
	// its exact miss chance, so that SummarizeAt(…, Level()) picks that
	// interval. 0 when the look has none (it cannot stop).
	Alpha float64 `json:"alpha"`
	// CountAlpha is what the look's count intervals spend of the union
	// bound (see SequentialDesign).
	CountAlpha float64 `json:"count_alpha"`
	Final      bool    `json:"final,omitempty"`
}

// UnmarshalJSON reads a look; one recorded before count_alpha existed (an
// older results.json) judged its counts at Alpha too, and keeps doing so.
func (l *Look) UnmarshalJSON(b []byte) error {
	type plain Look
	var v struct {
		plain
		CountAlpha *float64 `json:"count_alpha"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = Look(v.plain)
	l.CountAlpha = l.Alpha
	if v.CountAlpha != nil {
		l.CountAlpha = *v.CountAlpha
	}
	return nil
}

// Level is the confidence level of the paired intervals at the look.
func (l Look) Level() float64 { return 1 - l.Alpha }

// CountLevel is the confidence level of the count intervals at the look.
func (l Look) CountLevel() float64 { return 1 - l.CountAlpha }

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
// at half the rounds), so the last look keeps nearly the whole alpha. The
// count intervals' looks spend by it.
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
//   - the final look keeps the interval a fixed-size run of maxPairs pairs
//     uses at alpha ([x(2), x(9)] for 10 pairs, [x(6), x(15)] for 20), so a
//     run that goes the distance is judged as without looks: no power is
//     lost there;
//   - the interim looks, the latest first (it has the most pairs, and is
//     where runs stop), each take the narrowest order-statistic interval
//     that keeps the exact chance that any look's interval misses (AnyMiss)
//     at or below alpha, or none. For 20 pairs: [x(1), x(10)] at 10,
//     [x(3), x(12)] at 14, [x(4), x(13)] at 16, any miss 0.0493; for 10:
//     [min, max] at 6 and 8, 0.0430;
//   - count intervals keep a union bound: the final look spends what the
//     final paired interval does, and the interim looks share the rest of
//     alpha in the shape of the O'Brien-Fleming-type function
//     (OBFSpending), scaled so that the last interim look completes it:
//     every interim look has some, the early ones very little.
//
// The exact joint chance replaced a union bound over the paired looks (the
// sum of their single miss chances), which counted a walk that misses at
// 16 pairs and again at 20 twice: for 20 pairs it allowed only [x(2),
// x(13)] at 14 and [x(3), x(14)] at 16, and its true error was 0.042.
// Futility stopping (stopping once a decision is out of reach) is not
// planned: a bound on it would need the effect's distribution, which the
// distribution-free intervals do not model.
func SequentialDesign(maxPairs int, alpha float64) []Look {
	var looks []Look
	for _, n := range lookPairs() {
		if n < maxPairs {
			looks = append(looks, Look{Pairs: n})
		}
	}
	looks = append(looks, Look{Pairs: maxPairs, Rank: fixedRank(maxPairs, alpha), Final: true})
	for i := len(looks) - 2; i >= 0; i-- {
		for l := looks[i].Pairs / 2; l >= 1; l-- {
			if looks[i].Rank = l; AnyMiss(looks) <= alpha {
				break
			}
			looks[i].Rank = 0
		}
	}
	interim := alpha - rankMiss(maxPairs, looks[len(looks)-1].Rank) // what the interim looks' counts share
	shape := func(l Look) float64 { return OBFSpending(float64(l.Pairs)/float64(maxPairs), alpha) }
	spent := 0.0
	for i := range looks {
		l := &looks[i]
		l.Alpha = rankMiss(l.Pairs, l.Rank)
		if l.Final {
			l.CountAlpha = alpha - spent
			break
		}
		cum := interim * shape(*l) / shape(looks[len(looks)-2])
		l.CountAlpha, spent = cum-spent, cum
	}
	return looks
}

// AnyMiss is the exact chance that, for independent values from a
// continuous distribution, the paired interval of at least one of looks
// (in order of Pairs) misses the median: [x(Rank), x(Pairs+1-Rank)] of the
// first Pairs values, none for Rank 0. The count of values below the
// median is a walk of fair coin flips; a look's interval misses when the
// count after its Pairs values is below Rank or above Pairs-Rank.
func AnyMiss(looks []Look) float64 {
	if len(looks) == 0 {
		return 0
	}
	// alive[s]: the chance of s values below the median so far and no
	// miss yet.
	alive := []float64{1}
	missed := 0.0
	next := 0
	for n := 1; n <= looks[len(looks)-1].Pairs; n++ {
		grown := make([]float64, n+1)
		for s, p := range alive {
			grown[s] += p / 2
			grown[s+1] += p / 2
		}
		alive = grown
		for ; next < len(looks) && looks[next].Pairs == n; next++ {
			if l := looks[next].Rank; l > 0 {
				for s := range alive {
					if s < l || s > n-l {
						missed += alive[s]
						alive[s] = 0
					}
				}
			}
		}
	}
	return missed
}

// rankMiss is the exact chance that [x(l), x(n+1-l)] of n values misses
// the median, 2·P(Binomial(n, 1/2) < l); 0 for l = 0 (no interval).
func rankMiss(n, l int) float64 {
	if l < 1 {
		return 0
	}
	return AnyMiss([]Look{{Pairs: n, Rank: l}})
}

// fixedRank is the l of the interval a fixed-size run of n values uses at
// alpha: the narrowest [x(l), x(n+1-l)] whose miss chance is at most alpha
// (benchmath.AssumeNothing's), 0 when even [min, max] misses more often.
func fixedRank(n int, alpha float64) int {
	best := 0
	for l := 1; 2*l <= n+1; l++ {
		if rankMiss(n, l) <= alpha {
			best = l
		}
	}
	return best
}

// minSamplesFor is the fewest values with a finite median interval at
// level conf.
func minSamplesFor(conf float64) int {
	for n := 2; n < 64; n++ {
		if fixedRank(n, 1-conf) > 0 {
			return n
		}
	}
	return 64
}
