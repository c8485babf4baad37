package agent

import (
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/signal"
)

type envKind uint8

const (
	kindCast envKind = iota
	kindCall
	kindQuery
)

// envelope is one message in a mailbox.
type envelope struct {
	kind  envKind
	sig   *signal.Signal
	reply chan reply // calls and queries; buffered 1 so the server never blocks on a gone caller
}

type reply struct {
	err  error
	snap Snapshot
}

// envelopes makes envelopes, pooled or fresh, and counts which.
type envelopes struct {
	pooled bool
	pool   sync.Pool
	gets   atomic.Uint64
	news   atomic.Uint64
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

// mailbox is the bounded queue in front of an agent server. put never
// blocks: when the box is full the sender gets ErrMailboxFull. Refusals
// return the bare sentinel errors, without allocating: a producer that
// overruns a mailbox must not also flood the heap.
type mailbox interface {
	put(e *envelope) error
	// putBatch queues up to n envelopes made by mk (called only for those
	// that fit, in order) and returns how many it queued.
	putBatch(n int, mk func(i int) *envelope) (accepted int, err error)
	// take blocks until it can append between 1 and max envelopes to dst,
	// or the box is closed and empty (ok false).
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

func (b *chanBox) putBatch(n int, mk func(int) *envelope) (int, error) {
	for i := 0; i < n; i++ {
		if err := b.put(mk(i)); err != nil {
			return i, err
		}
	}
	return n, nil
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

// ringBox is the batching mailbox: senders append whole batches under one
// lock and wake the server at most once; the server drains up to max
// envelopes per wake-up.
type ringBox struct {
	mu     sync.Mutex
	buf    []*envelope // ring of fixed capacity
	head   int
	n      int
	closed bool
	notify chan struct{} // capacity 1: "there is something to take"
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
	if b.n == len(b.buf) {
		b.mu.Unlock()
		return ErrMailboxFull
	}
	b.buf[(b.head+b.n)%len(b.buf)] = e
	b.n++
	wasEmpty := b.n == 1
	b.mu.Unlock()
	if wasEmpty {
		b.wake()
	}
	return nil
}

func (b *ringBox) putBatch(n int, mk func(int) *envelope) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrStopped
	}
	k := min(len(b.buf)-b.n, n)
	wasEmpty := b.n == 0
	for i := 0; i < k; i++ {
		b.buf[(b.head+b.n)%len(b.buf)] = mk(i)
		b.n++
	}
	b.mu.Unlock()
	if wasEmpty && k > 0 {
		b.wake()
	}
	if k < n {
		return k, ErrMailboxFull
	}
	return k, nil
}

func (b *ringBox) take(dst []*envelope, max int) ([]*envelope, bool) {
	for {
		b.mu.Lock()
		if b.n > 0 {
			k := min(max, b.n)
			for i := 0; i < k; i++ {
				j := (b.head + i) % len(b.buf)
				dst = append(dst, b.buf[j])
				b.buf[j] = nil
			}
			b.head = (b.head + k) % len(b.buf)
			b.n -= k
			b.mu.Unlock()
			return dst, true
		}
		closed := b.closed
		b.mu.Unlock()
		if closed {
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
