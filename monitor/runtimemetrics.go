package monitor

import (
	"math"
	"runtime/metrics"

	"github.com/perfbench/perfbench/measure"
)

// The runtime/metrics the monitor reads at the end of every interval,
// beside measure's counters (GC cycles, process CPU), which it shares with
// measure and load.
const (
	mGCCPU     = "/cpu/classes/gc/total:cpu-seconds"
	mTotalCPU  = "/cpu/classes/total:cpu-seconds"
	mHeapLive  = "/gc/heap/live:bytes"
	mHeapGoal  = "/gc/heap/goal:bytes"
	mGCPauses  = "/sched/pauses/total/gc:seconds"
	mSchedLat  = "/sched/latencies:seconds"
	mGoroutine = "/sched/goroutines:goroutines"
)

var runtimeMetricNames = []string{mGCCPU, mTotalCPU, mHeapLive, mHeapGoal, mGCPauses, mSchedLat, mGoroutine}

// runtimeReader keeps the previous reading, so that counters and
// histograms are turned into per-interval figures.
type runtimeReader struct {
	s        []metrics.Sample
	prev     []metrics.Sample
	counters *measure.CounterReader
	prevC    measure.Counters
}

func newRuntimeReader() *runtimeReader {
	r := &runtimeReader{s: make([]metrics.Sample, len(runtimeMetricNames)), counters: measure.NewCounterReader()}
	for i, n := range runtimeMetricNames {
		r.s[i].Name = n
	}
	r.prev = r.snapshot()
	r.prevC = r.counters.Read()
	return r
}

// snapshot reads every metric into a fresh slice (histograms are copied
// by metrics.Read only into a Sample's own storage, so keep one per read).
func (r *runtimeReader) snapshot() []metrics.Sample {
	s := make([]metrics.Sample, len(r.s))
	copy(s, r.s)
	for i := range s {
		s[i].Value = metrics.Value{}
	}
	metrics.Read(s)
	return s
}

// read returns the figures since the previous call.
func (r *runtimeReader) read() Runtime {
	cur, c := r.snapshot(), r.counters.Read()
	p, pc := r.prev, r.prevC
	out := Runtime{
		GCCycles:   c.GCCycles - pc.GCCycles,
		HeapLive:   cur[2].Value.Uint64(),
		HeapGoal:   cur[3].Value.Uint64(),
		Goroutines: cur[6].Value.Uint64(),
	}
	if total := cur[1].Value.Float64() - p[1].Value.Float64(); total > 0 {
		out.GCCPU = (cur[0].Value.Float64() - p[0].Value.Float64()) / total
	}
	out.GCPauseP99, out.GCPauseMax = histDelta(p[4].Value.Float64Histogram(), cur[4].Value.Float64Histogram())
	out.SchedP99, _ = histDelta(p[5].Value.Float64Histogram(), cur[5].Value.Float64Histogram())
	if wall := c.Wall.Sub(pc.Wall); wall > 0 {
		out.CPUCores = float64(c.CPU-pc.CPU) / float64(wall)
	}
	r.prev, r.prevC = cur, c
	return out
}

// histDelta gives the p99 and the maximum of the values a cumulative
// runtime histogram gained between two readings, as bucket upper edges in
// nanoseconds (the lower edge for the open last bucket); 0 when none.
func histDelta(before, after *metrics.Float64Histogram) (p99, maxNs int64) {
	counts := make([]uint64, len(after.Counts))
	var total uint64
	for i, c := range after.Counts {
		if i < len(before.Counts) {
			c -= before.Counts[i]
		}
		counts[i] = c
		total += c
	}
	if total == 0 {
		return 0, 0
	}
	edge := func(i int) int64 {
		hi := after.Buckets[i+1]
		if math.IsInf(hi, 1) {
			hi = after.Buckets[i]
		}
		return int64(hi * 1e9)
	}
	rank := uint64(math.Ceil(0.99 * float64(total)))
	var seen uint64
	found := false
	for i, c := range counts {
		seen += c
		if seen >= rank && !found {
			p99, found = edge(i), true
		}
		if c > 0 {
			maxNs = edge(i)
		}
	}
	return p99, maxNs
}
