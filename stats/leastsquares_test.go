package stats

import "testing"

func TestLeastSquares(t *testing.T) {
	tests := []struct {
		xs, ys    []float64
		slope, my float64
	}{
		{[]float64{0, 1, 2, 3}, []float64{5, 5, 5, 5}, 0, 5},
		{[]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}, 2, 4},
		{[]float64{1, 2, 3}, []float64{9, 6, 3}, -3, 6},
		{[]float64{2, 2, 2}, []float64{1, 2, 3}, 0, 2}, // degenerate x
	}
	for _, tt := range tests {
		s, m := LeastSquares(tt.xs, tt.ys)
		if s != tt.slope || m != tt.my {
			t.Errorf("LeastSquares(%v, %v) = %v, %v; want %v, %v", tt.xs, tt.ys, s, m, tt.slope, tt.my)
		}
	}
}
