package router

import "github.com/perfbench/perfbench/runtime/signal"

// Run routes a run of consecutive signals, e.g. the signals of one batch:
// while the type repeats and the routes are unchanged, the handlers of the
// first signal's lookup serve the others without another lookup. A route
// set with a Match predicate is looked up per signal, since a predicate may
// decide differently for two signals of one type; so is a type that matches
// nothing, whose error names the signal's type each time.
//
// The handlers are the same, in the same order, as AppendHandlers gives for
// each signal. Only the lookup count differs, and with it the cache's
// counters (one lookup per run is counted, not one per signal). The zero
// value is ready to use; a Run belongs to one router and one goroutine.
type Run[H any] struct {
	snap *snapshot[H] // the route generation hs was computed for
	typ  string
	hs   []H
	ok   bool
}

// Reset forgets the remembered lookup, e.g. at the end of a batch, so the
// handlers it holds can be collected.
func (run *Run[H]) Reset() {
	clear(run.hs)
	run.hs, run.snap, run.typ, run.ok = run.hs[:0], nil, "", false
}

// Continues reports whether sig continues run: whether AppendRun would
// answer it from the run's memo, with the handlers it gave the signal
// before, so that a caller holding those handlers (and what it derived
// from them) may use them again without calling AppendRun.
func (r *Router[H]) Continues(run *Run[H], sig *signal.Signal) bool {
	return run.continues(r.snap.Load(), sig)
}

func (run *Run[H]) continues(s *snapshot[H], sig *signal.Signal) bool {
	return run.ok && run.snap == s && sig != nil && sig.Type() == run.typ
}

// AppendRun is AppendHandlers for the next signal of a run.
func (r *Router[H]) AppendRun(run *Run[H], dst []H, sig *signal.Signal) ([]H, error) {
	// Loaded before the lookup: a change between the two makes the memo
	// older than its tag says, which can only cause a miss, never a stale hit.
	s := r.snap.Load()
	if run.continues(s, sig) {
		return append(dst, run.hs...), nil
	}
	run.ok = false
	n := len(dst)
	dst, err := r.AppendHandlers(dst, sig)
	if err != nil || s.pred {
		return dst, err
	}
	run.snap, run.typ, run.ok = s, sig.Type(), true
	run.hs = append(run.hs[:0], dst[n:]...)
	return dst, nil
}
