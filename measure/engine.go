// Package measure is the engine between workloads and reports: it builds a
// workload twice (toggle off and on), calibrates and warms both up, then
// runs them in alternating rounds — off, on, off, on … — so that drift on a
// shared machine hits both sides alike, and records per round the time,
// CPU, allocation and GC figures (from runtime/metrics and getrusage) with
// the workload's own metrics. Profiling is never done here, during measured
// rounds: Pair.Run lets the caller profile in separate passes.
package measure

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/workloads"
)

// Side is one half of a comparison.
type Side int

const (
	Off Side = iota
	On
)

func (s Side) String() string {
	if s == On {
		return "on"
	}
	return "off"
}

// Rounds limits: a p-value needs 4 per side, a 95 % CI 6; fewer than
// MinRounds cannot compare anything.
const (
	MinRounds     = 2
	DefaultRounds = 10
	CIRounds      = 6
)

// Settings control one measurement.
type Settings struct {
	Rounds    int       `json:"rounds"` // per side
	Benchtime Benchtime `json:"-"`
}

// Validate rejects settings that cannot produce a comparison.
func (s Settings) Validate() error {
	if s.Rounds < MinRounds {
		return fmt.Errorf("invalid rounds %d: need at least %d per side (%d for a 95 %% confidence interval, %d recommended)", s.Rounds, MinRounds, CIRounds, DefaultRounds)
	}
	if s.Benchtime.D <= 0 && s.Benchtime.N <= 0 {
		return fmt.Errorf("invalid benchtime: want a positive duration or count")
	}
	return nil
}

// Round is one measured run of one side.
type Round struct {
	Side   string             `json:"side"`
	Index  int                `json:"index"`
	Ops    int                `json:"ops"`
	Values map[string]float64 `json:"values"`
}

// Result is everything one measurement produced.
type Result struct {
	Workload  string          `json:"workload"`
	Off       string          `json:"off"` // features.Set.String of each side
	On        string          `json:"on"`
	Rounds    int             `json:"rounds"`
	Benchtime string          `json:"benchtime"`
	Metrics   []report.Metric `json:"metrics"`
	Samples   []Round         `json:"samples"`
}

// Values returns one metric's per-round values for a side, in round order.
func (r *Result) Values(side Side, metric string) []float64 {
	var out []float64
	for _, s := range r.Samples {
		if v, ok := s.Values[metric]; ok && s.Side == side.String() {
			out = append(out, v)
		}
	}
	return out
}

// Compare summarizes and compares every metric.
func (r *Result) Compare() []report.Comparison {
	var cs []report.Comparison
	for _, m := range r.Metrics {
		cs = append(cs, report.Compare(m, r.Values(Off, m.Name), r.Values(On, m.Name)))
	}
	return cs
}

// EngineMetrics are measured for every workload. Noise thresholds reflect
// what an A/A run on a shared 2-core machine shows: time moves by a few
// percent, allocation counts hardly at all.
func EngineMetrics() []report.Metric {
	return []report.Metric{
		{Name: NsPerOp, Better: report.LowerIsBetter, Noise: 0.03},
		{Name: OpsPerSec, Better: report.HigherIsBetter, Noise: 0.03},
		{Name: CPUNsPerOp, Better: report.LowerIsBetter, Noise: 0.03},
		{Name: BytesPerOp, Better: report.LowerIsBetter, Noise: 0.01},
		{Name: AllocsPerOp, Better: report.LowerIsBetter, Noise: 0.01},
		{Name: GCPerOp, Better: report.LowerIsBetter, Noise: 0.05},
		{Name: GCPauseNsOp, Better: report.LowerIsBetter, Noise: 0.10},
		{Name: PeakHeap, Better: report.LowerIsBetter, Noise: 0.05},
	}
}

// Event reports progress.
type Event struct {
	Phase  string // "build", "calibrate", "round"
	Side   Side
	Round  int // 1-based, for "round"
	Rounds int
}

// Pair is a workload to be run on two sides. Every round builds the side's
// runtime afresh, warms it up, measures it and closes it, so that only one
// side's runtime is alive while it is measured: what one side retains (a
// bus log full of copies, say) never inflates the other's heap, GC goal or
// GC work.
type Pair struct {
	W    workloads.Workload
	Sets [2]features.Set
	ops  [2]int
}

// NewPair prepares a comparison of w under off and on.
func NewPair(w workloads.Workload, off, on features.Set) (*Pair, error) {
	if w.New == nil {
		return nil, fmt.Errorf("workload %q cannot be built", w.Name)
	}
	return &Pair{W: w, Sets: [2]features.Set{off, on}}, nil
}

