package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSequentialDesign pins the looks of the quick (10 pairs) and full (20)
// presets: each look's paired interval and its miss chance, what its count
// intervals spend, that the exact chance of any miss stays within Alpha,
// and that the final look keeps the interval a fixed-size run would use.
func TestSequentialDesign(t *testing.T) {
	for _, tc := range []struct {
		max   int
		pairs []int
		ranks []int     // l of each look's [x(l), x(n+1-l)]
		alpha []float64 // exact: 2·P(Binomial(n, ½) < l)
		any   float64   // exact chance that some look misses
	}{
		{4, []int{4}, []int{0}, []float64{0}, 0},
		{6, []int{6}, []int{1}, []float64{2.0 / 64}, 2.0 / 64},
		// [min, max] at 6 and 8, [x(2), x(9)] at 10.
		{10, []int{6, 8, 10}, []int{1, 1, 2}, []float64{2.0 / 64, 2.0 / 256, 22.0 / 1024}, 44.0 / 1024},
		// [min, max] at 10, [x(3), x(12)] at 14, [x(4), x(13)] at 16,
		// [x(6), x(15)] at 20.
		{20, []int{6, 8, 10, 14, 16, 20}, []int{0, 0, 1, 3, 4, 6},
			[]float64{0, 0, 2.0 / 1024, 212.0 / 16384, 1394.0 / 65536, 43400.0 / 1048576}, 51652.0 / 1048576},
	} {
		looks := SequentialDesign(tc.max, Alpha)
		if len(looks) != len(tc.pairs) {
			t.Fatalf("max %d: %+v", tc.max, looks)
		}
		countSum := 0.0
		for i, l := range looks {
			if l.Pairs != tc.pairs[i] || l.Rank != tc.ranks[i] || l.Alpha != tc.alpha[i] || l.Final != (i == len(looks)-1) {
				t.Errorf("max %d look %d: %+v, want %d pairs, rank %d, alpha %g", tc.max, i, l, tc.pairs[i], tc.ranks[i], tc.alpha[i])
			}
			// Every look may judge counts (a share of 0 would leave them
			// unbounded there), and the final one spends what its paired
			// interval does.
			if !(l.CountAlpha > 0) || l.Final && len(looks) > 1 && math.Abs(l.CountAlpha-l.Alpha) > 1e-15 {
				t.Errorf("max %d look %d: count intervals spend %g", tc.max, l.Pairs, l.CountAlpha)
			}
			countSum += l.CountAlpha
		}
		if got := AnyMiss(looks); got != tc.any || got > Alpha {
			t.Errorf("max %d: any look misses with %g, want %g (≤ %g)", tc.max, got, tc.any, Alpha)
		}
		if math.Abs(countSum-Alpha) > 1e-15 {
			t.Errorf("max %d: the count intervals spend %g, want %g", tc.max, countSum, Alpha)
		}
		// Each look's interval is the one its rank names, at its level; the
		// final one is the very interval a fixed-size run judges on at 95 %.
		vals := make([]float64, tc.max)
		for i := range vals {
			vals[i] = float64(i)
		}
		for _, l := range looks {
			s := SummarizeAt(vals[:l.Pairs], l.Level())
			if l.Rank == 0 {
				if s.HasCI {
					t.Errorf("max %d look %d: an interval [%g, %g] where the design has none", tc.max, l.Pairs, s.Lo, s.Hi)
				}
				continue
			}
			if !s.HasCI || s.Lo != vals[l.Rank-1] || s.Hi != vals[l.Pairs-l.Rank] || s.Confidence != l.Level() {
				t.Errorf("max %d look %d: [%g, %g] at %g, want [x(%d), x(%d)] at %g", tc.max, l.Pairs, s.Lo, s.Hi, s.Confidence, l.Rank, l.Pairs+1-l.Rank, l.Level())
			}
		}
		if fixed, final := Summarize(vals), SummarizeAt(vals, looks[len(looks)-1].Level()); fixed.Lo != final.Lo || fixed.Hi != final.Hi {
			t.Errorf("max %d: final interval [%g, %g], fixed-size [%g, %g]", tc.max, final.Lo, final.Hi, fixed.Lo, fixed.Hi)
		}
	}
}

// TestSequentialDesignIsTheNarrowest: widening no interim look's interval
// by one rank keeps the exact error within Alpha, so the design takes the
// narrowest each can have; and the union bound it replaced (the looks'
// single miss chances summed) would exceed Alpha with these intervals.
func TestSequentialDesignIsTheNarrowest(t *testing.T) {
	for _, max := range []int{10, 20} {
		looks := SequentialDesign(max, Alpha)
		sum := 0.0
		for i, l := range looks {
			sum += l.Alpha
			if l.Final {
				continue
			}
			narrower := slices.Clone(looks)
			narrower[i].Rank++
			if got := AnyMiss(narrower); got <= Alpha {
				t.Errorf("max %d: [x(%d), x(%d)] at %d pairs would still keep %g ≤ %g", max, narrower[i].Rank, l.Pairs+1-narrower[i].Rank, l.Pairs, got, Alpha)
			}
		}
		if sum <= Alpha {
			t.Errorf("max %d: the single miss chances sum to %g, within %g: the exact computation gains nothing here", max, sum, Alpha)
		}
	}
}

