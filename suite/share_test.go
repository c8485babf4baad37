package suite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

// sideLog is a workload whose instances spin a few microseconds per
// operation and report, as units/op, the id of their feature set; it
// counts the instances each set builds in each phase of the suite.
type sideLog struct {
	ids    map[string]float64
	phase  string
	builds map[string]map[string]int // phase → set → instances
}

func (l *sideLog) workload(name string) workloads.Workload {
	return workloads.Workload{Name: name, Metrics: []stats.Metric{{Name: "units/op", Noise: 0.01}},
		New: func(s features.Set) (workloads.Instance, error) {
			if l.builds[l.phase] == nil {
				l.builds[l.phase] = map[string]int{}
			}
			l.builds[l.phase][s.String()]++
			return spin{id: l.ids[s.String()]}, nil
		}}
}

type spin struct{ id float64 }

func (s spin) Run(_ context.Context, n int) (map[string]float64, error) {
	end := time.Now().Add(time.Duration(n) * 5 * time.Microsecond)
	for time.Now().Before(end) {
	}
	return map[string]float64{"units/op": s.id}, nil
}

func (spin) Close() error { return nil }

// TestBenchMeasuresASharedSideOnce: three runs with the same on side of
// one workload are measured together: that side is calibrated once and
// run once per round for all three, each other side once per round, and
// each run's result pairs its own off side's rounds with the shared side's
// of the same round; a run that shares no side is measured on its own.
func TestBenchMeasuresASharedSideOnce(t *testing.T) {
	all := features.Set{FastPath: true, ZeroCopy: true, JIT: true}
	sets := []features.Set{{}, {FastPath: true}, {ZeroCopy: true}, all, {JIT: true}}
	l := &sideLog{ids: map[string]float64{}, builds: map[string]map[string]int{}}
	for i, s := range sets {
		l.ids[s.String()] = float64(i + 1)
	}
	runs := []catalog.Run{
		{ID: "all/w", Opt: "all", Workload: "w", Kind: catalog.Cumulative, On: all},
		{ID: "jit/v", Opt: "jit", Workload: "v", Kind: catalog.Cost, On: features.Set{JIT: true}, Toggle: "jit"},
		{ID: "all-vs-fastpath/w", Opt: "all-vs-fastpath", Workload: "w", Kind: catalog.VersusSingle, Off: features.Set{FastPath: true}, On: all, Toggle: "fastpath"},
		{ID: "all-vs-zerocopy/w", Opt: "all-vs-zerocopy", Workload: "w", Kind: catalog.VersusSingle, Off: features.Set{ZeroCopy: true}, On: all, Toggle: "zerocopy"},
	}
	const rounds = 4
	o := Config{
		Preset: catalog.Preset{Name: "test", Rounds: rounds, Benchtime: measure.Benchtime{D: time.Millisecond}, ProfileTime: 5 * time.Millisecond},
		Root:   filepath.Join(t.TempDir(), "bench"), Top: 1, Runs: runs,
		Workloads: map[string]workloads.Workload{"w": l.workload("w"), "v": l.workload("v")},
		Progress: func(int, int, catalog.Run, time.Duration) (func(measure.Event), func()) {
			return func(e measure.Event) { l.phase = e.Phase }, func() { l.phase = "" }
		},
	}
	b, err := RunBench(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		// w: the shared all-on side once, each off side once; v on its own.
		"calibrate": {"none": 2, "fastpath": 1, "zerocopy": 1, all.String(): 1, "jit": 1},
		"round":     {"none": 2 * rounds, "fastpath": rounds, "zerocopy": rounds, all.String(): rounds, "jit": rounds},
	}
	for phase, w := range want {
		if got := l.builds[phase]; !mapsEqual(got, w) {
			t.Errorf("instances built to %s: %v, want %v", phase, got, w)
		}
	}
	sharedNs := map[int]float64{}
	for i, r := range b.Runs {
		m := r.Measurement
		if m.Off != r.Run.Off.String() || m.On != r.Run.On.String() || m.RoundsUsed != rounds || r.Timing.RoundsUsed != rounds || len(m.Samples) != 2*rounds {
			t.Fatalf("run %s: off %s on %s, %d rounds used (timing %d), %d samples", r.Run.ID, m.Off, m.On, m.RoundsUsed, r.Timing.RoundsUsed, len(m.Samples))
		}
		for j, s := range m.Samples {
			set := r.Run.Off
			if s.Side == stats.On {
				set = r.Run.On
			}
			if s.Index != j/2 || s.Side != measure.RoundOrder(j / 2)[j%2] || s.Values["units/op"] != l.ids[set.String()] {
				t.Errorf("run %s sample %d: round %d %s of set %g, want round %d %s of %s", r.Run.ID, j, s.Index, s.Side, s.Values["units/op"], j/2, measure.RoundOrder(j / 2)[j%2], set)
			}
			if r.Run.Workload == "w" && s.Side == stats.On {
				if ns, ok := sharedNs[s.Index]; ok && ns != s.Values[measure.NsPerOp] {
					t.Errorf("run %s round %d: shared side at %g ns/op, another run's same round at %g", r.Run.ID, s.Index, s.Values[measure.NsPerOp], ns)
				}
				sharedNs[s.Index] = s.Values[measure.NsPerOp]
			}
		}
		if r.Timing.Time.Of("rounds") <= 0 || r.Timing.Time.Of("calibrate") <= 0 {
			t.Errorf("run %d %s: no time charged for its rounds or calibration: %+v", i, r.Run.ID, r.Timing.Time)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestShareGroups: runs are grouped by a side they have in common (same
// workload, same feature set, same side), largest groups first, each run
// in one group; a run sharing nothing is in none. On the built-in suite:
// all on of mixed for seven runs, none of dispatch-local for three, none
// of signal-memory and of route-churn for two each.
func TestShareGroups(t *testing.T) {
	c := catalog.Builtin()
	runs, _, err := catalog.Select(c.Toggles(), nil, c.Workload)
	if err != nil {
		t.Fatal(err)
	}
	groups := shareGroups(runs)
	type summary struct {
		workload, side, set string
		n                   int
	}
	var got []summary
	seen := map[*shareGroup]bool{}
	for i := range runs {
		g := groups[i]
		if g == nil || seen[g] {
			continue
		}
		seen[g] = true
		got = append(got, summary{runs[g.runs[0]].Workload, g.side.String(), g.set.String(), len(g.runs)})
	}
	want := []summary{
		{"dispatch-local", "off", "none", 3},
		{"signal-memory", "off", "none", 2},
		{"route-churn", "off", "none", 2},
		{"mixed", "on", features.All().String(), 7},
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}
