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

// TestFloorOnEveryPath: a move of a twentieth of a byte per op is under the
// 8 B/op floor whichever rule judges it: the paired one, the unpaired rule
// ComparePaired falls back to when a round measured 0, and Compare itself.
// The same relative move at 1 000 times the size is still called.
func TestFloorOnEveryPath(t *testing.T) {
	m := Metric{Name: "B/op", Better: LowerIsBetter, Noise: 0.01, Floor: 8}
	// rounds gives 10 rounds around v (spread 0.1 %), the first one
	// measuring 0 when zeroFirst (the off side only: no ratio can be formed
	// for that pair).
	rounds := func(v float64, zeroFirst bool) []float64 {
		out := make([]float64, 10)
		for i := range out {
			out[i] = v * (1 + float64(i)/1000)
		}
		if zeroFirst {
			out[0] = 0
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		base      float64
		zeroFirst bool
		judge     func(off, on []float64) Comparison
		want      Change
		note      string
	}{
		{"paired, under", 0.9, false, func(a, b []float64) Comparison { return ComparePaired(m, a, b, 0.02) }, NoDiff, "resolution of 8 B"},
		{"paired, over", 900, false, func(a, b []float64) Comparison { return ComparePaired(m, a, b, 0.02) }, Worse, ""},
		{"fallback, under", 0.9, true, func(a, b []float64) Comparison { return ComparePaired(m, a, b, 0.02) }, NoDiff, "not paired"},
		{"fallback, over", 900, true, func(a, b []float64) Comparison { return ComparePaired(m, a, b, 0.02) }, Worse, "not paired"},
		{"unpaired, under", 0.9, false, func(a, b []float64) Comparison { return Compare(m, a, b) }, NoDiff, "resolution of 8 B"},
		{"unpaired, over", 900, false, func(a, b []float64) Comparison { return Compare(m, a, b) }, Worse, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.judge(rounds(tc.base, tc.zeroFirst), rounds(tc.base*1.05, false))
			if c.Change != tc.want || !strings.Contains(c.Note, tc.note) {
				t.Fatalf("change %v (note %q), want %v with %q", c.Change, c.Note, tc.want, tc.note)
			}
			if tc.want == NoDiff && !strings.Contains(c.Note, "resolution of 8 B") {
				t.Errorf("note %q does not say why", c.Note)
			}
		})
	}
}

// TestNotesFormatNumbersInTheMetricsUnit: a note prints its numbers as the
// tables do (numfmt, in the metric's unit), never as raw floats.
func TestNotesFormatNumbersInTheMetricsUnit(t *testing.T) {
	ns := Metric{Name: "ns/op", Better: LowerIsBetter, Noise: 0.05}
	bytes := Metric{Name: "B/op", Better: LowerIsBetter, Noise: 0.05}
	gc := Metric{Name: "gc/op", Better: LowerIsBetter, Noise: 0.05, Count: true}
	tests := []struct {
		name string
		c    Comparison
		want string
	}{
		{"zero beside a value, time", ComparePaired(ns, []float64{2810.9282291555746, 5}, []float64{0, 5}, ns.Noise),
			"not paired: round 1: 2.81 µs/op against 0 ns/op has no finite ratio"},
		{"zero beside a value, bytes", ComparePaired(bytes, []float64{0, 5}, []float64{1536.25, 5}, bytes.Noise),
			"not paired: round 1: 0 B/op against 1.50 KiB/op has no finite ratio"},
		{"negative value", ComparePaired(ns, []float64{-1234.5678}, []float64{1}, ns.Noise),
			"not paired: round 1: -1.23 µs/op and 1 ns/op have no ratio"},
		{"no count", CompareCounts(gc, []float64{0.1234567}, []float64{1e6}, []float64{1}, []float64{3}, gc.Noise),
			"not judged as a count: round 1: 0.123 gc/op over 1.00M ops is not a whole number of events"},
		{"no events", CompareCounts(gc, []float64{0, 0}, []float64{1234567, 2e6}, []float64{0, 0}, []float64{1e6, 1e6}, gc.Noise),
			"no events on either side (3.23M ops and 2.00M ops)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.HasPrefix(tt.c.Note, tt.want) {
				t.Errorf("note %q, want it to start %q", tt.c.Note, tt.want)
			}
		})
	}
}
