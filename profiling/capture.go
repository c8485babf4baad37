package profiling

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/felixge/fgprof"
	"github.com/google/pprof/profile"
)

// captureMu guards the process-wide profilers: two captures at once would
// either fail (CPU), or silently see each other's work (heap, allocs, wall).
var captureMu sync.Mutex

// ErrBusy is returned when a capture is already running in this process.
var ErrBusy = errors.New("another profile capture is in progress")

// minWallWindow keeps an fgprof pass long enough to see a few of its 99 Hz
// ticks: with none, fgprof's stop divides by a zero sample rate and panics.
const minWallWindow = 40 * time.Millisecond

// Capture runs fn while taking one profile of the given kind and returns it
// parsed. Only one capture runs at a time in a process; a concurrent (or
// nested) call gets ErrBusy rather than a profile polluted by the other one.
//
//   - cpu: a runtime/pprof CPU profile around fn at CPUHz (so fn needs a few
//     milliseconds of CPU per sample).
//   - wall: an fgprof profile around fn, on- and off-CPU time of every
//     goroutine in the process. It is its own pass, never combined with cpu.
//     A very short fn is padded to minWallWindow, which shows up as idle time.
//   - heap, allocs: runtime.GC(), a memory-profile snapshot, fn, runtime.GC(),
//     a second snapshot; the result is second minus first with pprof's -base
//     semantics, so it holds only this phase. allocs keeps alloc_space as the
//     default sample type (bytes allocated during fn); heap has inuse_space
//     (net growth of live memory across fn, negative where fn freed memory).
//   - block, mutex: the runtime's rate is set to record every event
//     (runtime.SetBlockProfileRate(1), runtime.SetMutexProfileFraction(1))
//     for this pass only and reset after it; the result is again second
//     snapshot minus first, since the runtime never clears these profiles.
//     Values are delay (nanoseconds waited) and contentions (count).
//
// Memory values are estimates: the runtime samples on average one allocation
// per runtime.MemProfileRate bytes and scales each stack's cumulative counts
// up. A memory pass runs at MemPassRate (4 KiB, or a finer rate the program
// set), put back after it, so that a phase that allocates little still
// leaves samples (see MemPassRate). Because the
// scaling is per stack and not linear, after minus before is itself an
// estimate for a stack whose average object size changed during fn. The GCs are needed
// because the runtime publishes memory-profile records only when a cycle
// completes. Allocations made by taking the first snapshot are removed, so
// an empty fn gives an (almost) empty profile; other goroutines' allocations
// during fn stay in, as the memory profile is process-wide.
func Capture(ctx context.Context, kind Kind, fn func(context.Context) error) (*profile.Profile, error) {
	if _, err := ParseKind(string(kind)); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("capture %s profile: %w", kind, err)
	}
	if !captureMu.TryLock() {
		return nil, fmt.Errorf("capture %s profile: %w", kind, ErrBusy)
	}
	defer captureMu.Unlock()

	var p *profile.Profile
	var err error
	switch kind {
	case CPU:
		p, err = captureCPU(ctx, fn)
	case Wall:
		p, err = captureWall(ctx, fn)
	case Heap, Allocs:
		p, err = captureMemory(ctx, kind, fn)
	case Block, Mutex:
		p, err = captureContention(ctx, kind, fn)
	}
	if err != nil {
		return nil, fmt.Errorf("capture %s profile: %w", kind, err)
	}
	dropOwnFrames(p)
	return p, nil
}

// runWorkload is the one frame through which Capture calls the workload:
// below it in a stack is the system under test, above it perfbench.
//
//go:noinline
func runWorkload(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

// ownFuncs are the entry points of perfbench's own profiling work: the
// capture itself (snapshots, starting and stopping profilers, the padding of
// a short wall pass) and what the harness does with profiles between passes
// (merging the parts of a pass, deriving heap from allocs, comparing,
// loading), and the body of every GoHarness goroutine. The profiles are
// process-wide, so that work is recorded too: a CPU sample in
// StopCPUProfile, a goroutine sleeping out a wall pass's padding, or a
// profile from an earlier pass freed during this one, which reads as a
// negative in-use size charged to the capture.
// Named as strings (Capture refers to this set): TestOwnFuncsExist checks
// each name against its function.
var ownFuncs = qualify("Capture", "CaptureContention", "Merge", "Derive", "Compare", "Diff", "Load", "harness")

var runWorkloadFunc = runtime.FuncForPC(reflect.ValueOf(runWorkload).Pointer()).Name()

// qualify names functions of this package as stacks spell them.
func qualify(names ...string) map[string]bool {
	pkg := strings.TrimSuffix(runWorkloadFunc, "runWorkload")
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[pkg+n] = true
	}
	return set
}

