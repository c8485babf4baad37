package measure

import (
	"runtime/metrics"
	"syscall"
	"time"
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

var runtimeMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/sched/pauses/total/gc:seconds",
}

// counters is a reading of the process-wide cumulative counters a round
// subtracts.
type counters struct {
	wall     time.Time
	cpu      time.Duration
	gc       uint64
	bytes    uint64
	objects  uint64
	pauseSec float64
}

func readCounters(s []metrics.Sample) counters {
	metrics.Read(s)
	c := counters{
		gc:      s[0].Value.Uint64(),
		bytes:   s[1].Value.Uint64(),
		objects: s[2].Value.Uint64(),
	}
	// The pause histogram has no sum: take each bucket's midpoint (its lower
	// edge for the open last bucket). Buckets are narrow for the pause range.
	h := s[3].Value.Float64Histogram()
	for i, n := range h.Counts {
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		mid := (lo + hi) / 2
		if hi > 1e300 {
			mid = lo
		}
		if lo < -1e300 {
			mid = hi
		}
		c.pauseSec += float64(n) * mid
	}
	c.cpu = ProcessCPU()
	c.wall = time.Now()
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

// perOp turns two readings around n operations into the engine's metrics.
func perOp(a, b counters, n int, peak uint64) map[string]float64 {
	f := float64(n)
	wall := b.wall.Sub(a.wall)
	return map[string]float64{
		NsPerOp:     float64(wall.Nanoseconds()) / f,
		OpsPerSec:   f / wall.Seconds(),
		CPUNsPerOp:  float64((b.cpu - a.cpu).Nanoseconds()) / f,
		BytesPerOp:  float64(b.bytes-a.bytes) / f,
		AllocsPerOp: float64(b.objects-a.objects) / f,
		GCPerOp:     float64(b.gc-a.gc) / f,
		GCPauseNsOp: (b.pauseSec - a.pauseSec) * 1e9 / f,
		PeakHeap:    float64(peak),
	}
}
