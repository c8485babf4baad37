package measure

import (
	"context"
	"math"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	"github.com/perfbench/perfbench/profiling"
)

// Names of the metrics the engine measures for every workload.
const (
	NsPerOp     = "ns/op"
	OpsPerSec   = "ops/s"
	CPUNsPerOp  = "cpu-ns/op"
	BytesPerOp  = "B/op"
	AllocsPerOp = "allocs/op"
	GCPerOp     = "gc/op"
	GCPauseNsOp = "gc-pause-ns/op"
	PeakHeap    = "peak-heap-B"
)

// counterMetrics are the runtime/metrics a Counters reading holds, in the
// order Read expects them.
var counterMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/sched/pauses/total/gc:seconds",
}

// Counters is one reading of the process-wide cumulative counters that a
// measured span subtracts: wall clock, process CPU, GC cycles, bytes and
// objects allocated, and total GC pause. measure and load both read them
// here, so the two commands' figures mean the same thing.
type Counters struct {
	Wall         time.Time
	CPU          time.Duration // user+system of the whole process
	GCCycles     uint64
	AllocBytes   uint64
	AllocObjects uint64
	GCPauseSec   float64 // estimated from the pause histogram
}

// CounterReader reads Counters without allocating, so that a reading taken
// at the edge of a measured span adds nothing to the span's allocations.
type CounterReader struct{ s []metrics.Sample }

// NewCounterReader prepares a reader; one per goroutine.
func NewCounterReader() *CounterReader {
	s := make([]metrics.Sample, len(counterMetrics))
	for i, name := range counterMetrics {
		s[i].Name = name
	}
	return &CounterReader{s: s}
}

// Read takes one reading.
func (r *CounterReader) Read() Counters {
	metrics.Read(r.s)
	c := Counters{
		GCCycles:     r.s[0].Value.Uint64(),
		AllocBytes:   r.s[1].Value.Uint64(),
		AllocObjects: r.s[2].Value.Uint64(),
	}
	// The pause histogram has no sum: take each bucket's midpoint (its lower
	// edge for the open last bucket). Buckets are narrow for the pause range.
	h := r.s[3].Value.Float64Histogram()
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		mid := (lo + hi) / 2
		if math.IsInf(hi, 1) {
			mid = lo
		}
		if math.IsInf(lo, -1) {
			mid = hi
		}
		c.GCPauseSec += float64(n) * mid
	}
	c.CPU = ProcessCPU()
	c.Wall = time.Now()
	return c
}

// ProcessCPU is user+system time of the whole process: the agents'
// goroutines work on behalf of the operation too, so per-goroutine time
// would undercount.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PerOp turns two readings around n operations into the engine's metrics
// (peak is the largest live heap seen in between).
func PerOp(a, b Counters, n int, peak uint64) map[string]float64 {
	f := float64(n)
	wall := b.Wall.Sub(a.Wall)
	return map[string]float64{
		NsPerOp:     float64(wall.Nanoseconds()) / f,
		OpsPerSec:   f / wall.Seconds(),
		CPUNsPerOp:  float64((b.CPU - a.CPU).Nanoseconds()) / f,
		BytesPerOp:  float64(b.AllocBytes-a.AllocBytes) / f,
		AllocsPerOp: float64(b.AllocObjects-a.AllocObjects) / f,
		GCPerOp:     float64(b.GCCycles-a.GCCycles) / f,
		GCPauseNsOp: (b.GCPauseSec - a.GCPauseSec) * 1e9 / f,
		PeakHeap:    float64(peak),
	}
}

// samplePeakHeap polls the heap size every 2 ms until stop is called.
func samplePeakHeap(ctx context.Context) (stop func(), peak *uint64) {
	peak = new(uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	profiling.GoHarness(ctx, func() {
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
	})
	return func() { close(done); wg.Wait() }, peak
}
