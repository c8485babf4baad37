package profiling

import (
	"context"
	"fmt"
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

// CaptureContention takes a block and a mutex profile of one run of fn,
// both recorded at once (every event, as Capture records each): one pass
// where Capture takes two. The rates are set for the pass and put back
// after it. Only one capture runs at a time in a process (ErrBusy).
func CaptureContention(ctx context.Context, fn func(context.Context) error) (block, mutex *profile.Profile, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("capture block and mutex profiles: %w", err)
	}
	if !captureMu.TryLock() {
		return nil, nil, fmt.Errorf("capture block and mutex profiles: %w", ErrBusy)
	}
	defer captureMu.Unlock()
	runtime.SetBlockProfileRate(1)
	defer runtime.SetBlockProfileRate(0)
	prev := runtime.SetMutexProfileFraction(1)
	defer runtime.SetMutexProfileFraction(prev)
	mutexBefore, err := snapshot(Mutex)
	if err != nil {
		return nil, nil, fmt.Errorf("capture mutex profile: snapshot before: %w", err)
	}
	// The block profile's snapshots are the inner pair, so that the mutex
	// snapshots taken around them add no blocking of their own to it.
	block, err = snapshotsAround(ctx, Block, fn)
	if err != nil {
		return nil, nil, fmt.Errorf("capture block profile: %w", err)
	}
	mutexAfter, err := snapshot(Mutex)
	if err != nil {
		return nil, nil, fmt.Errorf("capture mutex profile: snapshot after: %w", err)
	}
	if mutex, err = since(mutexBefore, mutexAfter, block.TimeNanos, block.DurationNanos); err != nil {
		return nil, nil, fmt.Errorf("capture mutex profile: %w", err)
	}
	block.Comments = append(block.Comments, "perfbench: block profile of one phase = snapshot after minus snapshot before (pprof -base), every event recorded (rate 1)")
	mutex.Comments = append(mutex.Comments, mutexComment+" profile of one phase = snapshot after minus snapshot before (pprof -base), every event recorded (rate 1)")
	dropOwnFrames(block)
	dropOwnFrames(mutex)
	return block, mutex, nil
}
