package experiment

import (
	"bytes"
	"testing"
	"time"

	"github.com/perfbench/perfbench/timing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// FixedOutcome is a profile run built by hand: rounds whose values follow a
// formula, movers as a diff would rank them, a fixed machine and clock.
func fixedOutcome(t testing.TB) *Outcome {
	tg, w := jitOn(t, "route-match")
	o := Config{
		Toggle: tg, Workload: w, Off: tg.Apply(features.Set{}, false), On: tg.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: 6, Benchtime: measure.Benchtime{D: 200 * time.Millisecond}},
		ProfileTime: time.Second, Dir: "profiles/jit/route-match", Top: 2, Command: "profile",
	}
	res := &measure.Result{
		Workload: w.Name, Off: o.Off.String(), On: o.On.String(), Rounds: 6, Benchtime: "200ms",
		Metrics: append(measure.EngineMetrics(), w.Metrics...),
	}
	for r := 0; r < 6; r++ {
		for _, side := range stats.Sides() {
			f := 1.0 + float64(r%3)*0.01 // a little spread, the same every time
			if side == stats.On {
				f *= 0.6
			}
			v := map[string]float64{}
			for i, m := range res.Metrics {
				v[m.Name] = float64(100*(i+1)) * f
			}
			res.Samples = append(res.Samples, measure.Round{Side: side, Index: r, Ops: 1000 + 500*int(side), Values: v})
		}
	}
	return &Outcome{
		Config: o, Measurement: res, Comparisons: res.Compare(),
		Env: machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, CPUModel: "Test CPU", GitCommit: "0123456789abcdef"},
		Movers: map[profiling.Kind][]profiling.Mover{
			profiling.CPU: {
				{Function: "github.com/perfbench/perfbench/runtime/router.(*Router).Match", Unit: "nanoseconds", Base: 500e6, New: 100e6, Delta: -400e6, DeltaPct: -40,
					Test: &profiling.MoverTest{SamplesOff: 250, SamplesOn: 84, Q: 1e-9, Significant: true}},
				{Function: "github.com/perfbench/perfbench/runtime/router.(*Plan).Lookup", Unit: "nanoseconds", Base: 0, New: 80e6, Delta: 80e6, DeltaPct: 8,
					Test: &profiling.MoverTest{SamplesOff: 0, SamplesOn: 67, Q: 2e-6, Significant: true}},
				{Function: "runtime.mallocgc", Unit: "nanoseconds", Base: 10e6, New: 15e6, Delta: 5e6, DeltaPct: 0.5,
					Test: &profiling.MoverTest{SamplesOff: 5, SamplesOn: 12, Q: 0.4, Significant: false}},
			},
			profiling.Allocs: {{Function: "strings.Split", Unit: "bytes", Base: 3 << 20, New: 0, Delta: -3 << 20, DeltaPct: -75,
				Test: &profiling.MoverTest{SamplesOff: 6, SamplesOn: 0, Q: 0.03, Significant: false}}},
			// Freed more than it kept off: no rate, no percentage.
			profiling.Heap: {{Function: "example.com/cache.(*Cache).evict", Unit: "bytes", Base: -512 << 10, New: 0, Delta: 512 << 10, DeltaPct: 100, Untested: true}},
			// Not modelled: the row must say untested.
			profiling.Mutex: {{Function: "runtime._LostContendedRuntimeLock", Unit: "nanoseconds", Base: 1000, New: 1991, Delta: 991, DeltaPct: 99.1, Untested: true}},
		},
		// Off ran 500 000 ops in its passes, on 1 500 000 (it is faster):
		// each kind's files are scaled to 1 500 000.
		Sampling: map[profiling.Kind]*profiling.Comparison{
			profiling.CPU: {Kind: profiling.CPU, Ops: 1_500_000, Tested: true,
				Off: profiling.Exposure{Ops: 500_000, Samples: 412, Dispersion: 1, Scale: 3},
				On:  profiling.Exposure{Ops: 1_500_000, Samples: 398, Dispersion: 1, Scale: 1}},
			profiling.Heap: {Kind: profiling.Heap, Ops: 1_500_000, Tested: true,
				Off: profiling.Exposure{Ops: 500_000, Samples: 6, Dispersion: 1, Scale: 3, Thin: true},
				On:  profiling.Exposure{Ops: 1_500_000, Samples: 0, Dispersion: 1, Scale: 1, Thin: true}},
			profiling.Allocs: {Kind: profiling.Allocs, Ops: 1_500_000, Tested: true,
				Off: profiling.Exposure{Ops: 500_000, Samples: 6, Dispersion: 1, Scale: 3, Thin: true},
				On:  profiling.Exposure{Ops: 1_500_000, Samples: 0, Dispersion: 1, Scale: 1, Thin: true}},
			profiling.Wall: {Kind: profiling.Wall, Ops: 1_000_000, Tested: true,
				Off: profiling.Exposure{Ops: 500_000, Samples: 305, Dispersion: 3, Scale: 2},
				On:  profiling.Exposure{Ops: 1_000_000, Samples: 310, Dispersion: 3, Scale: 1}},
		},
		Elapsed: 9*time.Second + 400*time.Millisecond,
		Created: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		Timing: timing.Record{RoundsUsed: 6, Time: timing.Breakdown{Phases: []timing.Span{
			{Phase: timing.Calibrate, Side: "off", Seconds: 0.4}, {Phase: timing.Rounds, Side: "off", Seconds: 2.5},
			{Phase: timing.Rounds, Side: "on", Seconds: 2.4}, {Phase: timing.ProfilePrefix + "cpu", Side: "off", Seconds: 1},
			{Phase: timing.Diff, Seconds: 0.3},
		}}},
	}
}

func TestGoldenRenderings(t *testing.T) {
	out := fixedOutcome(t)
	golden.Renderings(t, "profile", out.Print)
	var b bytes.Buffer
	if err := out.WriteBench(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "bench.txt", b.Bytes())
}
