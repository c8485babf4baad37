package stats

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/perf/benchmath"
)

// seq returns n values start, start+step, … .
func seq(start, step float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = start + step*float64(i)
	}
	return v
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   Summary
	}{
		{"1..10", seq(1, 1, 10), Summary{N: 10, Center: 5.5, Lo: 2, Hi: 9, HasCI: true, Confidence: 0.978515625}},
		{"unsorted", []float64{9, 2, 7, 4, 5, 6, 3, 8, 1, 10}, Summary{N: 10, Center: 5.5, Lo: 2, Hi: 9, HasCI: true, Confidence: 0.978515625}},
		{"6 is enough", seq(1, 1, 6), Summary{N: 6, Center: 3.5, Lo: 1, Hi: 6, HasCI: true, Confidence: 0.96875}},
		{"5 has no CI", seq(1, 1, 5), Summary{N: 5, Center: 3, Lo: 3, Hi: 3,
			Warnings: []string{"only 5 samples: a 95% confidence interval needs at least 6"}}},
		{"1 value", []float64{7}, Summary{N: 1, Center: 7, Lo: 7, Hi: 7,
			Warnings: []string{"only 1 samples: a 95% confidence interval needs at least 6"}}},
		{"empty", nil, Summary{Warnings: []string{"no samples"}}},
		{"non-finite dropped", append(seq(1, 1, 6), math.NaN(), math.Inf(1)), Summary{N: 6, Center: 3.5, Lo: 1, Hi: 6, HasCI: true, Confidence: 0.96875,
			Warnings: []string{"dropped 2 non-finite value(s)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.values)
			if len(got.Warnings) == 0 {
				got.Warnings = nil // no warnings: nil and empty mean the same
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summarize(%v)\n got %+v\nwant %+v", tt.values, got, tt.want)
			}
		})
	}
}

func TestSummarizeMatchesBenchmath(t *testing.T) {
	values := []float64{12.5, 11.9, 13.1, 12.2, 12.8, 12.0, 14.7, 12.4, 11.8, 12.6, 12.3}
	ref := benchmath.AssumeNothing.Summary(benchmath.NewSample(append([]float64(nil), values...), &benchmath.DefaultThresholds), 0.95)
	got := Summarize(values)
	if got.Center != ref.Center || got.Lo != ref.Lo || got.Hi != ref.Hi || got.Confidence != ref.Confidence {
		t.Errorf("Summarize = %+v, benchmath = %+v", got, ref)
	}
}

func TestSummarizeKeepsInputOrder(t *testing.T) {
	values := []float64{3, 1, 2, 6, 5, 4}
	Summarize(values)
	Compare(Metric{Name: "x"}, values, values)
	if want := []float64{3, 1, 2, 6, 5, 4}; !reflect.DeepEqual(values, want) {
		t.Errorf("input reordered to %v", values)
	}
}

// The sample-size constants must agree with what benchmath can actually do.
func TestSampleSizeConstants(t *testing.T) {
	ci := func(n int) bool {
		s := benchmath.AssumeNothing.Summary(benchmath.NewSample(seq(1, 1, n), &benchmath.DefaultThresholds), Confidence)
		return !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0)
	}
	if ci(MinSamplesForCI-1) || !ci(MinSamplesForCI) {
		t.Errorf("MinSamplesForCI=%d does not match benchmath", MinSamplesForCI)
	}
	minP := func(n int) float64 { // fully separated samples give the smallest p
		return benchmath.AssumeNothing.Compare(
			benchmath.NewSample(seq(0, 1, n), &benchmath.DefaultThresholds),
			benchmath.NewSample(seq(100, 1, n), &benchmath.DefaultThresholds)).P
	}
	if minP(MinSamplesForTest-1) < Alpha || minP(MinSamplesForTest) >= Alpha {
		t.Errorf("MinSamplesForTest=%d does not match benchmath: p(%d)=%v p(%d)=%v",
			MinSamplesForTest, MinSamplesForTest-1, minP(MinSamplesForTest-1), MinSamplesForTest, minP(MinSamplesForTest))
	}
}

// noisy returns center·(1 + spread·u) for a fixed pattern u in [-1, 1], so
// tests get realistic, reproducible scatter.
func noisy(center, spread float64, u []float64) []float64 {
	v := make([]float64, len(u))
	for i, x := range u {
		v[i] = center * (1 + spread*x)
	}
	return v
}

var (
	patternA = []float64{0.3, -0.8, 0.9, -0.1, 0.5, -0.6, 0, 0.7, -0.4, -0.9}
	patternB = []float64{-0.5, 0.6, -0.2, 0.8, -0.9, 0.1, 0.4, -0.7, 0.95, -0.3}
)

