package stats

import (
	"math"
	"sort"
)

// WilcoxonResult is the outcome of a Wilcoxon signed-rank test.
type WilcoxonResult struct {
	// N is the number of non-zero differences the test used (zeros are
	// dropped, as in Wilcoxon's original method and R's wilcox.test).
	N int `json:"n"`
	// V is the sum of the ranks of the positive differences (R's statistic V).
	V float64 `json:"v"`
	// P is the two-sided p-value: 1 when N is 0.
	P float64 `json:"p"`
	// Exact is true when P comes from the exact null distribution, false for
	// the normal approximation.
	Exact bool `json:"exact"`
}

// maxExactWilcoxon is the N below which the exact distribution is used, as
// in R (n < 50): the exact counts stay below 2^50 and fit a float64 exactly.
const maxExactWilcoxon = 50

// Wilcoxon tests whether the differences d are symmetric about 0 (in
// perfbench: whether the log of a paired ratio is centred on 0, i.e. the
// two sides are the same). It computes exactly what R's
// wilcox.test(d, exact = NULL, correct = TRUE) computes:
//
//   - zeros are dropped; the others are ranked by |d|, ties get their mean
//     rank; V is the rank sum of the positive ones;
//   - with N < 50, no ties and no zeros, P is exact: twice the smaller tail
//     of the null distribution of V (each rank's sign equally likely),
//     capped at 1;
//   - otherwise the normal approximation: mean N(N+1)/4, variance
//     N(N+1)(2N+1)/24 less Σ(t³−t)/48 over tie groups of size t, with a
//     continuity correction of 0.5 towards the mean.
//
// Non-finite differences are ignored.
func Wilcoxon(d []float64) WilcoxonResult {
	var nz []float64
	zeros := false
	for _, x := range d {
		switch {
		case !isFinite(x):
		case x == 0:
			zeros = true
		default:
			nz = append(nz, x)
		}
	}
	n := len(nz)
	if n == 0 {
		return WilcoxonResult{P: 1}
	}
	sort.Slice(nz, func(i, j int) bool { return math.Abs(nz[i]) < math.Abs(nz[j]) })
	ranks := make([]float64, n)
	ties := false
	var tieTerm float64 // Σ(t³ − t)
	for i := 0; i < n; {
		j := i + 1
		for j < n && math.Abs(nz[j]) == math.Abs(nz[i]) {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			ranks[k] = mid
		}
		if t := float64(j - i); t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		i = j
	}
	var v float64
	for i, x := range nz {
		if x > 0 {
			v += ranks[i]
		}
	}
	r := WilcoxonResult{N: n, V: v}
	fn := float64(n)
	if n < maxExactWilcoxon && !ties && !zeros {
		r.Exact = true
		// V is an integer here (no ties).
		var tail float64
		if v > fn*(fn+1)/4 {
			tail = 1 - signRankCDF(n, int(v)-1)
		} else {
			tail = signRankCDF(n, int(v))
		}
		r.P = math.Min(1, 2*tail)
		return r
	}
	z := v - fn*(fn+1)/4
	sigma := math.Sqrt(fn*(fn+1)*(2*fn+1)/24 - tieTerm/48)
	if sigma == 0 {
		r.P = 1
		return r
	}
	z = (z - math.Copysign(0.5, z)*boolf(z != 0)) / sigma
	r.P = math.Min(1, 2*normalCDF(-math.Abs(z)))
	return r
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// signRankCDF is P(V ≤ v) under the null hypothesis for n ranks: the share
// of the 2^n sign assignments whose positive ranks sum to at most v,
// counted by dynamic programming over the ranks (R's psignrank).
func signRankCDF(n, v int) float64 {
	if v < 0 {
		return 0
	}
	maxSum := n * (n + 1) / 2
	if v >= maxSum {
		return 1
	}
	counts := make([]float64, maxSum+1)
	counts[0] = 1
	for k := 1; k <= n; k++ {
		for s := maxSum; s >= k; s-- {
			counts[s] += counts[s-k]
		}
	}
	var below float64
	for s := 0; s <= v; s++ {
		below += counts[s]
	}
	return below / math.Ldexp(1, n)
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
