package stats

import (
	"math"
	"strings"
	"testing"
)

func TestBinomialTest(t *testing.T) {
	for _, c := range []struct {
		k, n int64
		p    float64
		want float64
	}{
		{0, 10, 0.5, 2.0 / 1024},        // both tails of the extremes
		{3, 10, 0.5, 352.0 / 1024},      // 2·(1+10+45+120)/1024
		{5, 10, 0.5, 1},                 // the mode: every outcome counts
		{2, 10, 0.3, 1 - 0.26682793200}, // all but P(3), the only likelier outcome
		{0, 0, 0.5, 1},                  // no trials, nothing to tell apart
		{0, 5, 0, 1},                    // p = 0: only k = 0 is possible
		{1, 5, 0, 0},
		{5, 5, 1, 1},
		{7, 5, 0.5, 1}, // impossible input: no evidence
	} {
		if got := BinomialTest(c.k, c.n, c.p); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("BinomialTest(%d, %d, %g) = %.12f, want %.12f", c.k, c.n, c.p, got, c.want)
		}
	}
}

func TestRateTest(t *testing.T) {
	for _, c := range []struct {
		name   string
		k0     int64
		e0     float64
		k1     int64
		e1     float64
		want   float64
		approx bool
	}{
		// Equal exposure: 0 against 10 is the two tails of Bin(10, ½).
		{"0 vs 10", 10, 1, 0, 1, 2.0 / 1024, false},
		// Twice the exposure and twice the count is exactly the null.
		{"rates equal", 10, 1, 20, 2, 1, true},
		// 6 CPU samples against 100 over 20× the work is the same rate per op.
		{"on side 20x faster", 100, 1, 6, 0.05, 1, true},
		{"no exposure", 3, 0, 4, 1, 1, false},
	} {
		got := RateTest(c.k0, c.e0, c.k1, c.e1)
		if c.approx && got < 0.5 || !c.approx && math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: RateTest = %g, want %g", c.name, got, c.want)
		}
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	for _, c := range []struct {
		p, want []float64
	}{
		// sorted .005 .01 .03 .04 → m·p/rank .02 .02 .04 .04, running min from the top
		{[]float64{0.01, 0.04, 0.03, 0.005}, []float64{0.02, 0.04, 0.04, 0.02}},
		{[]float64{0.5}, []float64{0.5}},
		{[]float64{0.9, 0.8}, []float64{0.9, 0.9}},
		{[]float64{1, 1, 0.001}, []float64{1, 1, 0.003}},
		{nil, []float64{}},
	} {
		got := BenjaminiHochberg(c.p)
		if len(got) != len(c.want) {
			t.Fatalf("BH(%v) = %v", c.p, got)
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("BH(%v) = %v, want %v", c.p, got, c.want)
				break
			}
		}
	}
}

