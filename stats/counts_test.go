package stats

import (
	"math"
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
