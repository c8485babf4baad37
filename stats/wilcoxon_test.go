package stats

import (
	"math"
	"testing"
)

func TestWilcoxon(t *testing.T) {
	// Hollander & Wolfe (1973), p. 29, the example of R's ?wilcox.test:
	// wilcox.test(x, y, paired = TRUE) gives V = 40, p-value = 0.03906.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	hw := make([]float64, len(x))
	for i := range x {
		hw[i] = x[i] - y[i]
	}
	every3rdNegative := make([]float64, 60)
	for i := range every3rdNegative {
		every3rdNegative[i] = float64(i + 1)
		if (i+1)%3 == 0 {
			every3rdNegative[i] = -every3rdNegative[i]
		}
	}
	tests := []struct {
		name  string
		d     []float64
		n     int
		v     float64
		p     float64
		exact bool
	}{
		{"Hollander-Wolfe, R: V=40 p=0.03906", hw, 9, 40, 0.0390625, true},
		{"R wilcox.test(1:10): V=55 p=0.001953", seq(1, 1, 10), 10, 55, 2.0 / 1024, true},
		{"R wilcox.test(-(1:10)): V=0 p=0.001953", seq(-1, -1, 10), 10, 0, 2.0 / 1024, true},
		{"5 pairs cannot reach 0.05", seq(1, 1, 5), 5, 15, 0.0625, true},
		{"6 pairs can", seq(0.1, 0.1, 6), 6, 21, 0.03125, true},
		// Positive ranks 1,3,5,6: P(V >= 15) = P(V <= 6) = 14/64.
		{"mixed signs", []float64{1, -2, 3, -4, 5, 6}, 6, 15, 28.0 / 64, true},
		// Ties and a zero: the normal approximation with tie and continuity
		// corrections (R: V = 33, p-value = 0.2341).
		{"ties and zero", []float64{0, 1, 1, -2, 3, 3, 3, 4, 5, -6}, 9, 33, 0.23407459998822244, false},
		{"half ranks", []float64{0.5, -0.5, 1.5, 2, 2, -3, 4, 4.5, 5, 6, 7, 0}, 11, 58.5, 0.026083198617925487, false},
		{"n=60 normal", every3rdNegative, 60, 1200, 0.03622649417878664, false},
		{"all zero", []float64{0, 0, 0, 0, 0, 0}, 0, 0, 1, false},
		{"non-finite ignored", []float64{math.NaN(), 1, 2, 3, 4, 5, math.Inf(1)}, 5, 15, 0.0625, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Wilcoxon(tt.d)
			if r.N != tt.n || r.V != tt.v || r.Exact != tt.exact || math.Abs(r.P-tt.p) > 1e-12 {
				t.Errorf("Wilcoxon(%v) = %+v, want n=%d V=%g p=%.12g exact=%v", tt.d, r, tt.n, tt.v, tt.p, tt.exact)
			}
		})
	}
}

// TestSignRankCDFByEnumeration checks the counting against all 2^n sign
// assignments.
func TestSignRankCDFByEnumeration(t *testing.T) {
	for n := 1; n <= 12; n++ {
		maxSum := n * (n + 1) / 2
		counts := make([]int, maxSum+1)
		for mask := 0; mask < 1<<n; mask++ {
			s := 0
			for k := 0; k < n; k++ {
				if mask&(1<<k) != 0 {
					s += k + 1
				}
			}
			counts[s]++
		}
		cum := 0
		for v := 0; v <= maxSum; v++ {
			cum += counts[v]
			want := float64(cum) / float64(int(1)<<n)
			if got := signRankCDF(n, v); got != want {
				t.Fatalf("signRankCDF(%d, %d) = %g, want %g", n, v, got, want)
			}
		}
	}
}

