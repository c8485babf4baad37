package profiling

import (
	"context"
	"errors"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/attempts"
)

const pkg = "github.com/perfbench/perfbench/profiling."

// inclusive sums column idx over the samples whose stack contains fn.
func inclusive(p *profile.Profile, idx int, fn string) int64 {
	var sum int64
	for _, s := range p.Sample {
	stack:
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if ln.Function != nil && ln.Function.Name == fn {
					sum += s.Value[idx]
					break stack
				}
			}
		}
	}
	return sum
}

func TestCaptureEachKind(t *testing.T) {
	const allocBytes, retainBytes = 32 << 20, 16 << 20
	tests := []struct {
		kind   Kind
		before func() // runs before the capture: must not show in it
		run    func()
		types  string
		index  string // default value column
		fn     string // must carry a positive value
		want   int64  // if set, fn's value must be within [want/2, want*2]
		absent string // must not appear at all
	}{
		{
			kind: CPU, run: func() { burnAlpha(150 * time.Millisecond) },
			types: cpuTypes, index: "cpu", fn: pkg + "burnAlpha",
		},
		{
			kind: Wall, run: func() { sleepAlpha(100 * time.Millisecond) },
			types: wallTypes, index: "time", fn: pkg + "sleepAlpha",
		},
		{
			kind: Allocs, before: func() { allocBeta(allocBytes) }, run: func() { allocAlpha(allocBytes) },
			types: memoryTypes, index: "alloc_space", fn: pkg + "allocAlpha", want: allocBytes,
			absent: pkg + "allocBeta",
		},
		{
			kind: Heap, before: func() { allocBeta(allocBytes) }, run: func() { retainGamma(retainBytes) },
			types: memoryTypes, index: "inuse_space", fn: pkg + "retainGamma", want: retainBytes,
			absent: pkg + "allocBeta",
		},
		{
			kind: Block, run: func() { waitAlpha(30 * time.Millisecond) },
			types: contentionTypes, index: "delay", fn: pkg + "waitAlpha",
		},
		{
			kind: Mutex, run: func() { contendAlpha(30 * time.Millisecond) },
			types: contentionTypes, index: "delay", fn: pkg + "contendAlpha",
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Cleanup(func() { retained = nil })
			// fgprof samples from a goroutine of its own at 99 Hz: on a
			// loaded machine it can miss all of a 100 ms pass, which then
			// holds no sample at all. That pass is run again, a bounded
			// number of times; a pass with samples is judged as it is.
			var p *profile.Profile
			if err := attempts.Judge(attempts.Max, t.Logf, func(int) string {
				if tt.before != nil {
					tt.before()
					// Its last object, still in allocSink, would be freed
					// during the phase (by allocAlpha) and show there as
					// allocBeta's in-use memory going down, whenever it was
					// one of the sampled allocations.
					allocSink = nil
				}
				p = capture(t, tt.kind, tt.run)
				if tt.kind == Wall && len(p.Sample) == 0 {
					return "no fgprof tick fired during the pass: the machine starved the sampler"
				}
				return ""
			}); err != nil {
				t.Fatal(err)
			}

			if got := sampleTypes(p); got != tt.types {
				t.Errorf("sample types = %s, want %s", got, tt.types)
			}
			if got, err := KindOf(p); err != nil || got != tt.kind {
				t.Errorf("KindOf = %q, %v; want %s", got, err, tt.kind)
			}
			def, _ := p.SampleIndexByName("")
			idx, err := p.SampleIndexByName(tt.index)
			if err != nil || def != idx {
				t.Fatalf("default sample index = %d, %s is %d (%v)", def, tt.index, idx, err)
			}
			got := inclusive(p, idx, tt.fn)
			if got <= 0 {
				t.Fatalf("%s carries %d %s, want > 0", tt.fn, got, tt.index)
			}
			if tt.want != 0 && (got < tt.want/2 || got > tt.want*2) {
				t.Errorf("%s carries %d %s, want about %d: the profile must hold this phase only", tt.fn, got, tt.index, tt.want)
			}
			if tt.absent != "" {
				for _, f := range p.Function {
					if f.Name == tt.absent {
						t.Errorf("%s, which ran before the capture, is in the profile", tt.absent)
					}
				}
			}
			// The profile must survive a write and parse, as Save and Load do.
			if _, err := profile.ParseData(mustBytes(t, p)); err != nil {
				t.Fatalf("captured profile does not round-trip: %v", err)
			}
		})
	}
}

func TestCaptureErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			// A failing workload is reported and the profiler released: the
			// next capture of the same kind must work.
			_, err := Capture(context.Background(), k, func(context.Context) error { return boom })
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want it to wrap boom", err)
			}

			// So is one that panics; the panic reaches the caller unchanged.
			func() {
				defer func() {
					if r := recover(); r != boom {
						t.Fatalf("recovered %v, want boom", r)
					}
				}()
				_, _ = Capture(context.Background(), k, func(context.Context) error { panic(boom) })
			}()

			// Profilers are process-wide: a nested capture is refused, not
			// run into a polluted or failing profile.
			var nested error
			if _, err := Capture(context.Background(), k, func(ctx context.Context) error {
				_, nested = Capture(ctx, CPU, func(context.Context) error { return nil })
				return nil
			}); err != nil {
				t.Fatalf("outer capture: %v", err)
			}
			if !errors.Is(nested, ErrBusy) {
				t.Fatalf("nested capture err = %v, want ErrBusy", nested)
			}

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			ran := false
			_, err = Capture(ctx, k, func(context.Context) error { ran = true; return nil })
			if !errors.Is(err, context.Canceled) || ran {
				t.Fatalf("cancelled: err = %v, ran = %v; want context.Canceled without running", err, ran)
			}
		})
	}

	if _, err := Capture(context.Background(), Kind("goroutine"), work(func() {})); err == nil {
		t.Fatal("unknown kind: want error")
	}
}

// The contention rates are process settings with a cost on every event:
// on for their own pass only, off again after it.
func TestCaptureContentionResetsRates(t *testing.T) {
	prev := runtime.SetMutexProfileFraction(-1)
	capture(t, Mutex, func() { contendAlpha(10 * time.Millisecond) })
	if got := runtime.SetMutexProfileFraction(-1); got != prev {
		t.Errorf("mutex profile fraction after the pass = %d, want %d as before", got, prev)
	}
	capture(t, Block, func() { waitAlpha(10 * time.Millisecond) })
	before := pprof.Lookup("block").Count()
	waitBeta(10 * time.Millisecond)
	if after := pprof.Lookup("block").Count(); after != before {
		t.Errorf("block profile grew from %d to %d records after the pass: the rate was left on", before, after)
	}
}

// fgprof panics when stopped before its first tick; Capture must pad the pass.
func TestCaptureWallOfInstantWorkload(t *testing.T) {
	for range 3 {
		p := capture(t, Wall, func() {})
		if k, err := KindOf(p); err != nil || k != Wall {
			t.Fatalf("KindOf = %q, %v", k, err)
		}
	}
}

// Isolation, sharpest form: garbage and live memory from before the phase,
// and the capture's own snapshotting, must all be absent.
func TestCaptureMemoryOfEmptyPhaseIsEmpty(t *testing.T) {
	t.Cleanup(func() { retained = nil })
	for _, k := range []Kind{Allocs, Heap} {
		allocAlpha(8 << 20)
		retainGamma(4 << 20)
		p := capture(t, k, func() {})
		for _, s := range p.Sample {
			if runtimeOwn(s) {
				continue
			}
			t.Errorf("%s: unexpected sample %v at %s", k, s.Value, flatName(s.Location[0]))
		}
	}
}

// runtimeOwn reports whether s is the Go runtime's own work, every frame in
// package runtime: e.g. the background scavenger growing a P's timer heap.
// No Go code of the process caused it, it may fall in any phase, and the
// isolation test above does not claim to remove it (dropOwnFrames keeps it).
func runtimeOwn(s *profile.Sample) bool {
	for _, loc := range s.Location {
		for _, ln := range loc.Line {
			if ln.Function == nil || !strings.HasPrefix(ln.Function.Name, "runtime.") {
				return false
			}
		}
	}
	return len(s.Location) > 0
}

// TestEmptyWallIsAWallProfile: a wall pass in which no fgprof tick fired
// (fgprof's stop then panics dividing by a zero rate) becomes an empty wall
// profile that KindOf recognises, that survives a write and parse, and that
// merges with a real wall pass, so the pass sizing can continue it.
func TestEmptyWallIsAWallProfile(t *testing.T) {
	now := time.Now()
	empty := emptyWall(now, now.Add(time.Millisecond))
	if k, err := KindOf(empty); err != nil || k != Wall {
		t.Fatalf("KindOf = %q, %v; want wall", k, err)
	}
	if _, err := profile.ParseData(mustBytes(t, empty)); err != nil {
		t.Fatalf("empty wall profile does not round-trip: %v", err)
	}
	real := capture(t, Wall, func() { sleepAlpha(60 * time.Millisecond) })
	merged, err := profile.Merge([]*profile.Profile{empty, real})
	if err != nil {
		t.Fatalf("merge with a real wall profile: %v", err)
	}
	if len(merged.Sample) == 0 {
		t.Fatal("merged profile lost the real pass's samples")
	}
}
