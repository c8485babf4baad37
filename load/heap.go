package load

import (
	"math"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// Memory-trend rule. Under sustained load the live heap (the bytes the last
// GC found reachable, /gc/heap/live:bytes) must not trend upwards. The
// trend is the least-squares slope of the samples taken during the
// schedule, after the first TrendSkip of it (warm-up: pools, caches and
// the mailboxes fill). Memory is stable when the slope, projected over the
// fitted window, grows the heap by at most the larger of
// TrendGrowthFraction of the window's mean live heap and TrendGrowthFloor.
// The live heap only changes when a GC completes: with fewer than
// TrendMinGCs cycles in the window there is nothing to fit, and the verdict
// is inconclusive rather than a pass.
const (
	TrendSkip           = 0.2
	TrendGrowthFraction = 0.10
	TrendGrowthFloor    = 1 << 20
	TrendMinGCs         = 3
)

var heapMetrics = []string{"/gc/heap/live:bytes", "/memory/classes/heap/objects:bytes", "/gc/cycles/total:gc-cycles"}

func readHeap(s []metrics.Sample, t time.Duration) results.HeapSample {
	metrics.Read(s)
	return results.HeapSample{T: t, Live: s[0].Value.Uint64(), Objects: s[1].Value.Uint64(), GCs: s[2].Value.Uint64()}
}

// heapSampler reads the heap gauges every interval on its own goroutine
// until stop is called.
type heapSampler struct {
	clk      *openloop.Clock
	interval time.Duration
	samples  []results.HeapSample
	quit     chan struct{}
	wg       sync.WaitGroup
}

// sampleInterval: about 200 samples over the schedule, 10 ms to 250 ms apart.
func sampleInterval(span time.Duration) time.Duration {
	return min(max(span/200, 10*time.Millisecond), 250*time.Millisecond)
}

func startHeapSampler(clk *openloop.Clock, span time.Duration) *heapSampler {
	h := &heapSampler{clk: clk, interval: sampleInterval(span), quit: make(chan struct{})}
	h.samples = make([]results.HeapSample, 0, int(span/h.interval)+64)
	s := make([]metrics.Sample, len(heapMetrics))
	for i, n := range heapMetrics {
		s[i].Name = n
	}
	h.samples = append(h.samples, readHeap(s, time.Duration(clk.Now())))
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(h.interval)
		defer t.Stop()
		for {
			select {
			case <-h.quit:
				h.samples = append(h.samples, readHeap(s, time.Duration(clk.Now())))
				return
			case <-t.C:
				h.samples = append(h.samples, readHeap(s, time.Duration(clk.Now())))
			}
		}
	}()
	return h
}

func (h *heapSampler) stop() []results.HeapSample {
	close(h.quit)
	h.wg.Wait()
	return h.samples
}

// fitTrend applies the memory-trend rule to samples taken over a schedule
// of length span at rate operations per second.
func fitTrend(samples []results.HeapSample, span time.Duration, rate float64, interval time.Duration) results.HeapTrend {
	tr := results.HeapTrend{Samples: samples, Interval: interval.String()}
	if len(samples) == 0 {
		return tr
	}
	tr.StartLive, tr.EndLive = samples[0].Live, samples[len(samples)-1].Live
	for _, s := range samples {
		tr.PeakLive = max(tr.PeakLive, s.Live)
		tr.PeakObjects = max(tr.PeakObjects, s.Objects)
	}
	from := time.Duration(float64(span) * TrendSkip)
	tr.WindowFrom, tr.WindowTo = from.String(), span.String()
	var xs, ys []float64
	var first, last *results.HeapSample
	for i := range samples {
		s := &samples[i]
		if s.T < from || s.T > span {
			continue
		}
		if first == nil {
			first = s
		}
		last = s
		xs = append(xs, s.T.Seconds())
		ys = append(ys, float64(s.Live))
	}
	tr.Fitted = len(xs)
	if len(xs) < 2 {
		return tr
	}
	tr.GCs = last.GCs - first.GCs
	slope, mean := stats.LeastSquares(xs, ys)
	tr.SlopeBps, tr.MeanLive = slope, mean
	window := xs[len(xs)-1] - xs[0]
	tr.Growth = slope * window
	tr.Threshold = math.Max(TrendGrowthFraction*mean, TrendGrowthFloor)
	if rate > 0 {
		tr.PerOp = slope / rate
	}
	tr.Judged = tr.GCs >= TrendMinGCs
	tr.Stable = tr.Growth <= tr.Threshold
	return tr
}

// pauseCounts reads the GC pause histogram, to find the longest pause of
// the run: the highest bucket whose count grew.
func pauseCounts() (counts []uint64, buckets []float64) {
	s := []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	return append([]uint64(nil), h.Counts...), h.Buckets
}

// maxPause is the upper edge of the highest bucket that grew between two
// readings of the pause histogram.
func maxPause(before, after []uint64, buckets []float64) time.Duration {
	for i := len(after) - 1; i >= 0; i-- {
		if i < len(before) && after[i] > before[i] {
			hi := buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = buckets[i]
			}
			return time.Duration(hi * 1e9)
		}
	}
	return 0
}
