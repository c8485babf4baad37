package measure

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// ProfileOps is how many operations fill d on the off side, from the median
// ns/op the measurement found. Both sides are profiled with this same count,
// so a diff compares equal work: a function that costs less per operation
// shows as a loss, not as a gain because the faster side ran more often.
func (r *Result) ProfileOps(d time.Duration) int {
	v := r.Values(stats.Off, NsPerOp)
	if len(v) == 0 {
		return 1
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if med <= 0 {
		return 1
	}
	return max(1, int(float64(d.Nanoseconds())/med))
}

// CaptureProfiles takes one profile of every kind of one side, each in a
// pass of its own on a freshly opened, warmed-up instance running n
// operations; only the n operations are profiled. Passes come after the
// measured rounds so the profilers never touch the numbers.
func (p *Pair) CaptureProfiles(ctx context.Context, side stats.Side, n int, progress func(Event)) (profiling.Set, error) {
	set := profiling.Set{}
	for _, k := range profiling.Kinds() {
		if progress != nil {
			progress(Event{Phase: "profile " + string(k), Side: side})
		}
		inst, err := p.open(ctx, side)
		if err != nil {
			return nil, err
		}
		prof, err := inst.Profile(ctx, k, n)
		inst.Close()
		if err != nil {
			return nil, fmt.Errorf("profile %s %s: %w", k, side, err)
		}
		set[k] = prof
	}
	return set, nil
}