func TestCompare(t *testing.T) {
	lower := Metric{Name: "ns/op", Better: LowerIsBetter, Noise: 0.02}
	higher := Metric{Name: "ops/s", Better: HigherIsBetter, Noise: 0.02}
	tests := []struct {
		name     string
		m        Metric
		off, on  []float64
		change   Change
		p        func(float64) bool
		pDesc    string
		delta    float64
		noteHas  string
		noteNone bool
	}{
		{name: "identical", m: lower, off: seq(1000, 1, 10), on: seq(1000, 1, 10),
			change: NoDiff, p: eq(1), pDesc: "== 1", delta: 0, noteNone: true},
		{name: "20% faster, lower is better", m: lower, off: seq(1000, 5, 10), on: seq(800, 5, 10),
			change: Better, p: below(0.001), pDesc: "< 0.001", delta: -19.559902200489, noteNone: true},
		{name: "20% lower, higher is better", m: higher, off: seq(1000, 5, 10), on: seq(800, 5, 10),
			change: Worse, p: below(0.001), pDesc: "< 0.001", delta: -19.559902200489, noteNone: true},
		{name: "20% higher, higher is better", m: higher, off: seq(800, 5, 10), on: seq(1000, 5, 10),
			change: Better, p: below(0.001), pDesc: "< 0.001", delta: 24.316109422492403, noteNone: true},
		{name: "20% slower, lower is better", m: lower, off: seq(800, 5, 10), on: seq(1000, 5, 10),
			change: Worse, p: below(0.001), pDesc: "< 0.001", delta: 24.316109422492403, noteNone: true},
		{name: "1% shift in 2% scatter: not significant", m: lower,
			off: noisy(1000, 0.02, patternA), on: noisy(1010, 0.02, patternB),
			change: NoDiff, p: atLeast(Alpha), pDesc: ">= 0.05", delta: 1.0000000000000009, noteNone: true},
		{name: "1% shift, tight samples: significant but inside 2% noise", m: lower,
			off: seq(1000, 0.5, 10), on: seq(1010, 0.5, 10),
			change: NoDiff, p: below(0.001), pDesc: "< 0.001", delta: 0.9977550511349464,
			noteHas: "p<0.001 but the CI of the change [+0.6%, +1.3%] is not wholly beyond the ±2 % noise band"},
		{name: "8% median shift, significant, but wide CIs reach the noise band", m: lower,
			off: seq(1000, 20, 10), on: scale(seq(1000, 20, 10), 0.92),
			change: NoDiff, p: below(Alpha), pDesc: "< 0.05", delta: -8.000000000000004,
			noteHas: "the CI of the change [-20.3%, +4.3%] is not wholly beyond"},
		{name: "N=3 cannot be tested", m: lower, off: seq(1000, 1, 3), on: seq(800, 1, 3),
			change: Unknown, p: eq(1), pDesc: "== 1", delta: -19.980019980019982,
			noteHas: "3 vs 3 samples: the U test needs at least 4 per side to reach p < 0.05"},
		{name: "N=3 on one side only", m: lower, off: seq(1000, 1, 10), on: seq(800, 1, 3),
			change: Unknown, p: eq(1), pDesc: "== 1", delta: -20.25883524141364,
			noteHas: "10 vs 3 samples"},
		{name: "N=5 significant but no CI", m: lower, off: seq(1000, 1, 5), on: seq(800, 1, 5),
			change: Unknown, p: below(Alpha), pDesc: "< 0.05", delta: -19.960079840319363,
			noteHas: "p=0.008 but 5 vs 5 samples give no 95% CI (need 6 per side)"},
		{name: "N=5 not significant", m: lower, off: seq(1000, 1, 5), on: seq(1000, 1, 5),
			change: NoDiff, p: eq(1), pDesc: "== 1", delta: 0, noteNone: true},
		{name: "exact samples: 2 KiB to 512 B", m: Metric{Name: "B/op"}, off: seq(2048, 0, 10), on: seq(512, 0, 10),
			change: Better, p: below(0.001), pDesc: "< 0.001", delta: -75, noteNone: true},
		{name: "from zero: delta undefined, change still called", m: Metric{Name: "allocs/op"},
			off: seq(0, 0, 6), on: seq(3, 0, 6),
			change: Worse, p: below(Alpha), pDesc: "< 0.05", delta: 0, noteHas: "off median is 0: delta % undefined"},
		{name: "zero to zero", m: Metric{Name: "allocs/op"}, off: seq(0, 0, 10), on: seq(0, 0, 10),
			change: NoDiff, p: eq(1), pDesc: "== 1", delta: 0, noteNone: true},
		{name: "to zero", m: Metric{Name: "allocs/op"}, off: seq(4, 0, 10), on: seq(0, 0, 10),
			change: Better, p: below(0.001), pDesc: "< 0.001", delta: -100, noteNone: true},
		{name: "negative noise is treated as 0", m: Metric{Name: "ns/op", Noise: -1},
			off: seq(1000, 0.5, 10), on: seq(1010, 0.5, 10),
			change: Worse, p: below(0.001), pDesc: "< 0.001", delta: 0.9977550511349464, noteNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.m, tt.off, tt.on)
			if c.Change != tt.change {
				t.Errorf("Change = %q, want %q (note %q)", c.Change, tt.change, c.Note)
			}
			if !tt.p(c.P) {
				t.Errorf("P = %v, want %s", c.P, tt.pDesc)
			}
			if c.DeltaPct != tt.delta {
				t.Errorf("DeltaPct = %v, want %v", c.DeltaPct, tt.delta)
			}
			if tt.noteNone && c.Note != "" {
				t.Errorf("Note = %q, want none", c.Note)
			}
			if !strings.Contains(c.Note, tt.noteHas) {
				t.Errorf("Note = %q, want it to contain %q", c.Note, tt.noteHas)
			}
			if c.Metric != tt.m {
				t.Errorf("Metric = %+v, want %+v", c.Metric, tt.m)
			}
		})
	}
}

