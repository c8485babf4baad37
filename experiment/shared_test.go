package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// A side whose configuration an earlier run profiled borrows its passes;
// a side of another configuration is profiled afresh. The rounds are
// always measured anew.
func TestSharedProfilesReuseIdenticalSides(t *testing.T) {
	tg, w := jitOn(t, "signal-create")
	shared := NewSharedProfiles()
	opts := func(off, on features.Set) Config {
		return Config{
			Toggle: tg, Workload: w, Off: off, On: on,
			Settings:    measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 50}},
			ProfileTime: 10 * time.Millisecond, Dir: t.TempDir(), Top: 1, Command: "bench", Shared: shared,
		}
	}
	none, jit := features.Set{}, tg.Apply(features.Set{}, true)
	other, err := features.Set{}.With("caching", true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		off, on features.Set
		reused  string
	}{
		{none, jit, "[]"},
		{none, jit, "[off on]"},
		{other, jit, "[on]"},
	}
	var first *Outcome
	for i, tt := range tests {
		out, err := Perform(context.Background(), opts(tt.off, tt.on), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(out.Reused); got != tt.reused {
			t.Errorf("run %d reused %s, want %s", i, got, tt.reused)
		}
		if out.Timing.RoundsUsed != 2 || len(out.Measurement.Samples) != 4 {
			t.Errorf("run %d: %d rounds used, %d samples; want 2, 4", i, out.Timing.RoundsUsed, len(out.Measurement.Samples))
		}
		profiled := out.Timing.Time.Of("profile cpu")
		if (profiled > 0) != (tt.reused != "[off on]") {
			t.Errorf("run %d: %gs of cpu passes with %s reused", i, profiled, tt.reused)
		}
		if i == 0 {
			first = out
			continue
		}
		if c := out.Sampling[profiling.CPU]; c == nil || c.On.Ops != first.Sampling[profiling.CPU].On.Ops {
			t.Errorf("run %d: cpu on side %+v, want the first run's passes", i, c)
		}
	}
}

// A run limited to some kinds takes and writes only those: it borrows a
// side from an earlier run that took more, never lends a side to a run
// that wants more, says so in results.json and summary.md, and removes
// the profile files an earlier run left in its directory.
func TestRunOfFewerKinds(t *testing.T) {
	tg, w := jitOn(t, "signal-create")
	lean := []profiling.Kind{profiling.CPU, profiling.Heap, profiling.Allocs}
	shared, dir := NewSharedProfiles(), t.TempDir()
	none, jit := features.Set{}, tg.Apply(features.Set{}, true)
	other, err := features.Set{}.With("caching", true)
	if err != nil {
		t.Fatal(err)
	}
	leanFiles := "allocs.diff.pb.gz allocs.off.pb.gz allocs.on.pb.gz bench.txt cpu.diff.pb.gz cpu.off.pb.gz cpu.on.pb.gz " +
		"heap.diff.pb.gz heap.off.pb.gz heap.on.pb.gz report.html results.json summary.md"
	fullFiles := "allocs.diff.pb.gz allocs.off.pb.gz allocs.on.pb.gz bench.txt block.diff.pb.gz block.off.pb.gz block.on.pb.gz " +
		"cpu.diff.pb.gz cpu.off.pb.gz cpu.on.pb.gz heap.diff.pb.gz heap.off.pb.gz heap.on.pb.gz mutex.diff.pb.gz mutex.off.pb.gz mutex.on.pb.gz " +
		"report.html results.json summary.md wall.diff.pb.gz wall.off.pb.gz wall.on.pb.gz"
	for i, tt := range []struct {
		off, on features.Set
		kinds   []profiling.Kind
		reused  string
		wall    bool // a wall pass was taken
		files   string
	}{
		{none, jit, nil, "[]", true, fullFiles},
		{none, jit, lean, "[off on]", false, leanFiles},
		{other, jit, lean, "[on]", false, leanFiles},
		{other, jit, nil, "[on]", true, fullFiles},
	} {
		o := Config{
			Toggle: tg, Workload: w, Off: tt.off, On: tt.on,
			Settings:    measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 50}},
			ProfileTime: 10 * time.Millisecond, Dir: dir, Top: 1, Command: "bench", Shared: shared,
			Kinds: tt.kinds, KindsWhy: "a test's reason",
		}
		out, err := Perform(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(out.Reused); got != tt.reused {
			t.Errorf("run %d reused %s, want %s", i, got, tt.reused)
		}
		if got := out.Timing.Time.Of("profile wall") > 0; got != tt.wall {
			t.Errorf("run %d: wall pass taken %v, want %v", i, got, tt.wall)
		}
		if err := out.Write(); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if got := strings.Join(names, " "); got != tt.files {
			t.Errorf("run %d wrote\n%s\nwant\n%s", i, got, tt.files)
		}
		if got := strings.Join(out.FileNames(), " "); len(out.FileNames()) != len(names) {
			t.Errorf("run %d lists %s", i, got)
		}
		js, err := os.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc results.ProfileRun
		if err := json.Unmarshal(js, &doc); err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
		if err != nil {
			t.Fatal(err)
		}
		wantKinds, wantLine := "", ""
		if tt.kinds != nil {
			wantKinds, wantLine = "cpu,heap,allocs", "profiles: cpu, heap, allocs only (a test's reason)"
		}
		if doc.Settings.ProfileKinds != wantKinds {
			t.Errorf("run %d: results.json profile_kinds %q, want %q", i, doc.Settings.ProfileKinds, wantKinds)
		}
		if has := strings.Contains(string(md), "profiles: cpu, heap, allocs only"); has != (wantLine != "") || !strings.Contains(string(md), wantLine) {
			t.Errorf("run %d: summary.md says of the kinds %v, want %q", i, has, wantLine)
		}
		if has := strings.Contains(string(md), "wall.off.pb.gz"); has != (tt.kinds == nil) {
			t.Errorf("run %d: summary.md names wall files: %v", i, has)
		}
	}
}

