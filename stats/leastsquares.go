package stats

// LeastSquares returns the slope of the least-squares line through (x, y)
// and the mean of y. Degenerate x (all equal) gives slope 0.
func LeastSquares(xs, ys []float64) (slope, meanY float64) {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range xs {
		dx := xs[i] - mx
		sxy += dx * (ys[i] - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return 0, my
	}
	return sxy / sxx, my
}