// The rule's boundary: the interval [on.Lo-off.Hi, on.Hi-off.Lo] must lie
// strictly beyond the band; touching it is not enough.
func TestCompareNoiseBoundary(t *testing.T) {
	off := seq(100, 0, 10) // exact: CI [100, 100]
	tests := []struct {
		on     float64
		noise  float64
		change Change
	}{
		{95, 0.05, NoDiff},   // change exactly -5 = -band
		{94.9, 0.05, Better}, // just beyond
		{105, 0.05, NoDiff},
		{105.1, 0.05, Worse},
		{100.1, 0, Worse}, // Noise 0: any non-overlap counts
	}
	for _, tt := range tests {
		c := Compare(Metric{Name: "ns/op", Noise: tt.noise}, off, seq(tt.on, 0, 10))
		if c.Change != tt.change {
			t.Errorf("on=%v noise=%v: Change = %q, want %q (%s)", tt.on, tt.noise, c.Change, tt.change, c.Note)
		}
	}
}

func TestCompareDeltaBounds(t *testing.T) {
	c := Compare(Metric{Name: "ns/op"}, seq(1000, 5, 10), seq(800, 5, 10))
	// off CI [1005, 1040], on CI [805, 840], off median 1022.5.
	wantLo := (805.0 - 1040) / 1022.5 * 100
	wantHi := (840.0 - 1005) / 1022.5 * 100
	if c.DeltaLoPct != wantLo || c.DeltaHiPct != wantHi {
		t.Errorf("delta bounds = [%v, %v], want [%v, %v]", c.DeltaLoPct, c.DeltaHiPct, wantLo, wantHi)
	}
	if !(c.DeltaLoPct <= c.DeltaPct && c.DeltaPct <= c.DeltaHiPct) {
		t.Errorf("DeltaPct %v outside [%v, %v]", c.DeltaPct, c.DeltaLoPct, c.DeltaHiPct)
	}
}

func TestDirectionText(t *testing.T) {
	var d Direction
	if err := d.UnmarshalText([]byte("sideways")); err == nil || !strings.Contains(err.Error(), "lower, higher") {
		t.Errorf("UnmarshalText(sideways) error = %v", err)
	}
	if _, err := Direction(7).MarshalText(); err == nil {
		t.Error("MarshalText(7) succeeded")
	}
}

func TestFormatP(t *testing.T) {
	for _, tt := range []struct {
		p           float64
		bare, prose string
	}{{0.0123, "0.012", "p=0.012"}, {0.0004, "<0.001", "p<0.001"}, {1, "1.000", "p=1.000"}} {
		if got := FormatP(tt.p); got != tt.bare {
			t.Errorf("FormatP(%g) = %q, want %q", tt.p, got, tt.bare)
		}
		if got := PEquals(tt.p); got != tt.prose {
			t.Errorf("PEquals(%g) = %q, want %q", tt.p, got, tt.prose)
		}
	}
}

func TestSideText(t *testing.T) {
	for _, s := range []Side{Off, On} {
		b, err := s.MarshalText()
		if err != nil || string(b) != s.String() {
			t.Fatalf("MarshalText(%v) = %q, %v", s, b, err)
		}
		var back Side
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("UnmarshalText(%q) = %v, %v", b, back, err)
		}
	}
	var s Side
	if err := s.UnmarshalText([]byte("diff")); err == nil || !strings.Contains(err.Error(), "off, on") {
		t.Errorf("UnmarshalText(diff) error = %v", err)
	}
	if _, err := Side(2).MarshalText(); err == nil {
		t.Error("MarshalText(2) succeeded")
	}
}

func eq(want float64) func(float64) bool     { return func(p float64) bool { return p == want } }
func below(lim float64) func(float64) bool   { return func(p float64) bool { return p < lim } }
func atLeast(lim float64) func(float64) bool { return func(p float64) bool { return p >= lim } }

func scale(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * f
	}
	return out
}