// A run whose rounds were CPU-profiled keeps their profile in its files,
// not in its result: a suite holds every run's result to its end, and
// parsed profiles held there are live heap the later runs' GC figures
// would answer to.
func TestRoundProfilesReleasedOnceUsed(t *testing.T) {
	tg, w := jitOn(t, "signal-create")
	o := Config{
		Toggle: tg, Workload: w, Off: features.Set{}, On: tg.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 50}, ProfileCPU: true},
		ProfileTime: 10 * time.Millisecond, Dir: t.TempDir(), Top: 1, Command: "bench",
	}
	out, err := Perform(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Profiles.Off[profiling.CPU] == nil || out.Profiles.On[profiling.CPU] == nil {
		t.Fatal("no CPU profiles")
	}
	for _, side := range stats.Sides() {
		if rp, err := out.Measurement.RoundProfiles(side); rp != nil || err != nil {
			t.Errorf("%s: the result still holds its round profiles %v", side, rp)
		}
	}
}

// A run given its measurement (Config.Measured) measures nothing itself:
// no calibration, no round; its outcome judges the measurement given,
// its timing record starts with the time charged for it, and its profiles
// are still taken of both sides, the rounds' CPU profiles seeding them.
func TestPerformMeasured(t *testing.T) {
	tg, w := jitOn(t, "signal-create")
	none, jit := features.Set{}, tg.Apply(features.Set{}, true)
	s := measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 50}, ProfileCPU: true}
	res, err := measure.NewLocalPair(w, none, jit).Measure(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	var spent timing.Breakdown
	spent.Add(timing.Calibrate, "off", time.Second)
	spent.Add(timing.Rounds, "on", 2*time.Second)
	o := Config{
		Toggle: tg, Workload: w, Off: none, On: jit, Settings: s, Kinds: []profiling.Kind{profiling.CPU},
		ProfileTime: 10 * time.Millisecond, Dir: t.TempDir(), Top: 1, Command: "bench",
		Measured: &Measured{Result: res, Time: spent},
	}
	var phases []string
	out, err := Perform(context.Background(), o, func(e measure.Event) { phases = append(phases, e.Phase) })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phases {
		if p == "calibrate" || p == "round" {
			t.Fatalf("a measured run ran phase %q (phases %v)", p, phases)
		}
	}
	if out.Measurement != res || out.Timing.RoundsUsed != 2 || len(out.Comparisons) != len(res.Metrics) {
		t.Errorf("outcome: measurement %p (given %p), %d rounds used, %d comparisons", out.Measurement, res, out.Timing.RoundsUsed, len(out.Comparisons))
	}
	if ph := out.Timing.Time.Phases; len(ph) < 2 || ph[0] != (timing.Span{Phase: timing.Calibrate, Side: "off", Seconds: 1}) || ph[1] != (timing.Span{Phase: timing.Rounds, Side: "on", Seconds: 2}) {
		t.Errorf("timing %+v does not start with the measured spans", ph)
	}
	if out.Elapsed < 3*time.Second {
		t.Errorf("elapsed %s leaves out the 3 s charged for the measurement", out.Elapsed)
	}
	if out.Profiles.Off[profiling.CPU] == nil || out.Profiles.On[profiling.CPU] == nil {
		t.Errorf("profiles %v: want CPU of both sides", out.Profiles)
	}
}

// jitOn is the built-in jit toggle and the named workload, for the tests
// that profile a real run.
func jitOn(t testing.TB, workload string) (toggles.Toggle, workloads.Workload) {
	t.Helper()
	tg, err := catalog.Builtin().Toggle("jit")
	if err != nil {
		t.Fatal(err)
	}
	w, err := catalog.Builtin().Workload(workload)
	if err != nil {
		t.Fatal(err)
	}
	return tg, w
}
