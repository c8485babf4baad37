package profiling

import (
	"context"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"go.uber.org/goleak"
)

// Every test in the package must leave no goroutine behind: a profiler that
// was not stopped (or an fgprof stop that blocked) shows up here.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Workloads with distinct names, so that each one's functions are easy to
// find in a profile. noinline keeps them as their own frames.

var (
	spinSink  uint64
	allocSink []byte
	retained  [][]byte
)

// The two burners repeat their loop rather than share a helper: pprof charges
// flat time to the innermost frame, and each must own its own.

//go:noinline
func burnAlpha(d time.Duration) {
	x := uint64(1)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 4096 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	spinSink = x
}

//go:noinline
func burnBeta(d time.Duration) {
	x := uint64(2)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 4096 {
			x = x*2862933555777941757 + 3037000493
		}
	}
	spinSink = x
}

//go:noinline
func allocAlpha(total int) {
	for range total / 1024 {
		allocSink = make([]byte, 1024)
	}
}

//go:noinline
func allocBeta(total int) {
	for range total / 4096 {
		allocSink = make([]byte, 4096)
	}
}

//go:noinline
func retainGamma(total int) {
	for range total / (16 << 10) {
		retained = append(retained, make([]byte, 16<<10))
	}
}

//go:noinline
func sleepAlpha(d time.Duration) { time.Sleep(d) }

//go:noinline
func sleepBeta(d time.Duration) { time.Sleep(d) }

// work adapts a workload to Capture's signature.
func work(f func()) func(context.Context) error {
	return func(context.Context) error { f(); return nil }
}

// capture fails the test on error; the workloads here cannot fail.
func capture(t *testing.T, k Kind, f func()) *profile.Profile {
	t.Helper()
	p, err := Capture(context.Background(), k, work(f))
	if err != nil {
		t.Fatalf("Capture(%s): %v", k, err)
	}
	return p
}
