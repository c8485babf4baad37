package measure

import (
	"context"
	"fmt"
	"runtime"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

// Target is one side of a comparison as the engine sees it: something that
// builds fresh instances of a workload. It may live in this process (Local)
// or in another one, such as a perfbench worker built from another commit;
// the engine cannot tell the difference.
type Target interface {
	// String names the side in results: its feature set, e.g. "none" or
	// "jit+caching" (a worker would add its build).
	String() string
	// Open builds a fresh, not yet warmed-up instance.
	Open(ctx context.Context) (Instance, error)
}

// Instance is one built side, alive until Close.
type Instance interface {
	// Run performs n operations and returns every per-operation metric of
	// exactly those n, measured where the instance lives: the engine's
	// (EngineMetrics, from runtime/metrics and getrusage) and the
	// workload's own.
	Run(ctx context.Context, n int) (map[string]float64, error)
	// Profile performs n operations while capturing one profile of kind;
	// only the n operations are profiled.
	Profile(ctx context.Context, kind profiling.Kind, n int) (*profile.Profile, error)
	// Close stops everything the instance started.
	Close() error
}

// ProfiledRunner is an Instance that can take a CPU profile of a measured
// run (Settings.ProfileCPU).
type ProfiledRunner interface {
	// RunProfiled is Run with a CPU profile of exactly the measured span:
	// the same metrics, measured the same way, and the profile encoded as
	// profile.Parse reads it. The engine keeps round profiles encoded
	// (Result.roundCPU), so a side in another process hands on the bytes
	// it received, unparsed.
	RunProfiled(ctx context.Context, n int) (map[string]float64, []byte, error)
}

// Warmer is an Instance that can warm up without what Run wraps around its
// operations: the collection before them and the figures read around them
// (Settings.FreshWarmUp).
type Warmer interface {
	// Warm performs n operations and measures nothing.
	Warm(ctx context.Context, n int) error
}

// ContentionProfiler is an Instance that can take the block and the mutex
// profile of one run at once (profiling.CaptureContention), so that the
// two cost one pass.
type ContentionProfiler interface {
	ProfileContention(ctx context.Context, n int) (block, mutex *profile.Profile, err error)
}

// EngineMetrics are measured for every workload. Noise thresholds reflect
// what an A/A run on a shared 2-core machine shows: time moves by a few
// percent, allocation counts hardly at all. Tolerances are the regression
// gate's: time moves between sessions by tens of percent, so its gate is
// wide; GC and heap figures depend on pacing more than on the code, so they
// are not gated at all.
func EngineMetrics() []stats.Metric {
	return []stats.Metric{
		{Name: NsPerOp, Better: stats.LowerIsBetter, Noise: 0.03, Gate: stats.TimeGate},
		{Name: OpsPerSec, Better: stats.HigherIsBetter, Noise: 0.03, Gate: stats.TimeGate},
		{Name: CPUNsPerOp, Better: stats.LowerIsBetter, Noise: 0.03, Gate: stats.TimeGate},
		// Floors: less than the smallest allocation (8 B) per op, or than
		// one allocation per 20 ops, is per-round fixed cost (the worker
		// protocol, the heap sampler) spread over the round, not per-op work.
		{Name: BytesPerOp, Better: stats.LowerIsBetter, Noise: 0.01, Gate: stats.AllocGate, Floor: 8},
		{Name: AllocsPerOp, Better: stats.LowerIsBetter, Noise: 0.01, Gate: stats.AllocGate, Floor: 0.05},
		// A handful of GC cycles per round: judged as a count.
		{Name: GCPerOp, Better: stats.LowerIsBetter, Noise: 0.05, Gate: stats.Ungated, Count: true},
		{Name: GCPauseNsOp, Better: stats.LowerIsBetter, Noise: 0.10, Gate: stats.Ungated},
		{Name: PeakHeap, Better: stats.LowerIsBetter, Noise: 0.05, Gate: stats.Ungated},
	}
}

// Local runs workload w with feature set f in this process.
func Local(w workloads.Workload, f features.Set) Target { return local{w, f} }

type local struct {
	w workloads.Workload
	f features.Set
}

func (l local) String() string { return l.f.String() }

func (l local) Open(context.Context) (Instance, error) {
	if l.w.New == nil {
		return nil, fmt.Errorf("workload %q cannot be built", l.w.Name)
	}
	inst, err := l.w.New(l.f)
	if err != nil {
		return nil, fmt.Errorf("build %s (%s): %w", l.w.Name, l.f, err)
	}
	return &localInstance{inst: inst, counters: NewCounterReader()}, nil
}

type localInstance struct {
	inst     workloads.Instance
	counters *CounterReader
}

func (li *localInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	// Start from a collected heap so a run does not pay for the garbage of
	// the one before; the GC is outside the measured span. One GC, not two:
	// it moves every sync.Pool's contents to the victim cache, where the
	// run still finds them, so the pools the warm-up filled start the run
	// warm; a second would empty the victims and make the first operations
	// of every round allocate afresh.
	runtime.GC()
	return li.span(ctx, n)
}

// RunProfiled is Run inside a CPU capture. The GC before the span stays
// outside the profile; starting and stopping the profiler (and writing
// the profile out) stay outside the span, and profiling.Capture drops the
// samples of the harness's own goroutines, such as the peak-heap sampler.
// The profile is gzipped (keep): a suite in this process holds it until
// its run's turn.
func (li *localInstance) RunProfiled(ctx context.Context, n int) (map[string]float64, []byte, error) {
	runtime.GC()
	var values map[string]float64
	prof, err := profiling.Capture(ctx, profiling.CPU, func(ctx context.Context) error {
		var err error
		values, err = li.span(ctx, n)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	data, err := keep(prof)
	if err != nil {
		return nil, nil, fmt.Errorf("encode the cpu profile: %w", err)
	}
	return values, data, nil
}

// span measures n operations from the counters around them.
func (li *localInstance) span(ctx context.Context, n int) (map[string]float64, error) {
	stop, peak := samplePeakHeap(ctx)
	before := li.counters.Read()
	extra, err := li.inst.Run(ctx, n)
	after := li.counters.Read()
	stop()
	if err != nil {
		return nil, err
	}
	values := PerOp(before, after, n, *peak)
	for k, v := range extra {
		values[k] = v
	}
	return values, nil
}

// Warm runs the operations alone: a warm-up is not measured, so there is
// no heap to start it from and no figure to read.
func (li *localInstance) Warm(ctx context.Context, n int) error {
	_, err := li.inst.Run(ctx, n)
	return err
}

func (li *localInstance) Profile(ctx context.Context, kind profiling.Kind, n int) (*profile.Profile, error) {
	return profiling.Capture(ctx, kind, func(ctx context.Context) error {
		_, err := li.inst.Run(ctx, n)
		return err
	})
}

func (li *localInstance) ProfileContention(ctx context.Context, n int) (block, mutex *profile.Profile, err error) {
	return profiling.CaptureContention(ctx, func(ctx context.Context) error {
		_, err := li.inst.Run(ctx, n)
		return err
	})
}

func (li *localInstance) Close() error { return li.inst.Close() }

var (
	_ Target             = local{}
	_ ProfiledRunner     = (*localInstance)(nil)
	_ Warmer             = (*localInstance)(nil)
	_ ContentionProfiler = (*localInstance)(nil)
)
