package suite

import (
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
)

// interim builds 8 round pairs of B/op (on = ratio·off, with a spread)
// and flat ns/op, judged at the quick design's look at 8 pairs.
func interim(ratios []float64) *measure.Result {
	look := stats.SequentialDesign(10, stats.Alpha)[1]
	res := &measure.Result{Metrics: []stats.Metric{mBytes, mNs}, Look: &look, RoundsUsed: 8}
	for i := range 8 {
		off := 1000 * (1 + float64(i%4)/100)
		res.Samples = append(res.Samples,
			measure.Round{Side: stats.Off, Index: i, Values: map[string]float64{measure.BytesPerOp: off, measure.NsPerOp: 1000 + float64(i)}},
			measure.Round{Side: stats.On, Index: i, Values: map[string]float64{measure.BytesPerOp: off * ratios[i%len(ratios)], measure.NsPerOp: 1000 + float64(7-i)}})
	}
	return res
}

func TestDecided(t *testing.T) {
	run := catalog.Run{ID: "zerocopy/w", Opt: "zerocopy", Workload: "w", Kind: catalog.Primary, Toggle: "zerocopy"}
	for _, tc := range []struct {
		name   string
		ratios []float64
		want   bool
	}{
		// -60 %: primary (-50 %) PASS, -80 % FAIL, nothing else worse.
		{"all decided", []float64{0.40, 0.39, 0.41, 0.40}, true},
		// around -50 %: the primary criterion straddles its target.
		{"primary undecided", []float64{0.45, 0.55, 0.48, 0.53}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decided(testToggles(), run)(interim(tc.ratios)); got != tc.want {
				t.Errorf("decided %v, want %v", got, tc.want)
			}
		})
	}
}