// TestAnyMissBySimulation: AnyMiss is what happens. Runs of 20 values from
// a skewed distribution (exponential, median ln 2) are checked against the
// 20-pair design's intervals at every look; the share of runs where some
// interval misses the median agrees with AnyMiss within three binomial
// standard errors, as does a single look's.
func TestAnyMissBySimulation(t *testing.T) {
	const runs = 20000
	r := rand.New(rand.NewPCG(5, 8))
	median := math.Ln2
	looks := SequentialDesign(20, Alpha)
	vals := make([]float64, 20)
	missedAny, missedFinal := 0, 0
	for range runs {
		for i := range vals {
			vals[i] = r.ExpFloat64()
		}
		any := false
		for _, l := range looks {
			if l.Rank == 0 {
				continue
			}
			s := slices.Sorted(slices.Values(vals[:l.Pairs]))
			miss := median < s[l.Rank-1] || median > s[l.Pairs-l.Rank]
			any = any || miss
			if miss && l.Final {
				missedFinal++
			}
		}
		if any {
			missedAny++
		}
	}
	for _, tc := range []struct {
		name   string
		missed int
		want   float64
	}{
		{"any look", missedAny, AnyMiss(looks)},
		{"the final look", missedFinal, looks[len(looks)-1].Alpha},
	} {
		got := float64(tc.missed) / runs
		se := math.Sqrt(tc.want * (1 - tc.want) / runs)
		t.Logf("%s: missed in %.4f of runs, exact %.4f", tc.name, got, tc.want)
		if math.Abs(got-tc.want) > 3*se {
			t.Errorf("%s: missed in %.4f of %d runs, AnyMiss says %.4f (±%.4f)", tc.name, got, runs, tc.want, 3*se)
		}
	}
}

func TestOBFSpending(t *testing.T) {
	for _, tc := range []struct{ t, want float64 }{
		{0, 0}, {1, 0.05}, {1.5, 0.05},
		// 2 - 2Φ(1.959964/√0.5) = 2 - 2Φ(2.771808)
		{0.5, 0.005574596680784},
	} {
		if got := OBFSpending(tc.t, 0.05); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("OBFSpending(%g) = %.15f, want %.15f", tc.t, got, tc.want)
		}
	}
}

// simulate runs the sequential procedure n times on round pairs drawn by
// draw (off, on) and returns how many runs called a change (Better or
// Worse beyond band) and the round pairs used in all. A run stops at the
// first look that calls a change; looks that cannot stop are skipped. It
// is the most alarm-prone stopping rule: a run that says "~" goes on.
func simulate(looks []Look, band float64, n int, seed uint64, draw func(r *rand.Rand) (float64, float64)) (called, pairs int) {
	m := Metric{Name: "ns/op", Better: LowerIsBetter}
	r := rand.New(rand.NewPCG(seed, 1))
	maxPairs := looks[len(looks)-1].Pairs
	off, on := make([]float64, maxPairs), make([]float64, maxPairs)
	for range n {
		for i := range off {
			off[i], on[i] = draw(r)
		}
		for _, l := range looks {
			if !l.CanStop() && !l.Final {
				continue
			}
			c := ComparePairedAt(m, off[:l.Pairs], on[:l.Pairs], band, l.Level())
			if c.Change == Better || c.Change == Worse || l.Final {
				if c.Change == Better || c.Change == Worse {
					called++
				}
				pairs += l.Pairs
				break
			}
		}
	}
	return called, pairs
}

// nullDraws are both sides from one distribution: symmetric, skewed and
// heavy-tailed, all positive as timings are.
type nullDraw struct {
	name string
	draw func(r *rand.Rand) float64
}

func nullDraws() []nullDraw {
	return []nullDraw{
		{"normal", func(r *rand.Rand) float64 { return 1000 + 20*r.NormFloat64() }},
		{"lognormal", func(r *rand.Rand) float64 { return 1000 * math.Exp(0.5*r.NormFloat64()) }},
		{"exponential", func(r *rand.Rand) float64 { return 1000 * (1 + r.ExpFloat64()) }},
		// Pareto with shape 1.1: a mean, but no variance.
		{"pareto", func(r *rand.Rand) float64 { return 1000 * math.Pow(1-r.Float64(), -1/1.1) }},
	}
}

const simRuns = 2000

// alarmBound is the nominal 5 % plus three binomial standard errors of a
// rate estimated from simRuns runs.
func alarmBound() float64 { return Alpha + 3*math.Sqrt(Alpha*(1-Alpha)/simRuns) }

