package stats

import (
	"cmp"
	"math"
	"slices"
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
