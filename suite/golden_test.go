package suite

import (
	"github.com/perfbench/perfbench/timing"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
)

// measured builds a run's measurement by hand: every metric of the
// workload goes from off to on×factor, with the same small spread each time.
func measured(t testing.TB, r catalog.Run, factor float64) BenchRun {
	w, err := catalog.Builtin().Workload(r.Workload)
	if err != nil {
		t.Fatal(err)
	}
	res := &measure.Result{Workload: w.Name, Off: r.Off.String(), On: r.On.String(), Rounds: 10, Benchtime: "50ms",
		Metrics: append(measure.EngineMetrics(), w.Metrics...)}
	for i := 0; i < 10; i++ {
		for _, side := range stats.Sides() {
			v := map[string]float64{}
			for j, m := range res.Metrics {
				x := float64(100*(j+1)) * series(1)[i]
				if side == stats.On {
					x *= factor
				}
				v[m.Name] = x
			}
			res.Samples = append(res.Samples, measure.Round{Side: side, Index: i, Ops: 1000, Values: v})
		}
	}
	return BenchRun{
		Result: catalog.Result{Run: r, Measurement: res, Comparisons: res.Compare(), Elapsed: 2 * time.Second},
		Dir:    "profiles/bench/" + r.Opt + "/" + r.Workload,
		Timing: timing.Record{RoundsUsed: len(res.Samples) / 2, Time: timing.Breakdown{Phases: []timing.Span{
			{Phase: timing.Calibrate, Side: "off", Seconds: 0.1}, {Phase: timing.Rounds, Side: "off", Seconds: 0.8},
			{Phase: timing.ProfilePrefix + "wall", Side: "on", Seconds: 0.6}, {Phase: timing.Report, Seconds: 0.5},
		}}},
	}
}

func fixedBench(t testing.TB) *Bench {
	all := features.All()
	runs := []BenchRun{
		measured(t, catalog.Run{ID: "jit/route-match", Opt: "jit", Workload: "route-match", Kind: catalog.Primary, On: features.Set{JIT: true}, Toggle: "jit"}, 0.4),
		measured(t, catalog.Run{ID: catalog.GroupMemory + "/dispatch-local", Opt: catalog.GroupMemory, Workload: "dispatch-local", Kind: catalog.MemoryAllocated, On: all}, 0.8),
	}
	var results []catalog.Result
	for _, r := range runs {
		results = append(results, r.Result)
	}
	return &Bench{
		Config: Config{Preset: catalog.Quick(), Root: "profiles/bench", Top: 5, Toggles: toggles.All(), Opts: []string{"jit", "memory"}},
		Env:    machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, GitCommit: "0123456789abcdef"},
		Runs:   runs, Rows: Assess(toggles.All(), results),
		Elapsed: 61 * time.Second, Created: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
	}
}

func TestGoldenRenderings(t *testing.T) {
	golden.Renderings(t, "bench", fixedBench(t).Print)
}
