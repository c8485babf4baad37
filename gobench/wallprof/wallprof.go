// Package wallprof lets a benchmark offer perfbench a wall-clock profile
// (fgprof: on- and off-CPU time of every goroutine), which go test's own
// flags cannot take:
//
//	func BenchmarkX(b *testing.B) {
//		defer wallprof.Start(b)()
//		for b.Loop() { … }
//	}
//
// It does nothing unless perfbench names a file in EnvVar, which it does
// only in its wall profiling pass.
package wallprof

import (
	"os"
	"sync"
	"testing"

	"github.com/perfbench/perfbench/profiling"
)

// EnvVar names the file the profile is written to.
const EnvVar = "PERFBENCH_WALLPROFILE"

// Start starts a wall-clock profile of the benchmark and returns what
// stops it and writes it. The testing package calls a benchmark function
// once per b.N it tries; each call rewrites the file, so it ends holding
// the last, longest run. The returned function may be called more than
// once.
func Start(b testing.TB) (stop func()) {
	path := os.Getenv(EnvVar)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatalf("wallprof: %v", err)
	}
	end := profiling.StartWall(f)
	var once sync.Once
	return func() {
		once.Do(func() {
			sampled, err := end()
			if err != nil {
				b.Errorf("wallprof: %v", err)
			}
			if err := f.Close(); err != nil {
				b.Errorf("wallprof: %v", err)
			}
			if !sampled {
				// A run too short for one 99 Hz tick: no profile rather than
				// an empty file; the next, longer b.N writes one.
				os.Remove(path)
			}
		})
	}
}
