package experiment

import (
	"context"
	"testing"
	"time"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
)

// A/A on real profiles: signal-create builds its instance without looking
// at the feature set, so jit off and on run the same code and no function
// can truly move. Sampling noise alone lets each tested family call a false
// mover with chance at most stats.FDR; 20 default runs
// (`perfbench profile --opt=jit --workload=signal-create`, counted from
// results.json, twice) called one mover in 4 and in 1 of 20 runs, never
// two: run-to-run variation on a loaded machine (preemption, lock spinning)
// adds to the sampling noise the test models. So up to two are tolerated
// here, and three fail.
func TestAAProfileCallsNoMover(t *testing.T) {
	if testing.Short() {
		t.Skip("profiles a real workload")
	}
	tg, w := jitOn(t, "signal-create")
	o := Config{
		Toggle: tg, Workload: w, Off: tg.Apply(features.Set{}, false), On: tg.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: 3, Benchtime: measure.Benchtime{D: 50 * time.Millisecond}},
		ProfileTime: 150 * time.Millisecond, Dir: t.TempDir(), Top: 1000, Command: "profile",
	}
	out, err := Perform(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	var called []string
	for _, k := range profiling.Kinds() {
		c := out.Sampling[k]
		if c == nil || c.Tested != profiling.Modelled(k) || c.Off.Ops < 1 || c.On.Ops < 1 {
			t.Fatalf("%s: sampling %+v", k, c)
		}
		for _, m := range out.Movers[k] {
			if m.Test != nil && m.Test.Significant {
				called = append(called, string(k)+" "+m.Function)
			}
		}
		t.Logf("%s: %d ops %d samples off, %d ops %d samples on", k, c.Off.Ops, c.Off.Samples, c.On.Ops, c.On.Samples)
	}
	if len(called) > 2 {
		t.Fatalf("A/A run called %d movers, at most 2 tolerated: %v", len(called), called)
	}
}
