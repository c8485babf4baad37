package profiling

import (
	"context"
	"runtime"

	"github.com/google/pprof/profile"
)

// mutexComment opens the comment that marks a captured mutex profile, the
// only thing that tells it from a block profile (see KindOf).
const mutexComment = "perfbench: mutex"

// captureContention records every blocking event (block) or every
// contended mutex (mutex) while fn runs, and only then: the rate is a
// process setting that costs on every such event, so it is set for this
// pass and put back after it, also when fn fails. The block rate has no
// getter; it goes back to 0, the runtime's default.
func captureContention(ctx context.Context, kind Kind, fn func(context.Context) error) (*profile.Profile, error) {
	if kind == Block {
		runtime.SetBlockProfileRate(1)
		defer runtime.SetBlockProfileRate(0)
	} else {
		prev := runtime.SetMutexProfileFraction(1)
		defer runtime.SetMutexProfileFraction(prev)
	}
	p, err := snapshotsAround(ctx, kind, fn)
	if err != nil {
		return nil, err
	}
	comment := "perfbench: block"
	if kind == Mutex {
		comment = mutexComment
	}
	p.Comments = append(p.Comments, comment+" profile of one phase = snapshot after minus snapshot before (pprof -base), every event recorded (rate 1)")
	return p, nil
}
