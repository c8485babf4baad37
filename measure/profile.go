package measure

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// MaxProfileStretch bounds how far ProfileOps lengthens a pass to reach
// profiling.TargetSamples: at most this many times the profile time.
const MaxProfileStretch = 2

// ProfileOps is how many operations one side's profiling pass of kind runs,
// from that side's medians in the measurement. Each side fills d, so the
// faster side runs more operations and its profile is as rich as the
// other's (profiling.Compare scales both to equal work before diffing).
// Where the measurement predicts fewer than profiling.TargetSamples samples
// in d — CPU samples from cpu-ns/op at profiling.CPUHz, sampled allocations
// from B/op at runtime.MemProfileRate — the pass is lengthened towards the
// target, up to MaxProfileStretch·d. A side that barely uses CPU or barely
// allocates stays thin: there is little to see, and the table says so.
func (r *Result) ProfileOps(k profiling.Kind, d time.Duration, side stats.Side) int {
	nsOp := r.median(side, NsPerOp)
	if nsOp <= 0 {
		return 1
	}
	n := float64(d.Nanoseconds()) / nsOp
	var perOp float64 // samples expected per operation
	switch k {
	case profiling.CPU:
		perOp = r.median(side, CPUNsPerOp) * profiling.CPUHz / 1e9
	case profiling.Heap, profiling.Allocs:
		if rate := runtime.MemProfileRate; rate > 0 {
			perOp = r.median(side, BytesPerOp) / float64(rate)
		}
	}
	if perOp > 0 && n*perOp < profiling.TargetSamples {
		n = min(MaxProfileStretch*n, profiling.TargetSamples/perOp)
	}
	return max(1, int(n))
}

// median is the median of one metric on one side, 0 without values.
func (r *Result) median(side stats.Side, metric string) float64 {
	v := r.Values(side, metric)
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// CaptureProfiles takes one profile of every kind of one side, each in a
// pass of its own on a freshly opened, warmed-up instance running ops(kind)
// operations; only those operations are profiled. A kind that
// profiling.Derive makes from another (heap and allocs: one memory pass)
// costs no pass of its own. Passes come after the measured rounds so the
// profilers never touch the numbers.
func (p *Pair) CaptureProfiles(ctx context.Context, side stats.Side, ops func(profiling.Kind) int, progress func(Event)) (map[profiling.Kind]profiling.Run, error) {
	set := profiling.Set{}
	runs := map[profiling.Kind]profiling.Run{}
	for _, k := range profiling.Kinds() {
		if from, d := profiling.Derive(set, k); d != nil {
			set[k], runs[k] = d, profiling.Run{Profile: d, Ops: runs[from].Ops}
			continue
		}
		if progress != nil {
			progress(Event{Phase: "profile " + string(k), Side: side})
		}
		inst, err := p.open(ctx, side)
		if err != nil {
			return nil, err
		}
		n := ops(k)
		prof, err := inst.Profile(ctx, k, n)
		inst.Close()
		if err != nil {
			return nil, fmt.Errorf("profile %s %s: %w", k, side, err)
		}
		set[k], runs[k] = prof, profiling.Run{Profile: prof, Ops: int64(n)}
	}
	return runs, nil
}
