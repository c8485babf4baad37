package cluster

import "time"

// flusher sends every node's batches that reached MaxDelay: one goroutine
// per node, instead of a timer per outbox. A Go timer wakes an idle
// process up to about 1 ms late on Linux (the netpoller waits in whole
// milliseconds), and a batch that waits MaxDelay plus that makes the
// median signal wait most of MaxDelay instead of half of it; so the last
// stretch before a batch is due is slept in nanosleep, which wakes within
// the thread's timer slack (tens of µs). It wakes once per batch that
// reaches its due time, as the timer did, and blocks on a channel while no
// batch waits.
type flusher struct {
	obs  []*outbox
	kick chan struct{} // an outbox armed a batch; capacity 1
	stop chan struct{}
	done chan struct{}
}

// coarseMargin is how long before a due time the flusher stops sleeping
// on a Go timer and sleeps the rest in nanosleep: more than the timer's
// lateness, so that the timer never makes the batch late; the nanosleep
// part keeps its thread from other goroutines for at most this long plus
// the timer's lateness.
const coarseMargin = 2 * time.Millisecond

func newFlusher(obs []*outbox) *flusher {
	return &flusher{obs: obs, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// armed tells the flusher that a batch now waits (it never blocks).
func (f *flusher) armed() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// run flushes the outboxes' batches as they fall due, until stop is closed. A batch
// is armed with the clock of its first signal plus MaxDelay, and signals
// are stamped in the order they are handed over, so a batch armed while
// the flusher sleeps is not due before the one it sleeps for (but for the
// few µs two senders' clock reads and locks can swap by); it is flushed
// on the next wake-up.
func (f *flusher) run() {
	defer close(f.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		due, ok := earliestDue(f.obs)
		if !ok {
			select {
			case <-f.kick:
				continue
			case <-f.stop:
				return
			}
		}
		if d := time.Until(time.Unix(0, due)); d > coarseMargin {
			t.Reset(d - coarseMargin)
			select {
			case <-t.C:
			case <-f.stop:
				return
			}
		}
		sleepUntil(due)
		now := time.Now().UnixNano()
		for _, o := range f.obs {
			o.flushDue(now)
		}
	}
}

func (f *flusher) close() {
	close(f.stop)
	<-f.done
}

// earliestDue is the earliest due time of the batches waiting in obs.
func earliestDue(obs []*outbox) (due int64, ok bool) {
	for _, o := range obs {
		if d, armed := o.dueTime(); armed && (!ok || d < due) {
			due, ok = d, true
		}
	}
	return due, ok
}
