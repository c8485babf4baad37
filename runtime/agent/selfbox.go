package agent

import (
	"fmt"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
)

// openMailbox gives s its mailbox, envelopes and refusals: the receiving
// end of a local delivery, shared by Server and Mailbox.
func (s *Server) openMailbox(size int) {
	s.envs.pooled = s.feat.Pooling
	if s.feat.Batching {
		s.ring = newRingBox(size)
		s.box = s.ring
	} else {
		s.box = newChanBox(size)
	}
	s.errFull = fmt.Errorf("agent %s: %w (capacity %d)", s.id, ErrMailboxFull, size)
	s.errStopped = fmt.Errorf("agent %s: %w", s.id, ErrStopped)
}

// Mailbox is a mailbox its owner reads itself, as a BEAM process reads what
// it sends to self(): one local delivery and nothing else. Deliver is
// Server.Cast on a server's mailbox (the ZeroCopy policy: a message copy
// or the shared signal; an envelope; the bounded queue) and Receive takes
// the delivered signals out in order, as the server's loop does, but no
// goroutine, router or action runs. It measures what a delivery costs apart
// from what processing the signal costs.
type Mailbox struct {
	s       *Server
	pending atomic.Int64 // delivered and not yet received
	buf     []*envelope  // Receive's scratch
}

// NewMailbox opens a mailbox of size slots (0: DefaultMailboxSize) built
// as an agent with features f builds its own.
func NewMailbox(id string, f features.Set, size int) (*Mailbox, error) {
	if id == "" || size < 0 {
		return nil, fmt.Errorf("%w: mailbox needs an ID and a size ≥ 0 (got %q, %d)", ErrInvalidConfig, id, size)
	}
	if size == 0 {
		size = DefaultMailboxSize
	}
	s := &Server{id: id, idAny: id, feat: f, done: make(chan struct{})}
	s.openMailbox(size)
	return &Mailbox{s: s}, nil
}

// Deliver queues sig, or returns ErrMailboxFull (counted as rejected) when
// the mailbox is full.
func (m *Mailbox) Deliver(sig *signal.Signal) error {
	if err := m.s.Cast(sig); err != nil {
		return err
	}
	m.pending.Add(1)
	return nil
}

// Receive appends up to max delivered signals to dst, oldest first, and
// returns at once, with none when nothing is waiting. Only the owner
// receives: Receive is not safe for concurrent use.
func (m *Mailbox) Receive(dst []*signal.Signal, max int) []*signal.Signal {
	for got := 0; got < max && m.pending.Load() > 0; {
		// Something is waiting, so take does not block.
		envs, _ := m.s.box.take(m.buf[:0], int(min(m.pending.Load(), int64(max-got))))
		for i, e := range envs {
			dst = append(dst, e.sig)
			m.s.envs.put(e)
			envs[i] = nil
		}
		m.buf = envs
		got += len(envs)
		m.pending.Add(-int64(len(envs)))
	}
	return dst
}

// Stats counts what was delivered (Accepted, Rejected) and what the
// deliveries copied.
func (m *Mailbox) Stats() Stats { return m.s.Stats() }

// Close refuses later deliveries; what was delivered can still be received.
func (m *Mailbox) Close() { m.s.stopOnce.Do(m.s.box.close) }
