package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// Every interval compare draws assumes that the round pairs of one run are
// independent. A disturbance that holds for a whole run and hits one side
// more than the other (something the host does in step with the rounds,
// say) breaks that without showing inside the run: its pairs look as
// tidy as ever. Across many A/A runs it shows as a case's mean log ratio
// moving from run to run by more than its pairs' own spread allows. The
// spread report measures that, per case, as a ratio:
//
//	between = sd over runs of the run's mean log ratio (head/base)
//	within  = sqrt(mean over runs of s²/n), s the sd of the run's n log ratios
//
// between/within is 1 when the pairs are independent; sampling alone
// moves it by about ±2/sqrt(2(k−1)) over k runs.

// minSpreadRuns is the fewest runs of a case the report takes: below it
// the ratio's own sampling error (±0.5 at 8) says little.
const minSpreadRuns = 8

// spreadMetrics are the metrics the report covers: the gated time metrics
// that measure work rather than its inverse (ops/s mirrors ns/op).
var spreadMetrics = []string{"ns/op", "cpu-ns/op"}

// caseSpread is one case's spread of one metric over the runs.
type caseSpread struct {
	caseID          string
	runs            int
	between, within float64
}

func (c caseSpread) ratio() float64 { return c.between / c.within }

// spreads measures metric for every case with at least minSpreadRuns runs
// of two or more pairs, largest ratio first.
func spreads(docs []results.CompareRun, metric string) ([]caseSpread, error) {
	type run struct{ mean, varOfMean float64 }
	byCase := map[string][]run{}
	for _, d := range docs {
		for _, c := range d.Cases {
			base, head := c.Measurement.Values(stats.Off, metric), c.Measurement.Values(stats.On, metric)
			var off, on []float64
			for _, i := range slices.Sorted(maps.Keys(base)) {
				if h, ok := head[i]; ok {
					off, on = append(off, base[i]), append(on, h)
				}
			}
			if len(off) < 2 {
				continue
			}
			lr, err := stats.LogRatios(off, on, metric)
			if err != nil {
				return nil, fmt.Errorf("case %s: %w", c.ID, err)
			}
			m, s := meanSD(lr)
			byCase[c.ID] = append(byCase[c.ID], run{m, s * s / float64(len(lr))})
		}
	}
	var out []caseSpread
	for id, rs := range byCase {
		if len(rs) < minSpreadRuns {
			continue
		}
		means := make([]float64, len(rs))
		var v float64
		for i, r := range rs {
			means[i], v = r.mean, v+r.varOfMean
		}
		_, between := meanSD(means)
		if within := math.Sqrt(v / float64(len(rs))); within > 0 {
			out = append(out, caseSpread{caseID: id, runs: len(rs), between: between, within: within})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ratio() != out[j].ratio() {
			return out[i].ratio() > out[j].ratio()
		}
		return out[i].caseID < out[j].caseID
	})
	return out, nil
}

// meanSD is the mean and the sample sd (n−1) of xs, two or more values.
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// printSpread reports one metric's spreads: the median ratio, and the
// largest.
func printSpread(w io.Writer, metric string, ss []caseSpread) {
	if len(ss) == 0 {
		return
	}
	ratios := make([]float64, len(ss))
	fewest, most := ss[0].runs, ss[0].runs
	for i, s := range ss {
		ratios[i] = s.ratio()
		fewest, most = min(fewest, s.runs), max(most, s.runs)
	}
	sort.Float64s(ratios)
	med := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		med = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
	}
	fmt.Fprintf(w, "spread of %s: between-run sd of a case's mean log ratio / the sd its pairs predict (1 when pairs are independent; sampling allows about ±%.2f at %d runs): median %.2f over %d cases (%d–%d runs each)\n",
		metric, 2/math.Sqrt(2*float64(fewest-1)), fewest, med, len(ss), fewest, most)
	for _, s := range ss[:min(top, len(ss))] {
		fmt.Fprintf(w, "  spread %s %s %.2f (between %.4f, within %.4f, %d runs)\n", s.caseID, metric, s.ratio(), s.between, s.within, s.runs)
	}
}
