package baseline

import (
	"io"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// fixedCheck is a check judged by the real rule on fixed samples: one
// regression beyond a drift-widened tolerance, one improvement, one change
// within tolerance, an ungated metric and a missing one.
func fixedCheck() *Check {
	spread := func(v float64) []float64 {
		out := make([]float64, 10)
		for i := range out {
			out[i] = v * (1 + float64(i%5-2)/200)
		}
		return out
	}
	ns := stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter, Noise: 0.03}
	bytesOp := stats.Metric{Name: "B/op", Better: stats.LowerIsBetter, Noise: 0.01, Gate: stats.AllocGate}
	gc := stats.Metric{Name: "gc/op", Better: stats.LowerIsBetter, Noise: 0.05, Gate: stats.Ungated}
	hit := stats.Metric{Name: "cache-hit-%", Better: stats.HigherIsBetter, Noise: 0.01, Gate: stats.FixedGate, Tolerance: 0.02}
	judge := func(run string, side stats.Side, m stats.Metric, base, now float64, tol, drift float64, gated bool) Finding {
		f := Judge(m, spread(base), spread(now), tol+drift, gated)
		f.Run, f.Side, f.DriftPct = run, side, drift*100
		f.Verdict.Scope = run + " " + side.String()
		return f
	}
	missing := Finding{Run: "memory/signal-memory", Side: stats.On, Metric: stats.Metric{Name: "B/live-signal"}, Baseline: stats.Summarize(spread(300)),
		TolerancePct: 2, Gated: true, Change: stats.Unknown}
	missing.judged(verdict.Inconclusive, nil, "the new run did not report this metric")
	findings := []Finding{
		judge("jit/route-match", stats.On, ns, 100, 150, 0.10, 0.28965542621774595, true),
		judge("jit/route-match", stats.On, bytesOp, 512, 256, 0.02, 0, true),
		judge("jit/route-match", stats.Off, ns, 100, 104, 0.10, 0, true),
		judge("jit/route-match", stats.Off, gc, 0.01, 0.02, 0, 0, false),
		judge("jit/route-match", stats.Off, hit, 90, 90, 0.02, 0, true),
		missing,
	}
	probe := stats.Compare(stats.Metric{Name: "ns/unit"}, spread(10), spread(10.5))
	return &Check{
		Baseline: &File{
			Schema: Schema, SchemaVersion: SchemaVersion, Tool: "perfbench", Created: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
			Env:      machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2},
			Settings: Settings{Preset: "quick", Rounds: 10, Benchtime: "50ms", Passes: 2},
			Runs:     []Run{{ID: "jit/route-match"}, {ID: "memory/signal-memory"}},
		},
		Report: Report{
			Baseline: "perf/baseline.json", Findings: findings,
			EnvWarnings: []string{"cpus: 4 → 2"}, EnvInfo: []string{"git commit: aaa → bbb"},
			Machine: &probe, MachineWarning: MachineWarning(probe),
		},
		Took: 42 * time.Second,
	}
}

func TestGoldenRenderings(t *testing.T) {
	c := fixedCheck()
	golden.Renderings(t, "check", func(w io.Writer, f report.Format) error { return c.Print(w, f, false) })
	golden.Renderings(t, "check-all", func(w io.Writer, f report.Format) error { return c.Print(w, f, true) })
	if msg := c.Failed(); msg != "1 regression(s) against perf/baseline.json: jit/route-match on ns/op +50.0%" {
		t.Errorf("Failed() = %q", msg)
	}
}
