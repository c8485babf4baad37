package gobench

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
)

// Bench is one benchmark measured on both sides.
type Bench struct {
	Package string // import path
	// Name is the benchmark as benchfmt names it: without the Benchmark
	// prefix, with sub-benchmarks and the GOMAXPROCS suffix ("Digest-2").
	Name string
	// Result holds the rounds in the engine's form: Ops are the
	// benchmark's iterations, Values its metrics (ns/op, B/op,
	// allocs/op, MB/s and any b.ReportMetric unit). Result.Compare judges
	// it as the built-in workloads are judged.
	Result *measure.Result
}

// Measure runs the interleaved rounds: in round r the sides run in
// measure.RoundOrder(r), each package's binary once with -test.count 1, so
// that every round pairs an off run with an on run taken back to back.
// Every benchmark must report in every run; one that fails is an error
// naming it and its side (see run).
func (b *Build) Measure(ctx context.Context, progress func(measure.Event)) ([]Bench, error) {
	if progress == nil {
		progress = func(measure.Event) {}
	}
	o := b.opts
	var order []string
	byKey := map[string]*Bench{}
	for r := 0; r < o.Rounds; r++ {
		for _, side := range measure.RoundOrder(r) {
			progress(measure.Event{Phase: "round", Side: side, Round: r + 1, Rounds: o.Rounds})
			for _, p := range b.Packages {
				out, err := b.run(ctx, p, side, "-test.run", "^$", "-test.bench", o.Bench,
					"-test.benchtime", o.Benchtime.String(), "-test.count", "1")
				if err != nil {
					return nil, fmt.Errorf("round %d: %w", r+1, err)
				}
				results, err := Parse(out, p.ImportPath)
				if err != nil {
					return nil, fmt.Errorf("round %d, %s side of %s: %w", r+1, side, p.ImportPath, err)
				}
				for _, res := range results {
					key := p.ImportPath + "\x00" + res.Name
					bn := byKey[key]
					if bn == nil {
						bn = &Bench{Package: p.ImportPath, Name: res.Name, Result: &measure.Result{
							Workload: p.ImportPath + "." + res.Name, Off: o.name(stats.Off), On: o.name(stats.On),
							Rounds: o.Rounds, Benchtime: o.Benchtime.String(),
						}}
						byKey[key] = bn
						order = append(order, key)
					}
					for _, u := range res.units {
						if !hasMetric(bn.Result.Metrics, u) {
							bn.Result.Metrics = append(bn.Result.Metrics, Metric(u))
						}
					}
					bn.Result.Samples = append(bn.Result.Samples, measure.Round{Side: side, Index: r, Ops: res.Iters, Values: res.Values})
				}
			}
		}
	}
	out := make([]Bench, 0, len(order))
	for _, key := range order {
		bn := byKey[key]
		for _, side := range stats.Sides() {
			if n := countSide(bn.Result.Samples, side); n != o.Rounds {
				return nil, fmt.Errorf("%s %s reported on %d of %d %s rounds: a benchmark whose name or presence depends on the side cannot be paired",
					bn.Package, bn.Name, n, o.Rounds, side)
			}
		}
		out = append(out, *bn)
	}
	return out, nil
}

func countSide(rs []measure.Round, side stats.Side) int {
	n := 0
	for _, r := range rs {
		if r.Side == side {
			n++
		}
	}
	return n
}

func hasMetric(ms []stats.Metric, name string) bool {
	for _, m := range ms {
		if m.Name == name {
			return true
		}
	}
	return false
}

// Result is one benchmark line of a run.
type Result struct {
	Name   string
	Iters  int
	Values map[string]float64
	units  []string // in the line's order
}

// Parse reads `go test -bench` output with benchfmt. Values keep the units
// the benchmark printed (ns/op, not benchfmt's tidied sec/op), so they
// match the engine's metric names.
func Parse(out []byte, file string) ([]Result, error) {
	r := benchfmt.NewReader(bytes.NewReader(out), file)
	var res []Result
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			x := Result{Name: rec.Name.String(), Iters: rec.Iters, Values: map[string]float64{}}
			for _, v := range rec.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				if _, dup := x.Values[unit]; !dup {
					x.units = append(x.units, unit)
				}
				x.Values[unit] = val
			}
			res = append(res, x)
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("benchmark output: %w", rec)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("benchmark output: %w", err)
	}
	return res, nil
}

// Metric is the model of a unit a benchmark reports. The engine's units
// (ns/op, B/op, allocs/op) keep the engine's noise bands and floors, so a
// user's benchmark is judged as a built-in workload is. A rate (a unit
// ending in /s, as MB/s) is better higher; any other unit, like most
// b.ReportMetric units, better lower, with the time band.
func Metric(unit string) stats.Metric {
	for _, m := range measure.EngineMetrics() {
		if m.Name == unit && !m.Count {
			return m
		}
	}
	m := stats.Metric{Name: unit, Better: stats.LowerIsBetter, Noise: 0.03, Gate: stats.TimeGate}
	if strings.HasSuffix(unit, "/s") {
		m.Better = stats.HigherIsBetter
	}
	return m
}