func TestPairRatios(t *testing.T) {
	off := seq(100, 0, 10)
	on := []float64{110, 121, 115, 118, 125, 112, 119, 120, 117, 130}
	pr, err := PairRatios(off, on, "ns/op")
	if err != nil {
		t.Fatal(err)
	}
	// Ratios 1.10 … 1.30; the median lies between the sorted ratios 1.18 and 1.19 in
	// log terms; CI = 2nd and 9th order statistics (n=10).
	if math.Abs(pr.Ratio-math.Sqrt(1.18*1.19)) > 1e-12 || math.Abs(pr.Lo-1.12) > 1e-12 || math.Abs(pr.Hi-1.25) > 1e-12 || !pr.HasCI {
		t.Fatalf("PairRatios = %+v", pr)
	}
	if pr.Wilcoxon.P != 2.0/1024 || pr.Wilcoxon.V != 55 {
		t.Fatalf("Wilcoxon = %+v", pr.Wilcoxon)
	}
	bad := []struct {
		off, on []float64
	}{
		{[]float64{1, 2}, []float64{1}},
		{[]float64{0, 1}, []float64{1, 1}},
		{[]float64{-1, 1}, []float64{1, 1}},
		{[]float64{math.NaN(), 1}, []float64{1, 1}},
	}
	for _, b := range bad {
		if _, err := PairRatios(b.off, b.on, "ns/op"); err == nil {
			t.Errorf("PairRatios(%v, %v) accepted", b.off, b.on)
		}
	}
	if pr, err := PairRatios([]float64{0, 2}, []float64{0, 2}, "ns/op"); err != nil || pr.Ratio != 1 {
		t.Errorf("zeros on both sides: %+v, %v", pr, err)
	}
}

func TestComparePaired(t *testing.T) {
	ns := Metric{Name: "ns/op", Better: LowerIsBetter, Noise: 0.03}
	ops := Metric{Name: "ops/s", Better: HigherIsBetter, Noise: 0.03}
	// The off side drifts by a factor of 3 over the rounds; on is always
	// 20 % slower than its partner. Unpaired, the drift swamps the change;
	// paired, it cancels.
	var off, on, onSame []float64
	for i := range 10 {
		base := 100 * (1 + 0.2*float64(i))
		off = append(off, base)
		on = append(on, base*(1.2+0.001*float64(i%3)))
		onSame = append(onSame, base*(1+0.001*float64(i%3-1)))
	}
	inv := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = 1e9 / x
		}
		return out
	}
	tests := []struct {
		name    string
		m       Metric
		off, on []float64
		band    float64
		change  Change
		paired  bool
	}{
		{"20% slower, 10% tolerance", ns, off, on, 0.10, Worse, true},
		{"20% slower, 25% tolerance", ns, off, on, 0.25, NoDiff, true},
		{"ops/s 20% lower", ops, inv(off), inv(on), 0.10, Worse, true},
		{"faster", ns, on, off, 0.10, Better, true},
		{"A/A", ns, off, onSame, 0.10, NoDiff, true},
		{"5 pairs", ns, off[:5], on[:5], 0.10, Unknown, true},
		{"zero beside non-zero falls back", Metric{Name: "hit-%", Better: HigherIsBetter}, seq(0, 0, 10), seq(50, 1, 10), 0.10, Better, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ComparePaired(tt.m, tt.off, tt.on, tt.band)
			if c.Change != tt.change || (c.Paired != nil) != tt.paired {
				t.Fatalf("change %s paired %v (%+v, note %q), want %s paired %v", c.Change, c.Paired != nil, c.Paired, c.Note, tt.change, tt.paired)
			}
		})
	}
	if c := Compare(ns, off, on); c.Change != NoDiff {
		t.Fatalf("unpaired compare of drifting rounds called %s: the test data no longer shows why pairing matters", c.Change)
	}
	c := ComparePaired(ns, off, on, 0.10)
	if math.Abs(c.DeltaPct-20.1) > 0.05 || c.DeltaLoPct < 19.9 || c.DeltaHiPct > 20.3 || c.P >= Alpha || c.Paired.Wilcoxon.Exact {
		t.Fatalf("paired delta %+v", c)
	}
}
