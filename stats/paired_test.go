package stats

import (
	"strings"
	"testing"
)

// TestComparePairedFloor: a consistent 4 % move of a value under 1 B/op
// (the A/A compare that flagged route-match@jit) is below an 8 B floor and
// reported as "~"; the same relative move at 100 B/op is still called.
func TestComparePairedFloor(t *testing.T) {
	m := Metric{Name: "B/op", Better: LowerIsBetter, Noise: 0.01, Floor: 8}
	for _, tc := range []struct {
		name string
		base float64
		want Change
	}{
		{"under the floor", 0.92, NoDiff},
		{"over the floor", 200, Worse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var off, on []float64
			for i := 0; i < 10; i++ {
				v := tc.base * (1 + float64(i)/1000)
				off = append(off, v)
				on = append(on, v*1.04)
			}
			c := ComparePaired(m, off, on, 0.02)
			if c.Change != tc.want {
				t.Fatalf("change %v (note %q), want %v", c.Change, c.Note, tc.want)
			}
			if tc.want == NoDiff && !strings.Contains(c.Note, "resolution") {
				t.Errorf("note %q does not say why", c.Note)
			}
		})
	}
}
