// Package bus models jido_signal's Bus: publishers append signals to an
// ordered, bounded log; subscribers register a pattern and a dispatch
// target and receive every matching signal in log order; a late reader can
// replay the log from a position.
//
// Three switches act here: ZeroCopy (the log keeps the publisher's signal
// instead of a copy), Batching and JIT/Caching (passed to the bus's
// router). With Batching a Publish call is handled as a batch: each
// subscriber gets one hand-over per call instead of one per signal, a run
// of consecutive signals of one type is routed once (router.Run), and the
// copies (ZeroCopy off) are made before the bus's lock is taken, into one
// block for the call (signal.MessageCopies).
package bus

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Errors; test with errors.Is.
var (
	ErrUnknownSubscription = errors.New("bus: unknown subscription")
	ErrTruncated           = errors.New("bus: replay position no longer in the log")
	ErrNilTarget           = errors.New("bus: nil target")
)

// DefaultLogSize is how many signals the log keeps when Options.LogSize is 0.
const DefaultLogSize = 10000

// Options configure a bus.
type Options struct {
	Features features.Set
	LogSize  int
}

// Record is one logged signal and its position (0, 1, 2 … in publish order).
type Record struct {
	Pos    uint64
	Signal *signal.Signal
}

// Result accounts for one Publish: every (signal, subscriber) pair is either
// delivered or failed.
type Result struct {
	First, Last uint64 // positions given to the published signals
	Delivered   int
	Failed      int
}

// Stats are cumulative counters.
type Stats struct {
	Published, Delivered, Failed, Unrouted uint64
	Copies, BytesCopied                    uint64
}

type subscription struct {
	id      string
	pattern string
	target  dispatch.Target
}

// Bus is safe for concurrent use. Publish calls are serialized so that the
// log order is the delivery order for every subscriber.
type Bus struct {
	feat features.Set

	mu     sync.Mutex
	router *router.Router[*subscription]
	subs   map[string]*subscription
	nextID int
	log    []Record // ring
	head   int      // index of the oldest record
	n      int
	next   uint64 // position of the next signal

	published, delivered, failed, unrouted, copies, bytesCopied atomic.Uint64

	// scratch, reused under mu
	groups map[*subscription][]*signal.Signal
	order  []*subscription
	match  []*subscription
	run    router.Run[*subscription]
}

// New returns an empty bus.
func New(o Options) *Bus {
	size := o.LogSize
	if size <= 0 {
		size = DefaultLogSize
	}
	return &Bus{
		feat:   o.Features,
		router: router.New[*subscription](router.Options{JIT: o.Features.JIT, Caching: o.Features.Caching}),
		subs:   make(map[string]*subscription),
		log:    make([]Record, size),
		groups: make(map[*subscription][]*signal.Signal),
	}
}

// Subscribe delivers every later signal whose type matches pattern to t.
func (b *Bus) Subscribe(pattern string, t dispatch.Target) (string, error) {
	if t == nil {
		return "", ErrNilTarget
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	s := &subscription{id: "sub-" + strconv.Itoa(b.nextID), pattern: pattern, target: t}
	if err := b.router.Add(router.Route[*subscription]{Pattern: pattern, Handler: s}); err != nil {
		return "", fmt.Errorf("bus: subscribe: %w", err)
	}
	b.subs[s.id] = s
	return s.id, nil
}

// Unsubscribe removes a subscription.
func (b *Bus) Unsubscribe(id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.subs[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSubscription, id)
	}
	delete(b.subs, id)
	// The router removes by pattern; put back the others that share it.
	b.router.Remove(s.pattern)
	var keep []router.Route[*subscription]
	for _, o := range b.subs {
		if o.pattern == s.pattern {
			keep = append(keep, router.Route[*subscription]{Pattern: o.pattern, Handler: o})
		}
	}
	if err := b.router.Add(keep...); err != nil {
		return fmt.Errorf("bus: unsubscribe %s: %w", id, err)
	}
	return nil
}

