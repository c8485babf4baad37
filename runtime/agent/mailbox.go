package agent

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/perfbench/perfbench/runtime/signal"
)

type envKind uint8

const (
	kindCast envKind = iota
	kindCall
	kindQuery
	kindBatch // the casts of one CastBatch, with Batching on
)

// envelope is one message in a mailbox, or with kindBatch the head of a
// batchEnvelope.
type envelope struct {
	kind  envKind
	sig   *signal.Signal
	reply chan reply // calls and queries; buffered 1 so the server never blocks on a gone caller
}

// batchEnvelope carries the run of casts one CastBatch handed over, which
// counts as len(sigs) messages. The mailbox holds it by its envelope, so
// that the envelope of a single message stays as small as it is without
// batching (every unbatched delivery allocates one).
type batchEnvelope struct {
	envelope                  // first field: see batch
	sigs     []*signal.Signal // the envelope's own slice, kept when pooled
}

// batch returns the batchEnvelope whose head e is; e.kind must be
// kindBatch. Such an e is only ever made as the first field of a
// batchEnvelope (envelopes.getBatch), so it points at the start of one.
func (e *envelope) batch() *batchEnvelope { return (*batchEnvelope)(unsafe.Pointer(e)) }

// weight is how many messages e counts for against the mailbox's capacity.
func (e *envelope) weight() int {
	if e.kind == kindBatch {
		return len(e.batch().sigs)
	}
	return 1
}

type reply struct {
	err  error
	snap Snapshot
}

// envelopes makes envelopes, pooled or fresh, and counts which.
type envelopes struct {
	pooled  bool
	pool    sync.Pool
	batches sync.Pool
	gets    atomic.Uint64
	news    atomic.Uint64
}

func (p *envelopes) get(kind envKind, sig *signal.Signal) *envelope {
	p.gets.Add(1)
	var e *envelope
	if p.pooled {
		e, _ = p.pool.Get().(*envelope)
	}
	if e == nil {
		p.news.Add(1)
		e = &envelope{}
	}
	e.kind, e.sig = kind, sig
	if kind != kindCast && e.reply == nil {
		e.reply = make(chan reply, 1)
	}
	return e
}

// put returns an envelope whose reply, if any, has been consumed. An
// envelope abandoned by a timed-out caller is never put back: the server may
// still answer into it.
func (p *envelopes) put(e *envelope) {
	if !p.pooled {
		return
	}
	e.sig = nil
	p.pool.Put(e)
}

func (p *envelopes) getBatch() *batchEnvelope {
	p.gets.Add(1)
	var b *batchEnvelope
	if p.pooled {
		b, _ = p.batches.Get().(*batchEnvelope)
	}
	if b == nil {
		p.news.Add(1)
		b = &batchEnvelope{}
	}
	b.kind = kindBatch
	return b
}

func (p *envelopes) putBatch(b *batchEnvelope) {
	if !p.pooled {
		return
	}
	clear(b.sigs)
	b.sigs = b.sigs[:0]
	p.batches.Put(b)
}

// mailbox is the bounded queue in front of an agent server. put never
// blocks: when the box is full the sender gets ErrMailboxFull. Refusals
// return the bare sentinel errors, without allocating: a producer that
// overruns a mailbox must not also flood the heap.
type mailbox interface {
	put(e *envelope) error
	// take blocks until it can append envelopes to dst, at least one and
	// no more than max messages' worth unless the first alone is more, or
	// the box is closed and empty (ok false).
	take(dst []*envelope, max int) (out []*envelope, ok bool)
	close()
}

// chanBox is the unbatched mailbox: a buffered channel, one send and one
// receive (and potentially one wake-up) per message, like a BEAM mailbox.
type chanBox struct {
	mu     sync.RWMutex // read-held by senders so that close never races a send
	closed bool
	ch     chan *envelope
}

func newChanBox(size int) *chanBox { return &chanBox{ch: make(chan *envelope, size)} }

func (b *chanBox) put(e *envelope) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrStopped
	}
	select {
	case b.ch <- e:
		return nil
	default:
		return ErrMailboxFull
	}
}

func (b *chanBox) take(dst []*envelope, max int) ([]*envelope, bool) {
	e, ok := <-b.ch
	if !ok {
		return dst, false
	}
	return append(dst, e), true
}

func (b *chanBox) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.ch)
	}
}

// ringBox is the batching mailbox: a sender hands over a whole batch as one
// envelope and wakes the server at most once; the server drains up to max
// messages per wake-up. The capacity bounds messages, not envelopes: a
// batch envelope counts as its signals. A batch is handed over in two
// steps, reserve and commit, so that the sender makes its envelope and
// copies between them, without holding the lock the server drains under.
type ringBox struct {
	mu       sync.Mutex
	buf      []*envelope // ring of envelopes; len(buf) is the capacity in messages
	head     int
	n        int // envelopes queued
	load     int // messages queued or reserved
	reserved int // reservations not yet committed
	closed   bool
	notify   chan struct{} // capacity 1: "there is something to take"
}

func newRingBox(size int) *ringBox {
	return &ringBox{buf: make([]*envelope, size), notify: make(chan struct{}, 1)}
}

func (b *ringBox) wake() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *ringBox) put(e *envelope) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrStopped
	}
	if b.load == len(b.buf) {
		b.mu.Unlock()
		return ErrMailboxFull
	}
	b.buf[(b.head+b.n)%len(b.buf)] = e
	b.n++
	b.load++
	wasEmpty := b.n == 1
	b.mu.Unlock()
	if wasEmpty {
		b.wake()
	}
	return nil
}

// reserve takes room for up to n messages and returns how many it took (a
// prefix of the batch: the rest is refused with ErrMailboxFull). When it
// took any, the caller must commit one envelope of exactly that weight.
func (b *ringBox) reserve(n int) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrStopped
	}
	k := min(len(b.buf)-b.load, n)
	b.load += k
	if k > 0 {
		b.reserved++
	}
	b.mu.Unlock()
	if k < n {
		return k, ErrMailboxFull
	}
	return k, nil
}

// commit queues the envelope of a reservation. It never fails: the room was
// taken, and a box closed since still drains what it had accepted.
func (b *ringBox) commit(e *envelope) {
	b.mu.Lock()
	b.buf[(b.head+b.n)%len(b.buf)] = e
	b.n++
	b.reserved--
	wasEmpty := b.n == 1
	b.mu.Unlock()
	if wasEmpty {
		b.wake()
	}
}

func (b *ringBox) take(dst []*envelope, max int) ([]*envelope, bool) {
	for {
		b.mu.Lock()
		if b.n > 0 {
			taken := 0
			for b.n > 0 && (taken == 0 || taken+b.buf[b.head].weight() <= max) {
				e := b.buf[b.head]
				taken += e.weight()
				dst = append(dst, e)
				b.buf[b.head] = nil
				b.head = (b.head + 1) % len(b.buf)
				b.n--
			}
			b.load -= taken
			b.mu.Unlock()
			return dst, true
		}
		// An accepted batch still being copied is waited for, even once
		// the box is closed.
		done := b.closed && b.reserved == 0
		b.mu.Unlock()
		if done {
			return dst, false
		}
		<-b.notify
	}
}

func (b *ringBox) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.wake()
}
