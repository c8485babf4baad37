package results

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// TestCompareRunRoundTrip: what compare writes, a reader decodes into the
// same value, through the kind check.
func TestCompareRunRoundTrip(t *testing.T) {
	ns := stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter, Noise: 0.03}
	in := CompareRun{
		Header:   NewHeader(Compare, "compare", time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC), machine.Env{GoVersion: "go1.26.0", CPUs: 2}),
		Settings: CompareSettings{Opts: []string{"all"}, Rounds: 6, Order: "ABBA", Benchtime: "20x", ProfileTime: "100ms", Tolerances: "10 %", Out: "out"},
		Base:     Build{Ref: "HEAD~1", Commit: "aaa", Go: "go1.26.0"},
		Head:     Build{Commit: "bbb", Dirty: true, Go: "go1.26.0"},
		Elapsed:  "1s",
		Cases: []CompareCaseResult{{
			CompareCase: CompareCase{ID: "w@none", Workload: "w", Features: "none", Runs: []string{"t/w"}},
			Measurement: &Measurement{Workload: "w", Off: "base", On: "head", Rounds: 1, Benchtime: "20x", Metrics: []stats.Metric{ns},
				Samples: []Round{{Side: stats.Off, Index: 0, Ops: 20, Values: map[string]float64{"ns/op": 100}}, {Side: stats.On, Index: 0, Ops: 20, Values: map[string]float64{"ns/op": 150}}}},
			Comparisons: []stats.Comparison{{Metric: ns, DeltaPct: 50, P: 0.01, Change: stats.Worse}},
			Verdicts:    []verdict.Verdict{{Criterion: "ns/op of head no worse than base beyond 10 %", Source: "compare", Scope: "w@none", Metric: "ns/op", Target: 10, Unit: "%", Estimate: 50, P: verdict.PValue(0.01), Measured: "+50.0 %", Status: verdict.Fail}},
			Regressions: []string{"ns/op"},
		}},
		Skipped:     []Skipped{{ID: "v@none", Reason: "workload new in head"}},
		Regressions: []string{"w@none: ns/op"},
		Files:       []string{"results.json"},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out CompareRun
	if err := Decode("results.json", b, Compare, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n in %+v\nout %+v", in, out)
	}
	if err := Decode("results.json", b, Load, &out); err == nil {
		t.Error("a compare document decoded as a load run")
	}
}