// TestClopperPearson: reference values from a full log-space sum of the
// binomial pmf and bisection (R's binom.test gives the same to 7 digits
// for 5/10 and 50/100).
func TestClopperPearson(t *testing.T) {
	for _, c := range []struct {
		k, n   int64
		lo, hi float64
	}{
		{5, 10, 0.1870860284, 0.8129139716},
		{0, 10, 0, 0.3084971078},
		{10, 10, 0.6915028922, 1},
		{3, 20, 0.0320709372, 0.3789268265},
		{50, 100, 0.3983211295, 0.6016788705},
		{80, 150, 0.4501944639, 0.6151295176},
		{5000, 10000, 0.4901513806, 0.5098486194},
	} {
		lo, hi := ClopperPearson(c.k, c.n, 0.95)
		if math.Abs(lo-c.lo) > 1e-9 || math.Abs(hi-c.hi) > 1e-9 {
			t.Errorf("ClopperPearson(%d, %d) = [%.10f, %.10f], want [%.10f, %.10f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

// TestCompareCounts: GC cycles per round are small integers. Judged on
// their totals, identical code never reads worse with a zero-width CI, a
// tripling with enough events is called, and too few events call nothing.
func TestCompareCounts(t *testing.T) {
	gc := Metric{Name: "gc/op", Better: LowerIsBetter, Noise: 0.05, Count: true}
	// perOp gives one side's rounds: events[i] over ops each, as gc/op.
	perOp := func(ops float64, events ...float64) (vals, opsOut []float64) {
		for _, e := range events {
			vals = append(vals, e/ops)
			opsOut = append(opsOut, ops)
		}
		return vals, opsOut
	}
	rep := func(n int, v float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	for _, tc := range []struct {
		name            string
		offOps, onOps   float64
		offEvts, onEvts []float64
		want            Change
		note            string
		ratio           float64 // 0: not checked
	}{
		{"A/A, identical counts", 2048, 2048, rep(10, 7), rep(10, 7), NoDiff, "", 1},
		// An A/A run can see 7 against 8 cycles in every round: that is
		// +14.3 % in every pair, but 70 against 80 events is chance.
		{"A/A, 7 against 8 every round", 2048, 2048, rep(10, 7), rep(10, 8), NoDiff, "", 80.0 / 70},
		{"equal rates over unequal ops", 1000, 3000, rep(10, 3), rep(10, 9), NoDiff, "", 1},
		{"tripled", 2048, 2048, rep(10, 5), rep(10, 15), Worse, "", 3},
		{"tripled over 4 rounds", 2048, 2048, rep(4, 5), rep(4, 15), Worse, "", 3},
		{"a third", 2048, 2048, rep(10, 15), rep(10, 5), Better, "", 1.0 / 3},
		{"too few events", 2048, 2048, []float64{0, 1, 0, 0, 0, 0}, []float64{1, 0, 1, 1, 0, 1}, Unknown, "only 5 events in all", 4},
		{"none at all", 2048, 2048, rep(10, 0), rep(10, 0), NoDiff, "no events on either side", 0},
		{"appearing from none", 2048, 2048, rep(10, 0), rep(10, 3), Worse, "relative change is undefined", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, offOps := perOp(tc.offOps, tc.offEvts...)
			on, onOps := perOp(tc.onOps, tc.onEvts...)
			c := CompareCounts(gc, off, offOps, on, onOps, gc.Noise)
			if c.Change != tc.want || !strings.Contains(c.Note, tc.note) {
				t.Fatalf("change %v (note %q), want %v with %q", c.Change, c.Note, tc.want, tc.note)
			}
			ct := c.Counts
			if ct == nil || c.P != ct.P || c.Test() != "the rate test" {
				t.Fatalf("no rate test: %+v", c)
			}
			if tc.ratio != 0 && math.Abs(ct.Ratio-tc.ratio) > 1e-9 {
				t.Errorf("ratio %g, want %g", ct.Ratio, tc.ratio)
			}
			if ct.Bounded && (!(ct.Lo < ct.Ratio) || !(ct.Ratio < ct.Hi)) {
				t.Errorf("CI [%g, %g] does not hold %g with a width", ct.Lo, ct.Hi, ct.Ratio)
			}
			if ct.Bounded && (c.DeltaLoPct != (ct.Lo-1)*100 || c.DeltaHiPct != (ct.Hi-1)*100) {
				t.Errorf("delta CI [%g, %g] is not the rate ratio's", c.DeltaLoPct, c.DeltaHiPct)
			}
		})
	}

	// 70 against 80: the rate test's p and the exact CI of the ratio.
	off, offOps := perOp(2048, rep(10, 7)...)
	on, onOps := perOp(2048, rep(10, 8)...)
	c := CompareCounts(gc, off, offOps, on, onOps, gc.Noise)
	// π in [0.4501944639, 0.6151295176] (TestClopperPearson), R = π/(1−π).
	if lo, hi := 0.4501944639/(1-0.4501944639), 0.6151295176/(1-0.6151295176); math.Abs(c.Counts.Lo-lo) > 1e-8 || math.Abs(c.Counts.Hi-hi) > 1e-8 {
		t.Errorf("CI [%.9f, %.9f], want [%.9f, %.9f]", c.Counts.Lo, c.Counts.Hi, lo, hi)
	}
	if want := BinomialTest(80, 150, 0.5); c.P != want {
		t.Errorf("p %g, want %g", c.P, want)
	}

	// Values that are not whole events per round are no count: judged as
	// paired rounds, and the note says why.
	c = CompareCounts(gc, []float64{0.5, 0.5}, []float64{3, 3}, []float64{0.5, 0.5}, []float64{3, 3}, gc.Noise)
	if c.Counts != nil || !strings.Contains(c.Note, "not judged as a count: round 1: 0.5 gc/op over 3 ops is not a whole number") {
		t.Errorf("non-count: %+v", c)
	}
}
