package experiment

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
)

// A side whose configuration an earlier run profiled borrows its passes;
// a side of another configuration is profiled afresh. The rounds are
// always measured anew.
func TestSharedProfilesReuseIdenticalSides(t *testing.T) {
	tg, err := catalog.Builtin().Toggle("jit")
	if err != nil {
		t.Fatal(err)
	}
	w, err := catalog.Builtin().Workload("signal-create")
	if err != nil {
		t.Fatal(err)
	}
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
