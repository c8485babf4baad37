package profiling

import (
	"context"
	"sync"
	"syscall"
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

// cpuDeadline reports when the process has used d of CPU time since the
// call (or 50 d of wall time has passed): a burner that ran for d of wall
// time got no CPU, and so no samples, on a machine loaded by other work.
func cpuDeadline(d time.Duration) func() bool {
	start, wallEnd := cpuTime(), time.Now().Add(50*d)
	return func() bool { return cpuTime()-start >= d || time.Now().After(wallEnd) }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The two burners repeat their loop rather than share a helper: pprof charges
// flat time to the innermost frame, and each must own its own.

//go:noinline
func burnAlpha(d time.Duration) {
	done := cpuDeadline(d)
	x := uint64(1)
	for !done() {
		for range 1 << 15 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	spinSink = x
}

//go:noinline
func burnBeta(d time.Duration) {
	done := cpuDeadline(d)
	x := uint64(2)
	for !done() {
		for range 1 << 15 {
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

// waitAlpha blocks on a channel receive for d (a block-profile event).
//
//go:noinline
func waitAlpha(d time.Duration) { <-time.After(d) }

//go:noinline
func waitBeta(d time.Duration) { <-time.After(d) }

// contendAlpha holds a mutex for d while another goroutine waits for it (a
// mutex-profile event, charged to the holder's Unlock).
//
//go:noinline
func contendAlpha(d time.Duration) {
	var mu sync.Mutex
	mu.Lock()
	done := make(chan struct{})
	go func() {
		mu.Lock()
		mu.Unlock()
		close(done)
	}()
	time.Sleep(d)
	mu.Unlock()
	<-done
}

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