// Publish appends sigs to the log in order and delivers each to every
// matching subscriber. A subscriber that refuses a signal (full mailbox,
// full channel) counts as Failed and its error is returned joined with the
// others; the remaining deliveries still happen.
func (b *Bus) Publish(sigs ...*signal.Signal) (Result, error) {
	for i, s := range sigs {
		if s == nil {
			return Result{}, fmt.Errorf("bus: publish: nil signal at %d", i)
		}
	}
	if b.feat.Batching {
		return b.publishBatch(sigs)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	res := Result{First: b.next}
	var errs error
	for _, s := range sigs {
		if !b.feat.ZeroCopy {
			var n int
			s, n = s.MessageCopy()
			b.copies.Add(1)
			b.bytesCopied.Add(uint64(n))
		}
		b.append(s)
		var err error
		b.match, err = b.router.AppendHandlers(b.match[:0], s)
		if err != nil {
			if errors.Is(err, router.ErrNoMatch) {
				b.unrouted.Add(1)
				continue
			}
			return res, fmt.Errorf("bus: route %s: %w", s.Type(), err)
		}
		for _, sub := range b.match {
			if err := sub.target.Deliver(s); err != nil {
				res.Failed++
				errs = errors.Join(errs, fmt.Errorf("bus: deliver to %s: %w", sub.id, err))
				continue
			}
			res.Delivered++
		}
	}
	b.count(len(sigs), &res)
	return res, errs
}

// publishBatch is Publish with Batching: the copies are made before the
// lock, a run of signals that continues the router's Run is grouped for
// its subscribers in one step (one lookup, and one append per subscriber,
// per run), and each subscriber gets its group in one hand-over.
func (b *Bus) publishBatch(sigs []*signal.Signal) (Result, error) {
	if !b.feat.ZeroCopy {
		copies, n := signal.MessageCopies(make([]*signal.Signal, 0, len(sigs)), sigs)
		b.copies.Add(uint64(len(sigs)))
		b.bytesCopied.Add(uint64(n))
		sigs = copies
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	res := Result{First: b.next}
	var errs error
	// b.match holds the handlers of sigs[start:i] while routed.
	start, routed := 0, false
	for i, s := range sigs {
		b.append(s)
		if routed && b.router.Continues(&b.run, s) {
			continue
		}
		if routed {
			b.group(sigs[start:i])
		}
		routed = false
		var err error
		b.match, err = b.router.AppendRun(&b.run, b.match[:0], s)
		if err != nil {
			if errors.Is(err, router.ErrNoMatch) {
				b.unrouted.Add(1)
				continue
			}
			return res, fmt.Errorf("bus: route %s: %w", s.Type(), err)
		}
		start, routed = i, true
	}
	if routed {
		b.group(sigs[start:])
	}
	for _, sub := range b.order {
		group := b.groups[sub]
		n, err := dispatch.DeliverAll(sub.target, group)
		res.Delivered += n
		if n < len(group) {
			res.Failed += len(group) - n
			errs = errors.Join(errs, fmt.Errorf("bus: deliver to %s: %d of %d refused: %w", sub.id, len(group)-n, len(group), err))
		}
		clear(group)
		b.groups[sub] = group[:0]
	}
	b.run.Reset()
	if len(b.order) > 0 {
		clear(b.order)
		b.order = b.order[:0]
		// Drop groups of subscribers that may be gone, keeping the map small.
		if len(b.groups) > 2*len(b.subs)+16 {
			clear(b.groups)
		}
	}
	b.count(len(sigs), &res)
	return res, errs
}

// group adds a run of signals, all routed to b.match, to the groups of
// those subscribers, in the order each subscriber first appears.
func (b *Bus) group(run []*signal.Signal) {
	for _, sub := range b.match {
		g := b.groups[sub]
		if len(g) == 0 {
			b.order = append(b.order, sub)
		}
		b.groups[sub] = append(g, run...)
	}
}

// count closes a Publish of n signals: its last position and the
// cumulative counters.
func (b *Bus) count(n int, res *Result) {
	res.Last = b.next - 1
	b.published.Add(uint64(n))
	b.delivered.Add(uint64(res.Delivered))
	b.failed.Add(uint64(res.Failed))
}

func (b *Bus) append(s *signal.Signal) {
	if b.n == len(b.log) {
		b.head = (b.head + 1) % len(b.log)
		b.n--
	}
	b.log[(b.head+b.n)%len(b.log)] = Record{Pos: b.next, Signal: s}
	b.n++
	b.next++
}

// Replay returns the logged signals at positions ≥ from whose type matches
// pattern ("" matches all), oldest first. A position that has already left
// the bounded log is an error, so a reader never silently misses signals.
func (b *Bus) Replay(from uint64, pattern string) ([]Record, error) {
	var filter *router.Router[struct{}]
	if pattern != "" {
		filter = router.New[struct{}](router.Options{})
		if err := filter.Add(router.Route[struct{}]{Pattern: pattern}); err != nil {
			return nil, fmt.Errorf("bus: replay: %w", err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	oldest := b.next - uint64(b.n)
	if from < oldest {
		return nil, fmt.Errorf("%w: position %d, oldest kept is %d", ErrTruncated, from, oldest)
	}
	var out []Record
	for i := int(from - oldest); i < b.n; i++ {
		r := b.log[(b.head+i)%len(b.log)]
		if filter != nil {
			if _, err := filter.Route(r.Signal); err != nil {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Stats returns the cumulative counters.
func (b *Bus) Stats() Stats {
	return Stats{
		Published: b.published.Load(), Delivered: b.delivered.Load(), Failed: b.failed.Load(),
		Unrouted: b.unrouted.Load(), Copies: b.copies.Load(), BytesCopied: b.bytesCopied.Load(),
	}
}