// TestSequentialFalseAlarm: with both sides from the same distribution,
// the share of sequential runs that call a change, at any look, stays
// within the nominal 5 %, for the quick and the full maximum.
func TestSequentialFalseAlarm(t *testing.T) {
	seed := uint64(1)
	for _, nd := range nullDraws() {
		name, d := nd.name, nd.draw
		for _, maxPairs := range []int{10, 20} {
			seed++
			called, _ := simulate(SequentialDesign(maxPairs, Alpha), 0, simRuns, seed, func(r *rand.Rand) (float64, float64) { return d(r), d(r) })
			rate := float64(called) / simRuns
			t.Logf("%s, max %d pairs: %d of %d runs called a change (%.4f)", name, maxPairs, called, simRuns, rate)
			if rate > alarmBound() {
				t.Errorf("%s, max %d pairs: false-alarm rate %.4f > %.4f", name, maxPairs, rate, alarmBound())
			}
		}
	}
}

// TestNaiveLooksRaiseFalseAlarms shows the simulation can fail: the same
// looks (6, 8, 10, 14, 16, 20 pairs), each at the fixed-size 95 %, call a
// change under the null more often than 5 % allows.
func TestNaiveLooksRaiseFalseAlarms(t *testing.T) {
	var naive []Look
	for _, l := range SequentialDesign(20, Alpha) {
		naive = append(naive, Look{Pairs: l.Pairs, Alpha: Alpha, Final: l.Final})
	}
	d := nullDraws()[0].draw
	called, _ := simulate(naive, 0, simRuns, 99, func(r *rand.Rand) (float64, float64) { return d(r), d(r) })
	rate := float64(called) / simRuns
	t.Logf("naive looks: %d of %d runs called a change (%.4f)", called, simRuns, rate)
	if rate <= alarmBound() {
		t.Fatalf("naive looks: false-alarm rate %.4f, want above %.4f", rate, alarmBound())
	}
}

// planted draws on as 20 % below off, each side with 5 % lognormal noise.
func planted(r *rand.Rand) (float64, float64) {
	return 1000 * math.Exp(0.05*r.NormFloat64()), 800 * math.Exp(0.05*r.NormFloat64())
}

// TestSequentialKeepsPower: a planted 20 % improvement, judged against a
// 5 % band, is called at least as often sequentially as with a fixed
// number of rounds (the final look judges on the fixed-size interval, so
// every run the fixed design calls, the sequential one calls too), and in
// at least 90 % of runs.
func TestSequentialKeepsPower(t *testing.T) {
	for _, maxPairs := range []int{10, 20} {
		fixed := []Look{{Pairs: maxPairs, Alpha: Alpha, Final: true}}
		seqCalled, _ := simulate(SequentialDesign(maxPairs, Alpha), 0.05, 500, 7, planted)
		fixCalled, _ := simulate(fixed, 0.05, 500, 7, planted)
		if seqCalled < fixCalled || seqCalled < 450 {
			t.Errorf("max %d pairs: sequential called %d of 500, fixed %d; want ≥ fixed and ≥ 450", maxPairs, seqCalled, fixCalled)
		}
	}
}

// TestSequentialStopsEarly: a large effect (on half of off, 5 % noise) is
// decided at the first look that can stop: 6 pairs of 10, 10 of 20.
func TestSequentialStopsEarly(t *testing.T) {
	large := func(r *rand.Rand) (float64, float64) {
		return 1000 * math.Exp(0.05*r.NormFloat64()), 500 * math.Exp(0.05*r.NormFloat64())
	}
	for _, tc := range []struct{ max, first int }{{10, 6}, {20, 10}} {
		called, pairs := simulate(SequentialDesign(tc.max, Alpha), 0.05, 100, 3, large)
		if called != 100 || pairs != 100*tc.first {
			t.Errorf("max %d: %d of 100 called, %d pairs in all; want 100 called after %d pairs each", tc.max, called, pairs, tc.first)
		}
	}
}

// TestLookLevels: a look's paired and count intervals take their own
// levels, a share of 0 included; a look recorded before count_alpha
// existed (in an older results.json, with its "allowed") takes Alpha for
// both, as it did.
func TestLookLevels(t *testing.T) {
	for _, tc := range []struct {
		json         string
		level, count float64
	}{
		{`{"pairs":16,"rank":4,"alpha":0.02127,"count_alpha":0.0014,"final":false}`, 1 - 0.02127, 1 - 0.0014},
		{`{"pairs":16,"rank":4,"alpha":0.02127,"count_alpha":0}`, 1 - 0.02127, 1},
		{`{"pairs":16,"allowed":0.0048,"alpha":0.00418}`, 1 - 0.00418, 1 - 0.00418},
	} {
		var l Look
		if err := json.Unmarshal([]byte(tc.json), &l); err != nil {
			t.Fatal(err)
		}
		if l.Level() != tc.level || l.CountLevel() != tc.count {
			t.Errorf("%s: levels %g and %g, want %g and %g", tc.json, l.Level(), l.CountLevel(), tc.level, tc.count)
		}
	}
}
