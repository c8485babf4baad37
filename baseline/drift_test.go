package baseline

import (
	"math"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
)

// pass builds one pass's result of run id whose off side measured ns/op
// values vs and whose on side measured the same halved.
func pass(id string, vs ...float64) catalog.Result {
	res := &measure.Result{Metrics: []stats.Metric{nsOp}}
	for i, v := range vs {
		res.Samples = append(res.Samples,
			measure.Round{Side: stats.Off, Index: i, Ops: 100, Values: map[string]float64{"ns/op": v}},
			measure.Round{Side: stats.On, Index: i, Ops: 100, Values: map[string]float64{"ns/op": v / 2}})
	}
	return catalog.Result{Run: catalog.Run{ID: id, Workload: "w", Opt: "jit", On: features.Set{JIT: true}}, Measurement: res}
}

func TestNewPassesPoolsAndKeepsPassMedians(t *testing.T) {
	p1 := []catalog.Result{pass("a", 100, 100, 100, 100, 100, 100), pass("b", 50, 50, 50, 50, 50, 50)}
	p2 := []catalog.Result{pass("a", 120, 120, 120, 120, 120, 120), pass("b", 50, 50, 50, 50, 50, 51)}
	f := NewPasses(machine.Env{}, catalog.Quick(), [][]catalog.Result{p1, p2}, nil)
	if f.Settings.Passes != 2 || len(f.Runs) != 2 {
		t.Fatalf("settings %+v, %d runs", f.Settings, len(f.Runs))
	}
	off := f.Runs[0].Metrics[0].Off
	if len(off.Samples) != 12 || off.Samples[0] != 100 || off.Samples[6] != 120 {
		t.Fatalf("pooled samples %v", off.Samples)
	}
	if len(off.PassMedians) != 2 || off.PassMedians[0] != 100 || off.PassMedians[1] != 120 {
		t.Fatalf("pass medians %v", off.PassMedians)
	}
	if single := New(machine.Env{}, catalog.Quick(), p1, nil); single.Settings.Passes != 0 || single.Runs[0].Metrics[0].Off.PassMedians != nil {
		t.Fatalf("one pass recorded drift: %+v", single.Runs[0].Metrics[0].Off)
	}
}

func TestDrift(t *testing.T) {
	p1 := []catalog.Result{pass("a", 100, 100, 100, 100, 100, 100), pass("b", 50, 50, 50, 50, 50, 50)}
	p2 := []catalog.Result{pass("a", 120, 120, 120, 120, 120, 120), pass("b", 50, 50, 50, 50, 50, 51)}
	d := NewPasses(machine.Env{}, catalog.Quick(), [][]catalog.Result{p1, p2}, nil).Drift()
	// Run a drifted by 20 of a pooled median of 110 (both sides alike);
	// run b not at all. The floor (90th percentile of 4 spreads) is a's.
	want := 20.0 / 110
	for _, tc := range []struct {
		run  string
		side stats.Side
		want float64
	}{{"a", stats.Off, want}, {"a", stats.On, want}, {"b", stats.Off, want}, {"b", stats.On, want}, {"c", stats.Off, want}} {
		if got := d.For(tc.run, tc.side, "ns/op"); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("drift %s %s = %v, want %v", tc.run, tc.side, got, tc.want)
		}
	}
	if got := d.For("a", stats.Off, "B/op"); got != 0 {
		t.Errorf("drift of an unmeasured metric = %v", got)
	}
	if got := New(machine.Env{}, catalog.Quick(), p1, nil).Drift().For("a", stats.Off, "ns/op"); got != 0 {
		t.Errorf("single-pass drift = %v", got)
	}
}

// A move the baseline's own passes already showed is not a regression; the
// same move against a baseline without drift is.
func TestCompareWidensToleranceByDrift(t *testing.T) {
	steady := func(seed uint64, center float64) []float64 { return noisy(seed, 6, center, 0.002) }
	mk := func(passes ...[]float64) *File {
		var ps [][]catalog.Result
		for _, vs := range passes {
			ps = append(ps, []catalog.Result{pass("a", vs...)})
		}
		return NewPasses(machine.Env{}, catalog.Quick(), ps, nil)
	}
	drifty := mk(steady(1, 1000), steady(2, 1200))
	calm := mk(steady(1, 1000), steady(2, 1002))
	now := []catalog.Result{pass("a", steady(3, 1350)...)} // +23 % on the pooled median of the drifty baseline

	if regs := Compare(drifty, now, nil, DefaultTolerances()).Regressions(); len(regs) != 0 {
		t.Errorf("a move within the baseline's drift flagged: %+v", regs[0])
	}
	regs := Compare(calm, now, nil, DefaultTolerances()).Regressions()
	if len(regs) != 2 { // off and on
		t.Fatalf("+35 %% against a calm baseline: %d regressions, want 2", len(regs))
	}
	if regs[0].DriftPct > 1 || regs[0].TolerancePct > 11 {
		t.Errorf("calm baseline widened the tolerance: %+v", regs[0])
	}
}
