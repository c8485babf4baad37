package measure

import (
	"context"
	"errors"
)

// Prestarter is a Target whose Open pays for a start-up that can be done
// ahead of time, while another side is opened and warmed up: a worker
// process started up to its hello, idle until the Open that takes it.
// Every instance is still opened afresh; only the wait for the start-up
// moves out of the round.
type Prestarter interface {
	// Prestart readies what a later Open of this target will use, and
	// returns it, or nil when there is nothing to ready ahead. The Opens
	// of a target take its spares in the order Prestart made them.
	Prestart(ctx context.Context) Spare
}

// Spare is a start-up made ahead by Prestart.
type Spare interface {
	// Ready waits until the spare is idle (a worker that said hello) or
	// failed to start; a failure also surfaces from the Open that takes it.
	Ready() error
	// Discard ends a spare that no Open took, and waits until it is gone
	// (a worker process killed and reaped); for a spare an Open took it
	// does nothing. It is safe to call more than once.
	Discard()
}

// AsyncCloser is an Instance whose Close can finish in the background: a
// worker process asked to close goes on exiting and is reaped while the
// next side is opened and warmed up.
type AsyncCloser interface {
	// CloseAsync starts the Close and returns a wait for its end, with
	// its error; wait may be called more than once.
	CloseAsync() (wait func() error)
}

// pacer keeps the start-ups and exits of processes out of the measured
// runs: the engine prestarts the next member's process while the current
// one opens and warms up, closes a measured instance in the background,
// and, before every measured run, waits until all of those are done
// (barrier), so that nothing but the measured side works while it is
// measured.
type pacer struct {
	ready   []Spare        // prestarted, not yet waited for
	spares  []Spare        // every spare, to be discarded at the end
	closing []func() error // closes still under way
}

// prestart readies the next Open of t, when t can be prestarted.
func (pc *pacer) prestart(ctx context.Context, t Target) {
	ps, ok := t.(Prestarter)
	if !ok {
		return
	}
	if s := ps.Prestart(ctx); s != nil {
		pc.ready = append(pc.ready, s)
		pc.spares = append(pc.spares, s)
	}
}

// close closes inst after its measured run, in the background when it
// can; the error of such a close comes from the next barrier. An instance
// that cannot is closed in place, its error ignored: the round's values
// are taken.
func (pc *pacer) close(inst Instance) {
	if ac, ok := inst.(AsyncCloser); ok {
		pc.closing = append(pc.closing, ac.CloseAsync())
		return
	}
	_ = inst.Close()
}

// barrier waits until every prestarted spare is ready and every close has
// ended. A spare that failed is left for the Open that takes it to report
// (with its context); a close that failed is reported here.
func (pc *pacer) barrier() error {
	for _, s := range pc.ready {
		_ = s.Ready()
	}
	pc.ready = nil
	var errs []error
	for _, wait := range pc.closing {
		errs = append(errs, wait())
	}
	pc.closing = nil
	return errors.Join(errs...)
}

// finish discards every spare no Open took and waits for every close, so
// that no process outlives the measurement; it returns the errors of the
// closes.
func (pc *pacer) finish() error {
	for _, s := range pc.spares {
		s.Discard()
	}
	pc.spares = nil
	return pc.barrier()
}
