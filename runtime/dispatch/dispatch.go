// Package dispatch delivers signals to where a directive or a bus
// subscription says they should go, like jido_signal's Dispatch adapters
// (:pid, :named, :logger, :noop …).
//
// A Target is anything that takes a signal. Adapters resolve a Config to a
// Target; a name nobody registered, or an adapter that does not exist, is an
// error that names what is valid — a signal never vanishes because of a typo.
package dispatch

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/signal"
)

// Errors; test with errors.Is.
var (
	ErrUnknownAdapter = errors.New("dispatch: unknown adapter")
	ErrUnknownTarget  = errors.New("dispatch: unknown target")
	ErrChannelFull    = errors.New("dispatch: channel full")
	ErrDuplicateName  = errors.New("dispatch: name already registered")
)

// Target receives signals. Deliver must not block indefinitely: a receiver
// that cannot take the signal returns an error, which the sender counts.
type Target interface {
	Deliver(*signal.Signal) error
}

// BatchTarget takes many signals in one hand-over. It returns how many it
// accepted (a prefix of sigs) and, when not all, why the rest were refused.
type BatchTarget interface {
	Target
	DeliverBatch(sigs []*signal.Signal) (accepted int, err error)
}

// DeliverAll hands sigs to t, in one batch when t supports it. It returns
// how many were accepted; the rest failed with err.
func DeliverAll(t Target, sigs []*signal.Signal) (int, error) {
	if bt, ok := t.(BatchTarget); ok {
		return bt.DeliverBatch(sigs)
	}
	var firstErr error
	n := 0
	for _, s := range sigs {
		if err := t.Deliver(s); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n++
	}
	return n, firstErr
}

// Caster is what an agent server offers to the agent adapter; dispatch does
// not import the agent package, the agent package imports dispatch.
type Caster interface {
	Cast(*signal.Signal) error
	CastBatch([]*signal.Signal) (int, error)
}

type agentTarget struct{ c Caster }

// Agent delivers by casting to an agent server (Jido's :pid adapter in
// async mode). The server copies the signal on entry unless ZeroCopy is on.
func Agent(c Caster) BatchTarget { return agentTarget{c} }

func (a agentTarget) Deliver(s *signal.Signal) error { return a.c.Cast(s) }
func (a agentTarget) DeliverBatch(s []*signal.Signal) (int, error) {
	return a.c.CastBatch(s)
}

// Channel delivers into a Go channel without blocking; a full channel is an
// error (ErrChannelFull). With zeroCopy false each delivery sends a copy made
// as a local send between BEAM processes makes it (signal.MessageCopy).
func Channel(ch chan<- *signal.Signal, zeroCopy bool) Target {
	return &channelTarget{ch: ch, zeroCopy: zeroCopy}
}

type channelTarget struct {
	ch       chan<- *signal.Signal
	zeroCopy bool
}

func (c *channelTarget) Deliver(s *signal.Signal) error {
	if !c.zeroCopy {
		s, _ = s.MessageCopy()
	}
	select {
	case c.ch <- s:
		return nil
	default:
		return fmt.Errorf("%w (capacity %d)", ErrChannelFull, cap(c.ch))
	}
}

// Noop accepts and discards, counting what it was given.
type Noop struct{ n atomic.Uint64 }

// Deliver counts the signal.
func (n *Noop) Deliver(*signal.Signal) error { n.n.Add(1); return nil }

// Count is how many signals were delivered.
func (n *Noop) Count() uint64 { return n.n.Load() }

// Logger writes one line per signal; writes are serialized.
func Logger(w io.Writer) Target { return &logTarget{w: w} }

type logTarget struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logTarget) Deliver(s *signal.Signal) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := fmt.Fprintf(l.w, "signal id=%s type=%s source=%s data=%dB\n", s.ID(), s.Type(), s.Source(), s.DataSize())
	if err != nil {
		return fmt.Errorf("dispatch: logger: %w", err)
	}
	return nil
}

// Config says where a signal goes, as in a Jido directive's dispatch option.
type Config struct {
	Adapter string // "named" (a registered target: agent or channel), "logger", "noop"
	Target  string // the registered name, for "named"
}

// Adapters lists the adapter names Resolve accepts.
func Adapters() []string { return []string{"named", "logger", "noop"} }

// Dispatcher resolves configs against a registry of named targets.
type Dispatcher struct {
	mu     sync.RWMutex
	named  map[string]Target
	logger Target
	noop   Noop
}

// NewDispatcher returns a dispatcher whose "logger" adapter writes to log
// (io.Discard when nil).
func NewDispatcher(log io.Writer) *Dispatcher {
	if log == nil {
		log = io.Discard
	}
	return &Dispatcher{named: make(map[string]Target), logger: Logger(log)}
}

// Register names a target so that configs can reach it.
func (d *Dispatcher) Register(name string, t Target) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.named[name]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateName, name)
	}
	d.named[name] = t
	return nil
}

// Unregister removes a name; unknown names are ignored.
func (d *Dispatcher) Unregister(name string) {
	d.mu.Lock()
	delete(d.named, name)
	d.mu.Unlock()
}

// Resolve finds the target a config points at.
func (d *Dispatcher) Resolve(c Config) (Target, error) {
	switch c.Adapter {
	case "logger":
		return d.logger, nil
	case "noop":
		return &d.noop, nil
	case "named":
		d.mu.RLock()
		t, ok := d.named[c.Target]
		d.mu.RUnlock()
		if !ok {
			return nil, fmt.Errorf("%w: %q (registered: %s)", ErrUnknownTarget, c.Target, d.names())
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: %q (valid: %s)", ErrUnknownAdapter, c.Adapter, strings.Join(Adapters(), ", "))
}

// Dispatch resolves c and delivers s there.
func (d *Dispatcher) Dispatch(s *signal.Signal, c Config) error {
	t, err := d.Resolve(c)
	if err != nil {
		return err
	}
	return t.Deliver(s)
}

func (d *Dispatcher) names() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if len(d.named) == 0 {
		return "none"
	}
	ns := make([]string, 0, len(d.named))
	for n := range d.named {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}