// Close releases the pair. Instances are closed after each use, so there is
// nothing left to stop; it exists so callers can defer it.
func (p *Pair) Close() error { return nil }

// Ops is the calibrated operation count of one round of a side (0 before
// Measure).
func (p *Pair) Ops(side Side) int { return p.ops[side] }

// Open builds one side and warms it up with a tenth of a round (at least
// one operation): caches, pools and the JIT plan start a round warm, as they
// would in a long-running service. The caller closes it.
func (p *Pair) Open(ctx context.Context, side Side) (workloads.Instance, error) {
	inst, err := p.W.New(p.Sets[side])
	if err != nil {
		return nil, fmt.Errorf("build %s (%s): %w", p.W.Name, side, err)
	}
	if _, err := inst.Run(ctx, max(1, p.ops[side]/10)); err != nil {
		inst.Close()
		return nil, fmt.Errorf("warm up %s (%s): %w", p.W.Name, side, err)
	}
	return inst, nil
}

// Run performs n operations on a freshly opened side, outside any
// measurement.
func (p *Pair) Run(ctx context.Context, side Side, n int) error {
	inst, err := p.Open(ctx, side)
	if err != nil {
		return err
	}
	defer inst.Close()
	_, err = inst.Run(ctx, n)
	return err
}

// Measure calibrates both sides, then runs the alternating rounds.
func (p *Pair) Measure(ctx context.Context, s Settings, progress func(Event)) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(Event) {}
	}
	for _, side := range []Side{Off, On} {
		progress(Event{Phase: "calibrate", Side: side})
		n, err := p.calibrate(ctx, side, s.Benchtime)
		if err != nil {
			return nil, fmt.Errorf("calibrate %s: %w", side, err)
		}
		p.ops[side] = n
	}
	res := &Result{
		Workload: p.W.Name, Off: p.Sets[Off].String(), On: p.Sets[On].String(),
		Rounds: s.Rounds, Benchtime: s.Benchtime.String(),
		Metrics: append(EngineMetrics(), p.W.Metrics...),
	}
	sample := make([]metrics.Sample, len(runtimeMetrics))
	for i, name := range runtimeMetrics {
		sample[i].Name = name
	}
	for r := 0; r < s.Rounds; r++ {
		for _, side := range []Side{Off, On} {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			progress(Event{Phase: "round", Side: side, Round: r + 1, Rounds: s.Rounds})
			values, err := p.round(ctx, side, sample)
			if err != nil {
				return nil, fmt.Errorf("round %d %s: %w", r+1, side, err)
			}
			res.Samples = append(res.Samples, Round{Side: side.String(), Index: r, Ops: p.ops[side], Values: values})
		}
	}
	return res, nil
}

// calibrate finds the operation count that fills the benchtime, the way
// `go test` grows b.N, on one instance of the side. It starts from, and
// never goes below, the workload's MinOps: a first run that already takes
// longer than the benchtime must not leave a round of one operation. An
// explicit count (5000x) is taken as given.
func (p *Pair) calibrate(ctx context.Context, side Side, bt Benchtime) (int, error) {
	if bt.N > 0 {
		return bt.N, nil
	}
	inst, err := p.W.New(p.Sets[side])
	if err != nil {
		return 0, fmt.Errorf("build %s (%s): %w", p.W.Name, side, err)
	}
	defer inst.Close()
	n := max(1, p.W.MinOps)
	for {
		start := time.Now()
		if _, err := inst.Run(ctx, n); err != nil {
			return 0, err
		}
		el := time.Since(start)
		if el >= bt.D || n >= 1e9 {
			return n, nil
		}
		next := int(float64(n) * 1.2 * float64(bt.D) / float64(max(el, time.Microsecond)))
		n = min(max(next, n+1), 100*n, 1e9)
	}
}

func (p *Pair) round(ctx context.Context, side Side, sample []metrics.Sample) (map[string]float64, error) {
	inst, err := p.Open(ctx, side)
	if err != nil {
		return nil, err
	}
	defer inst.Close()
	// Start from a collected heap so a round does not pay for the garbage
	// of the one before.
	runtime.GC()
	stop, peak := samplePeakHeap()
	before := readCounters(sample)
	extra, err := inst.Run(ctx, p.ops[side])
	after := readCounters(sample)
	stop()
	if err != nil {
		return nil, err
	}
	values := perOp(before, after, p.ops[side], *peak)
	for k, v := range extra {
		values[k] = v
	}
	return values, nil
}

// samplePeakHeap polls the heap size every 2 ms until stop is called.
func samplePeakHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, peak
}
