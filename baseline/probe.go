package baseline

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
)

// A baseline and a check run at different times, so nothing interleaves
// them: a machine busier than when the baseline was saved slows every time
// metric, and no test on the samples can tell that from slower code. The
// probe makes it visible. Before each run a fixed amount of pure CPU work
// runs on every P at once (so a competing process taking a core shows up);
// its time per unit of work is stored with the run. A check compares its
// own probes with the baseline's and warns when the machine itself moved.

const (
	probeUnits   = 1_000_000 // work units per goroutine per probe sample (a few ms)
	probeSamples = 5         // samples before each run
	// MachineShiftPct is the probe change a check warns about.
	MachineShiftPct = 5.0
)

// ProbeMetric describes the probe's figure.
var ProbeMetric = stats.Metric{Name: "probe-ns/unit", Better: stats.LowerIsBetter, Noise: 0.02}

var probeSink [64]uint64

// Probe measures the machine once: wall nanoseconds per unit of CPU work
// done on GOMAXPROCS goroutines in parallel.
func Probe() float64 {
	procs := min(runtime.GOMAXPROCS(0), len(probeSink))
	var wg sync.WaitGroup
	start := time.Now()
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			x := uint64(p) + 1
			for i := 0; i < probeUnits; i++ {
				x = x*6364136223846793005 + 1442695040888963407
				x ^= x >> 29
			}
			probeSink[p] = x
		}(p)
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / probeUnits
}

func probeSeries() []float64 {
	out := make([]float64, probeSamples)
	for i := range out {
		out[i] = Probe()
	}
	return out
}

// Take measures runs one after the other with settings s, probing the
// machine before each. before, if not nil, is called before each run.
// It returns the results and the probe samples by run ID.
func Take(ctx context.Context, runs []catalog.Run, s measure.Settings, lookup catalog.Lookup, before func(i, n int, r catalog.Run)) ([]catalog.Result, map[string][]float64, error) {
	var out []catalog.Result
	probes := map[string][]float64{}
	for i, r := range runs {
		if before != nil {
			before(i, len(runs), r)
		}
		probes[r.ID] = probeSeries()
		res, err := catalog.Measure(ctx, r, lookup, s, nil)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, res)
	}
	return out, probes, nil
}

// MachineShift compares the probes a check took with the baseline's. ok is
// false when either has none (a baseline saved without probes).
func MachineShift(b *File, probes map[string][]float64) (c stats.Comparison, ok bool) {
	var base, now []float64
	for _, r := range b.Runs {
		base = append(base, r.Probe...)
		now = append(now, probes[r.ID]...)
	}
	if len(base) == 0 || len(now) == 0 {
		return stats.Comparison{}, false
	}
	return stats.Compare(ProbeMetric, base, now), true
}

// MachineWarning says, when the probe moved significantly by more than
// MachineShiftPct, how and what it means for time metrics; "" otherwise.
func MachineWarning(c stats.Comparison) string {
	if c.P >= stats.Alpha || c.DeltaPct > -MachineShiftPct && c.DeltaPct < MachineShiftPct {
		return ""
	}
	dir := "slower"
	if c.DeltaPct < 0 {
		dir = "faster"
	}
	return fmt.Sprintf("this machine ran a fixed CPU probe %.0f %% %s than when the baseline was saved (%s; other load, a different CPU or frequency): "+
		"time metrics (ns/op, ops/s, cpu-ns/op) can move by as much for reasons other than the code; allocation metrics are not affected",
		abs(c.DeltaPct), dir, stats.PEquals(c.P))
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