// harnessKey and harnessValue are the pprof label GoHarness gives a
// goroutine.
const harnessKey, harnessValue = "perfbench", "harness"

// GoHarness runs f in a new goroutine labelled as perfbench's own
// measuring work that runs beside a workload (the peak-heap sampler of a
// measured round): a capture drops its samples, which are not the
// workload's. The goroutine has the label from its creation: one that
// labelled itself would leave its first instructions unlabelled, and a CPU
// sample landing there (rare, but it happened in CI) is charged to the
// workload. ctx carries the caller's own labels, which the caller keeps.
func GoHarness(ctx context.Context, f func()) {
	// A goroutine inherits the labels its creator has when it is created;
	// pprof.Do sets the creator's back to ctx's when the go statement is done.
	pprof.Do(ctx, pprof.Labels(harnessKey, harnessValue), func(context.Context) { go harness(f) })
}

// harness is the body of every GoHarness goroutine, and one of ownFuncs:
// a sample the label misses (a CI run found one, taken as the goroutine
// ran, which the runtime can record without the goroutine's labels) is
// still dropped by its frame.
//
//go:noinline
func harness(f func()) { f() }

// dropOwnFrames removes the samples perfbench's own profiling work left in
// p: those of a goroutine GoHarness labelled, and those with one of
// ownFuncs in their stack (inlined frames included) and not runWorkload
// below it, i.e. not charged to the workload. Samples of the workload's own
// goroutines and of the runtime carry neither and stay.
func dropOwnFrames(p *profile.Profile) {
	p.Sample = slices.DeleteFunc(p.Sample, func(s *profile.Sample) bool {
		if slices.Contains(s.Label[harnessKey], harnessValue) {
			return true
		}
		for _, loc := range s.Location { // leaf first
			for _, ln := range loc.Line { // innermost inlined frame first
				switch name := funcName(ln); {
				case name == runWorkloadFunc:
					return false
				case ownFuncs[name]:
					return true
				}
			}
		}
		return false
	})
}

func funcName(ln profile.Line) string {
	if ln.Function == nil {
		return ""
	}
	return ln.Function.Name
}

// CPUHz is the CPU profiling rate: twice runtime/pprof's fixed 100 Hz, so
// that a pass leaves twice the samples in the same time. It stays below
// the kernel's tick because Linux fires per-thread CPU timers only at a tick
// (CONFIG_HZ, 250 on this project's machines): a busy loop profiled for one
// CPU-second here gave 193 samples at 200 Hz, 237–248 at 250 Hz and 245 at
// 500 Hz, where every lost sample under-reports CPU time, since pprof
// values each sample at one period. The cost is one SIGPROF and one stack
// walk per sample, twice pprof's usual overhead (a few microseconds, 200
// times per CPU-second), paid alike by both sides when the CPU profile is
// taken during the measured rounds (measure.Settings.ProfileCPU).
//
// runtime/pprof has no way to ask for a rate: the rate is set first with
// runtime.SetCPUProfileRate, then StartCPUProfile's own call to set 100 Hz
// is refused by the runtime, which prints rateWarning on stderr. It is
// harmless (the profile runs at CPUHz and records that period in its
// header, which pprof's values rest on), so startCPUProfile drops it.
const CPUHz = 200

// rateWarning is what the runtime prints when StartCPUProfile cannot set
// its rate.
const rateWarning = "runtime: cannot set cpu profile rate until previous profile has finished.\n"

func captureCPU(ctx context.Context, fn func(context.Context) error) (*profile.Profile, error) {
	var buf bytes.Buffer
	runtime.SetCPUProfileRate(CPUHz)
	if err := startCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	err := runThenStop(ctx, fn, func() error {
		pprof.StopCPUProfile()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return parse(buf.Bytes())
}

func captureWall(ctx context.Context, fn func(context.Context) error) (*profile.Profile, error) {
	var buf bytes.Buffer
	start := time.Now()
	stop := StartWall(&buf)
	sampled := true
	err := runThenStop(ctx, fn, func() (err error) {
		sampled, err = stop()
		return err
	})
	if err != nil {
		return nil, err
	}
	if !sampled {
		return emptyWall(start, time.Now()), nil
	}
	return parse(buf.Bytes())
}

// StartWall starts an fgprof wall-clock profile written to w when the
// returned stop is called. Stop keeps the pass at least minWallWindow long;
// fgprof's own stop divides by the rate it reached and panics when not one
// tick fired (a starved pass on a loaded machine), so stop recovers that
// case, writes nothing and reports sampled false. fgprof's sampling
// goroutine has ended by then, so recovering leaks nothing.
func StartWall(w io.Writer) (stop func() (sampled bool, err error)) {
	start := time.Now()
	stopFG := fgprof.Start(w, fgprof.FormatPprof)
	return func() (sampled bool, err error) {
		if d := time.Since(start); d < minWallWindow {
			time.Sleep(minWallWindow - d)
		}
		defer func() {
			if r := recover(); r != nil {
				if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "divide by zero") {
					sampled, err = false, nil
					return
				}
				err = fmt.Errorf("fgprof stop: %v", r)
			}
		}()
		return true, stopFG()
	}
}

// emptyWall is the fgprof profile of a pass in which no tick fired: the
// sample and period types fgprof writes, at its nominal 99 Hz, no samples.
func emptyWall(start, end time.Time) *profile.Profile {
	return &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "time", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "wallclock", Unit: "nanoseconds"},
		Period:     int64(time.Second / 99),
		TimeNanos:  start.UnixNano(), DurationNanos: int64(end.Sub(start)),
	}
}

