package experiment

import (
	"context"
	"testing"
	"time"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
)

// BenchmarkWrite writes one run of bench --quick's settings (every profile
// kind, 100ms passes) again and again: the report phase of every bench run.
func BenchmarkWrite(b *testing.B) {
	tg, w := jitOn(b, "route-match")
	out, err := Perform(context.Background(), Config{
		Toggle: tg, Workload: w, Off: features.Set{}, On: tg.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: 6, Benchtime: measure.Benchtime{D: 20 * time.Millisecond}},
		ProfileTime: 100 * time.Millisecond, Dir: b.TempDir(), Top: 5, Command: "bench",
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := out.Write(); err != nil {
			b.Fatal(err)
		}
	}
}
