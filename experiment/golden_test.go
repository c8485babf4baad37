package experiment

import (
	"bytes"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// FixedOutcome is a profile run built by hand: rounds whose values follow a
// formula, movers as a diff would rank them, a fixed machine and clock.
func fixedOutcome(t testing.TB) *Outcome {
	tg, err := toggles.Lookup("jit")
	if err != nil {
		t.Fatal(err)
	}
	w, err := workloads.Lookup("route-match")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
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
		Options: o, Measurement: res, Comparisons: res.Compare(),
		Env: machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, CPUModel: "Test CPU", GitCommit: "0123456789abcdef"},
		Movers: map[profiling.Kind][]profiling.Mover{
			profiling.CPU: {
				{Function: "github.com/perfbench/perfbench/runtime/router.(*Router).Match", Unit: "nanoseconds", Base: 500e6, New: 100e6, Delta: -400e6, DeltaPct: -40},
				{Function: "github.com/perfbench/perfbench/runtime/router.(*Plan).Lookup", Unit: "nanoseconds", Base: 0, New: 80e6, Delta: 80e6, DeltaPct: 8},
			},
			profiling.Allocs: {{Function: "strings.Split", Unit: "bytes", Base: 3 << 20, New: 0, Delta: -3 << 20, DeltaPct: -75}},
		},
		Elapsed: 9*time.Second + 400*time.Millisecond,
		Created: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
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
