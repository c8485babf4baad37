package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSequentialDesign pins the looks of the quick (10 pairs) and full (20)
// presets: which looks can stop, what each spends, and that the final
// look keeps the interval a fixed-size run would use.
func TestSequentialDesign(t *testing.T) {
	for _, tc := range []struct {
		max   int
		pairs []int
		alpha []float64 // exact: dyadic miss chances of order-statistic intervals
	}{
		{4, []int{4}, []float64{0.05}},
		{6, []int{6}, []float64{0.05}},
		// 8 pairs: [min, max] misses with 2/256; 10: the rest.
		{10, []int{6, 8, 10}, []float64{0, 2.0 / 256, 0.05 - 2.0/256}},
		// 10 pairs: [min, max], 2/1024; 14: [x(2), x(13)], 30/16384; 16:
		// [x(3), x(14)], 274/65536, within what the final look's reserve
		// (the fixed-size interval's 0.0414) leaves.
		{20, []int{6, 8, 10, 14, 16, 20}, []float64{0, 0, 2.0 / 1024, 30.0 / 16384, 274.0 / 65536, 0.05 - 2.0/1024 - 30.0/16384 - 274.0/65536}},
	} {
		looks := SequentialDesign(tc.max, Alpha)
		if len(looks) != len(tc.pairs) {
			t.Fatalf("max %d: %+v", tc.max, looks)
		}
		sum := 0.0
		for i, l := range looks {
			if l.Pairs != tc.pairs[i] || math.Abs(l.Alpha-tc.alpha[i]) > 1e-15 || l.Final != (i == len(looks)-1) {
				t.Errorf("max %d look %d: %+v, want %d pairs spending %g", tc.max, i, l, tc.pairs[i], tc.alpha[i])
			}
			if l.Alpha > l.Allowed+1e-15 {
				t.Errorf("max %d look %d spends %g, more than its allowance %g", tc.max, i, l.Alpha, l.Allowed)
			}
			sum += l.Alpha
		}
		if sum > Alpha+1e-15 {
			t.Errorf("max %d: the looks spend %g > %g", tc.max, sum, Alpha)
		}
		// The final look judges on the very interval a fixed-size run
		// judges on at 95 %: the same order statistics, the same level.
		vals := make([]float64, tc.max)
		for i := range vals {
			vals[i] = float64(i)
		}
		fixed, seq := Summarize(vals), SummarizeAt(vals, looks[len(looks)-1].Level())
		if fixed.Lo != seq.Lo || fixed.Hi != seq.Hi || fixed.Confidence != seq.Confidence {
			t.Errorf("max %d: final interval [%g, %g] at %g, fixed-size [%g, %g] at %g", tc.max, seq.Lo, seq.Hi, seq.Confidence, fixed.Lo, fixed.Hi, fixed.Confidence)
		}
		// An interim look's interval reaches exactly the level it spends for.
		for _, l := range looks[:len(looks)-1] {
			if !l.CanStop() {
				continue
			}
			s := SummarizeAt(vals[:l.Pairs], l.Level())
			if !s.HasCI || s.Confidence != l.Level() {
				t.Errorf("max %d look %d: interval at %g, want %g", tc.max, l.Pairs, s.Confidence, l.Level())
			}
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
		naive = append(naive, Look{Pairs: l.Pairs, Allowed: Alpha, Alpha: Alpha, Final: l.Final})
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
		fixed := []Look{{Pairs: maxPairs, Allowed: Alpha, Alpha: Alpha, Final: true}}
		seqCalled, _ := simulate(SequentialDesign(maxPairs, Alpha), 0.05, 500, 7, planted)
		fixCalled, _ := simulate(fixed, 0.05, 500, 7, planted)
		if seqCalled < fixCalled || seqCalled < 450 {
			t.Errorf("max %d pairs: sequential called %d of 500, fixed %d; want ≥ fixed and ≥ 450", maxPairs, seqCalled, fixCalled)
		}
	}
}

// TestSequentialStopsEarly: a large effect (on half of off, 5 % noise) is
// decided at the first look that can stop: 8 pairs of 10, 10 of 20.
func TestSequentialStopsEarly(t *testing.T) {
	large := func(r *rand.Rand) (float64, float64) {
		return 1000 * math.Exp(0.05*r.NormFloat64()), 500 * math.Exp(0.05*r.NormFloat64())
	}
	for _, tc := range []struct{ max, first int }{{10, 8}, {20, 10}} {
		called, pairs := simulate(SequentialDesign(tc.max, Alpha), 0.05, 100, 3, large)
		if called != 100 || pairs != 100*tc.first {
			t.Errorf("max %d: %d of 100 called, %d pairs in all; want 100 called after %d pairs each", tc.max, called, pairs, tc.first)
		}
	}
}
