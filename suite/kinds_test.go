package suite

import (
	"fmt"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/toggles"
)

// A toggle's primary runs take every profile kind; every other run of the
// suite takes CPU and memory only, and says why.
func TestProfileKindsPerRunKind(t *testing.T) {
	for _, c := range []struct {
		kind catalog.Kind
		want string
	}{
		{catalog.Primary, "[]"},
		{catalog.Cost, "[cpu heap allocs]"},
		{catalog.Control, "[cpu heap allocs]"},
		{catalog.View, "[cpu heap allocs]"},
		{catalog.Credit, "[cpu heap allocs]"},
		{catalog.Cumulative, "[cpu heap allocs]"},
		{catalog.VersusSingle, "[cpu heap allocs]"},
		{catalog.MemoryAllocated, "[cpu heap allocs]"},
		{catalog.MemoryRetained, "[cpu heap allocs]"},
	} {
		ks, why := ProfileKinds(catalog.Run{Kind: c.kind})
		if got := fmt.Sprint(ks); got != c.want {
			t.Errorf("%s: kinds %s, want %s", c.kind, got, c.want)
		}
		if (why == "") != (c.kind == catalog.Primary) {
			t.Errorf("%s: why %q", c.kind, why)
		}
	}
}

// Every run of the suite takes its CPU profile in its measured rounds
// (both sides alike), so that no CPU pass of its own follows them; at
// either preset the rounds of a side run more operations than a pass may
// (measure.MaxProfileStretch times the profile time), so the round
// profile is kept as it is.
func TestRunsProfileTheCPUInTheirRounds(t *testing.T) {
	for _, p := range []catalog.Preset{catalog.Quick(), catalog.Full()} {
		o := Config{Preset: p, Root: t.TempDir(), Top: 5, Toggles: toggles.All()}
		for _, kind := range []catalog.Kind{catalog.Primary, catalog.Cost} {
			e := o.experiment(catalog.Run{ID: "jit/route-match", Opt: "jit", Workload: "route-match", Kind: kind})
			if !e.Settings.ProfileCPU {
				t.Errorf("%s %s run: CPU profiled in a pass of its own, not in its rounds", p.Name, kind)
			}
			if rounds, pass := time.Duration(p.Rounds)*p.Benchtime.D, measure.MaxProfileStretch*p.ProfileTime; rounds < pass {
				t.Errorf("%s: a side's rounds (%s) run less than a CPU pass may (%s): a pass would top them up", p.Name, rounds, pass)
			}
		}
	}
}