func captureMemory(ctx context.Context, kind Kind, fn func(context.Context) error) (*profile.Profile, error) {
	defer withMemPassRate()()
	p, err := snapshotsAround(ctx, kind, fn)
	if err != nil {
		return nil, err
	}
	p.DefaultSampleType = defaultSampleType(kind)
	p.Comments = append(p.Comments, fmt.Sprintf(
		"perfbench: %s of one phase = snapshot after minus snapshot before (pprof -base), MemProfileRate %d",
		kind, runtime.MemProfileRate))
	return p, nil
}

// snapshotsAround returns the kind's cumulative profile after fn minus the
// one before it: only what happened during fn.
func snapshotsAround(ctx context.Context, kind Kind, fn func(context.Context) error) (*profile.Profile, error) {
	before, err := snapshot(kind)
	if err != nil {
		return nil, fmt.Errorf("snapshot before: %w", err)
	}
	start := time.Now()
	if err := runWorkload(ctx, fn); err != nil {
		return nil, fmt.Errorf("workload: %w", err)
	}
	elapsed := time.Since(start)
	after, err := snapshot(kind)
	if err != nil {
		return nil, fmt.Errorf("snapshot after: %w", err)
	}

	// Writing and parsing the before snapshot allocates (gzip, decoder) inside
	// the window; that is the profiler's cost, not the phase's, and Capture
	// drops it with the rest of its own frames (dropOwnFrames).
	return since(before, after, start.UnixNano(), elapsed.Nanoseconds())
}

// since is the cumulative profile after minus the one before (pprof -base:
// the same steps as -diff_base minus the pprof::base label, because both
// snapshots are one cumulative profile, not two runs), stamped with the
// phase's start and length.
func since(before, after *profile.Profile, start, elapsed int64) (*profile.Profile, error) {
	before.Scale(-1)
	if err := profile.CompatibilizeSampleTypes([]*profile.Profile{after, before}); err != nil {
		return nil, fmt.Errorf("subtract snapshots: %w", err)
	}
	p, err := profile.Merge([]*profile.Profile{after, before})
	if err != nil {
		return nil, fmt.Errorf("subtract snapshots: %w", err)
	}
	// Merge drops samples whose values all cancelled, i.e. stacks untouched
	// by the phase. Its header fields are sums over both snapshots; make them
	// describe the phase instead.
	p.TimeNanos = start
	p.DurationNanos = elapsed
	return p, nil
}

// snapshot returns the kind's cumulative profile now; a memory profile as of
// a GC that has just finished, so that allocations made before the call are
// all in it.
func snapshot(kind Kind) (*profile.Profile, error) {
	if kind == Heap || kind == Allocs {
		runtime.GC()
	}
	var buf bytes.Buffer
	if err := pprof.Lookup(string(kind)).WriteTo(&buf, 0); err != nil {
		return nil, err
	}
	return parse(buf.Bytes())
}

// runThenStop calls stop exactly once, also when fn panics: a CPU profiler
// left running fails every later capture, and fgprof's stop blocks forever
// if called a second time.
func runThenStop(ctx context.Context, fn func(context.Context) error, stop func() error) error {
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	fnErr := runWorkload(ctx, fn)
	stopped = true
	stopErr := stop()
	if fnErr != nil {
		return fmt.Errorf("workload: %w", fnErr)
	}
	if stopErr != nil {
		return fmt.Errorf("stop: %w", stopErr)
	}
	return nil
}

func parse(b []byte) (*profile.Profile, error) {
	p, err := profile.ParseData(b)
	if err != nil {
		return nil, fmt.Errorf("parse captured profile: %w", err)
	}
	return p, nil
}
