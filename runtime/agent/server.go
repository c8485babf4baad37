// Package agent models a Jido AgentServer: one goroutine per agent owning
// its state, fed by a bounded mailbox. A signal is routed to bindings, each
// binding becomes an instruction, the instruction's action runs against the
// state, its updates are merged, and its directives (emit, set state,
// enqueue, fail) are carried out.
//
// Four optimizations switch code paths here: FastPath (snapshot reads
// instead of a mailbox round trip), ZeroCopy (incoming signals shared, not
// copied), Pooling (instructions and envelopes reused) and Batching (batched
// hand-over and drains of up to BatchSize per wake-up). JIT and Caching are
// passed to the agent's router. Either side of every switch gives the same
// deliveries, state and errors.
//
// What a state read sees (State):
//
//   - FastPath off: the query is a message. It queues behind everything sent
//     before it, so it sees every Cast and Call the reader made earlier, as a
//     GenServer call in Jido does.
//   - FastPath on: the state after the last command the agent had completed
//     when State was called (reads are linearizable at command boundaries;
//     a command's effects are never seen in part). So the caller's own Call
//     is visible as soon as Call returns. A Cast is visible once the agent
//     has run it, not before: to every read that starts after a later Call
//     to the same agent has returned (the mailbox is FIFO), or after
//     Stats().Processed has counted it. A read made right after Cast usually
//     misses it.
//
// With Batching on as well, the lock is taken and the commit made once per
// batch (everything one wake-up drained): reads see the state at batch
// boundaries, never part of a batch, and a stale reader waits at most for
// the running batch. A Call commits before it replies, so the caller's own
// Call is still visible as soon as it returns, and Processed still counts a
// command only once it is visible.
//
// FastPath's cost on the write path is one uncontended lock per command: the
// snapshot is copied lazily, by the first reader that finds it older than
// the last completed command, never by the agent after each wake-up. That
// reader waits at most for the command running at that moment, never for
// the queue.
package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Errors; test with errors.Is.
var (
	ErrMailboxFull   = errors.New("agent: mailbox full")
	ErrStopped       = errors.New("agent: server stopped")
	ErrTimeout       = errors.New("agent: call timed out")
	ErrUnknownAction = errors.New("agent: unknown action")
	ErrEnqueueLimit  = errors.New("agent: enqueue limit reached")
	ErrNoDispatcher  = errors.New("agent: emit without a dispatcher")
	ErrInvalidConfig = errors.New("agent: invalid config")
)

// Defaults for Config fields left zero.
const (
	DefaultMailboxSize = 10000
	DefaultBatchSize   = 128
	// MaxEnqueued bounds the instructions one command may enqueue, so an
	// action that enqueues itself ends in an error instead of a hang.
	MaxEnqueued = 1000
)

// Config describes one agent server.
type Config struct {
	ID           string
	Features     features.Set
	Routes       []router.Route[Binding]
	Actions      map[string]Action
	Dispatcher   *dispatch.Dispatcher // target of Emit directives; may be nil if no action emits
	InitialState map[string]any
	MailboxSize  int // default DefaultMailboxSize
	BatchSize    int // signals drained per wake-up with Batching on; default DefaultBatchSize
	CacheSize    int // router cache entries with Caching on; default router.DefaultCacheSize
}

// Stats are the server's counters. Accepted + Rejected is everything ever
// offered to the mailbox; every accepted message is processed before Stop
// returns.
type Stats struct {
	Accepted    uint64 // messages the mailbox took (casts, calls, queries)
	Rejected    uint64 // messages refused because the mailbox was full or stopped
	Processed   uint64 // commands (casts and calls) run to completion
	Failed      uint64 // of those, commands that ended in an error
	Queries     uint64 // state queries answered (either path)
	Wakeups     uint64 // times the server took work from the mailbox
	Copies      uint64 // incoming signals copied (ZeroCopy off), as a BEAM send copies
	BytesCopied uint64 // the approximate bytes those copies allocated
	Published   uint64 // snapshots copied for fast-path readers (FastPath on)

	InstructionsUsed, InstructionsNew uint64 // New < Used means pooled reuse
	EnvelopesUsed, EnvelopesNew       uint64
}

// Server is a running agent.
type Server struct {
	id      string
	idAny   any // boxed once: instructions carry it in their context
	feat    features.Set
	router  *router.Router[Binding]
	actions map[string]Action
	disp    *dispatch.Dispatcher
	box     mailbox
	ring    *ringBox // the same box, with Batching on
	batch   int
	instr   instructions
	envs    envelopes
	context Values // with ZeroCopy on, the Context every instruction shares

	// Owned by the server goroutine; with FastPath on, state and version
	// change only under mu, which a fast-path reader takes to copy them.
	state   map[string]any
	version uint64
	scratch []Binding
	pending []*Instruction
	// With Batching on: one lookup per run of a type, and the actions of
	// its bindings (scratch) resolved once per run too.
	run  router.Run[Binding]
	acts []Action

	// FastPath: mu is held by the server for each command and by a reader
	// while it copies the state; committed is the version of the last
	// completed command; snap is the last copy, which every reader shares
	// until a command completes.
	mu        sync.Mutex
	committed atomic.Uint64
	snap      atomic.Pointer[Snapshot]

	stopOnce sync.Once
	done     chan struct{}

	// Refusals are built once: a rejected send must cost no allocation.
	errFull, errStopped error

	accepted, rejected, processed, failed, queries, wakeups atomic.Uint64
	copies, bytesCopied, published                          atomic.Uint64
}

// Start validates cfg and starts the server goroutine. Stop ends it.
func Start(cfg Config) (*Server, error) {
	if cfg.ID == "" {
		return nil, fmt.Errorf("%w: empty ID", ErrInvalidConfig)
	}
	if cfg.MailboxSize < 0 || cfg.BatchSize < 0 {
		return nil, fmt.Errorf("%w: negative MailboxSize or BatchSize", ErrInvalidConfig)
	}
	for _, r := range cfg.Routes {
		if _, ok := cfg.Actions[r.Handler.Action]; !ok {
			return nil, fmt.Errorf("%w: route %q names action %q", ErrUnknownAction, r.Pattern, r.Handler.Action)
		}
	}
	rt := router.New[Binding](router.Options{JIT: cfg.Features.JIT, Caching: cfg.Features.Caching, CacheSize: cfg.CacheSize})
	if err := rt.Add(cfg.Routes...); err != nil {
		return nil, fmt.Errorf("agent %s: %w", cfg.ID, err)
	}
	size := cfg.MailboxSize
	if size == 0 {
		size = DefaultMailboxSize
	}
	s := &Server{
		id: cfg.ID, idAny: cfg.ID, feat: cfg.Features, router: rt, actions: cfg.Actions, disp: cfg.Dispatcher,
		state: deepCopyMap(cfg.InitialState), done: make(chan struct{}), batch: 1,
	}
	s.instr.pooled = cfg.Features.Pooling
	s.instr.shared = cfg.Features.ZeroCopy
	if cfg.Features.ZeroCopy {
		s.context = Values{map[string]any{"agent_id": s.idAny}}
	}
	s.openMailbox(size)
	if cfg.Features.Batching {
		s.batch = cfg.BatchSize
		if s.batch == 0 {
			s.batch = DefaultBatchSize
		}
	}
	if cfg.Features.FastPath {
		s.publish()
	}
	go s.loop()
	return s, nil
}

// ID is the agent's identifier.
func (s *Server) ID() string { return s.id }

// Features is the switchboard the server was built with.
func (s *Server) Features() features.Set { return s.feat }

// Router exposes the agent's router, e.g. to add routes at run time.
func (s *Server) Router() *router.Router[Binding] { return s.router }

// receive applies the ZeroCopy policy to an incoming signal: without it every
// local delivery gets its own copy, made as a BEAM send makes it.
func (s *Server) receive(sig *signal.Signal) *signal.Signal {
	if s.feat.ZeroCopy {
		return sig
	}
	c, n := sig.MessageCopy()
	s.copies.Add(1)
	s.bytesCopied.Add(uint64(n))
	return c
}

// receiveAll is receive for a batch: the copies are the ones receive makes,
// laid out in one block for the batch (signal.MessageCopies).
func (s *Server) receiveAll(dst, sigs []*signal.Signal) []*signal.Signal {
	if s.feat.ZeroCopy {
		return append(dst, sigs...)
	}
	dst, n := signal.MessageCopies(dst, sigs)
	s.copies.Add(uint64(len(sigs)))
	s.bytesCopied.Add(uint64(n))
	return dst
}

// refusal maps a mailbox's bare sentinel to the server's prebuilt error.
func (s *Server) refusal(err error) error {
	if err == ErrMailboxFull {
		return s.errFull
	}
	return s.errStopped
}

func (s *Server) count(err error) error {
	if err != nil {
		s.rejected.Add(1)
		return s.refusal(err)
	}
	s.accepted.Add(1)
	return nil
}

// Cast queues sig for asynchronous processing. A full mailbox returns
// ErrMailboxFull at once; the signal is counted as rejected, never dropped
// silently.
func (s *Server) Cast(sig *signal.Signal) error {
	if sig == nil {
		return fmt.Errorf("agent %s: cast of a nil signal", s.id)
	}
	e := s.envs.get(kindCast, s.receive(sig))
	err := s.box.put(e)
	if err != nil {
		s.envs.put(e)
	}
	return s.count(err)
}

// CastBatch queues sigs in order. With Batching on they are handed over in
// one operation, as one envelope, copied (ZeroCopy off) into one block of
// memory outside the mailbox's lock; otherwise one by one. It returns how
// many were accepted (a prefix of sigs); the rest were rejected and counted.
func (s *Server) CastBatch(sigs []*signal.Signal) (int, error) {
	if !s.feat.Batching {
		for i, sig := range sigs {
			if err := s.Cast(sig); err != nil {
				s.rejected.Add(uint64(len(sigs) - i - 1))
				return i, err
			}
		}
		return len(sigs), nil
	}
	for i, sig := range sigs {
		if sig == nil {
			s.rejected.Add(uint64(len(sigs)))
			return 0, fmt.Errorf("agent %s: cast of a nil signal at %d", s.id, i)
		}
	}
	// The envelope is made, and signals copied, only for what fits, and
	// after the lock is released, so the server drains meanwhile.
	n, err := s.ring.reserve(len(sigs))
	if n > 0 {
		b := s.envs.getBatch()
		b.sigs = s.receiveAll(b.sigs[:0], sigs[:n])
		s.ring.commit(&b.envelope)
	}
	s.accepted.Add(uint64(n))
	s.rejected.Add(uint64(len(sigs) - n))
	if err != nil {
		return n, s.refusal(err)
	}
	return n, nil
}

// Call processes sig synchronously and returns the command's error, if any.
// It gives up with ErrTimeout when ctx ends first; the command may still run.
func (s *Server) Call(ctx context.Context, sig *signal.Signal) error {
	if sig == nil {
		return fmt.Errorf("agent %s: call with a nil signal", s.id)
	}
	r, err := s.roundTrip(ctx, kindCall, s.receive(sig))
	if err != nil {
		return err
	}
	return r.err
}

// State returns the agent's state. With FastPath off a query travels
// through the mailbox and returns a deep copy, as a GenServer call in Jido
// does; with it on, the mailbox is bypassed and readers share a snapshot of
// the last completed command (see the package comment for what each side
// sees after a Cast or Call).
func (s *Server) State(ctx context.Context) (Snapshot, error) {
	if s.feat.FastPath {
		select {
		case <-s.done:
			return Snapshot{}, fmt.Errorf("agent %s: %w", s.id, ErrStopped)
		default:
		}
		s.queries.Add(1)
		snap := s.snap.Load()
		if snap.version != s.committed.Load() {
			snap = s.refresh()
		}
		return *snap, nil
	}
	r, err := s.roundTrip(ctx, kindQuery, nil)
	return r.snap, err
}

// refresh copies the state for fast-path readers. Holding mu, no command is
// running, so version is the last completed one; of several readers that
// found the snapshot stale, the first copies and the others share it.
func (s *Server) refresh() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snap.Load(); snap.version == s.version {
		return snap
	}
	return s.publish()
}

func (s *Server) roundTrip(ctx context.Context, kind envKind, sig *signal.Signal) (reply, error) {
	e := s.envs.get(kind, sig)
	if err := s.count(s.box.put(e)); err != nil {
		s.envs.put(e)
		return reply{}, err
	}
	select {
	case r := <-e.reply:
		s.envs.put(e)
		return r, nil
	case <-ctx.Done():
		return reply{}, fmt.Errorf("agent %s: %w: %w", s.id, ErrTimeout, ctx.Err())
	}
}

// Stop closes the mailbox, lets the server finish every message it accepted,
// and waits for its goroutine to end. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(s.box.close)
	<-s.done
}

// Stats returns a consistent-enough copy of the counters (each is atomic).
func (s *Server) Stats() Stats {
	return Stats{
		Accepted: s.accepted.Load(), Rejected: s.rejected.Load(),
		Processed: s.processed.Load(), Failed: s.failed.Load(), Queries: s.queries.Load(),
		Wakeups: s.wakeups.Load(), Copies: s.copies.Load(), BytesCopied: s.bytesCopied.Load(),
		Published:        s.published.Load(),
		InstructionsUsed: s.instr.gets.Load(), InstructionsNew: s.instr.news.Load(),
		EnvelopesUsed: s.envs.gets.Load(), EnvelopesNew: s.envs.news.Load(),
	}
}

// RouterStats returns the agent router's cache and compile counters.
func (s *Server) RouterStats() router.Stats { return s.router.Stats() }

func (s *Server) loop() {
	defer close(s.done)
	batch := make([]*envelope, 0, s.batch)
	for {
		var ok bool
		batch, ok = s.box.take(batch[:0], s.batch)
		if !ok {
			return
		}
		s.wakeups.Add(1)
		if s.feat.Batching {
			s.handleBatch(batch)
			clear(batch)
			continue
		}
		for i, e := range batch {
			s.handle(e)
			batch[i] = nil
		}
	}
}

// handleBatch is handle for everything one wake-up took, with Batching on:
// the state lock (FastPath) is taken, and the commit made visible, once per
// batch, so fast-path readers see the state at batch boundaries. A Call
// commits before it replies, so its caller still reads its own write. The
// counters are added once per batch too, after the commit, so that a
// command Stats().Processed counts is visible to a fast-path read.
func (s *Server) handleBatch(batch []*envelope) {
	if s.feat.FastPath {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	defer s.run.Reset()
	n := 0
	for _, e := range batch {
		n += e.weight()
	}
	s.instr.begin(n)
	defer s.instr.end()
	var processed, failed uint64
	flush := func() {
		s.committed.Store(s.version)
		s.processed.Add(processed)
		s.failed.Add(failed)
		processed, failed = 0, 0
	}
	for _, e := range batch {
		switch e.kind {
		case kindBatch:
			b := e.batch()
			for i, sig := range b.sigs {
				if s.step(sig) != nil {
					failed++
				}
				b.sigs[i] = nil
			}
			processed += uint64(len(b.sigs))
			s.envs.putBatch(b)
		case kindCast:
			if s.step(e.sig) != nil {
				failed++
			}
			processed++
			s.envs.put(e)
		case kindCall:
			err := s.step(e.sig)
			processed++
			if err != nil {
				failed++
				err = s.commandError(e.sig, err)
			}
			flush()
			e.reply <- reply{err: err}
		case kindQuery:
			flush()
			s.queries.Add(1)
			e.reply <- reply{snap: Snapshot{m: deepCopyMap(s.state), version: s.version}}
		}
	}
	flush()
}

// step runs one command without locking or counting: the caller does both
// for a whole batch.
func (s *Server) step(sig *signal.Signal) error {
	s.version++ // a command moves the version even if the state stays
	return s.runSignal(sig)
}

func (s *Server) commandError(sig *signal.Signal, err error) error {
	return fmt.Errorf("agent %s: signal %s (%s): %w", s.id, sig.ID(), sig.Type(), err)
}

func (s *Server) handle(e *envelope) {
	switch e.kind {
	case kindCast:
		s.command(e.sig)
		s.envs.put(e)
	case kindCall:
		// command has completed (and committed) before the reply, so the
		// caller's next fast-path read sees its own write.
		err := s.command(e.sig)
		e.reply <- reply{err: err}
	case kindQuery:
		s.queries.Add(1)
		e.reply <- reply{snap: Snapshot{m: deepCopyMap(s.state), version: s.version}}
	}
}

// publish makes the current state visible to fast-path readers. The
// snapshot is a private deep copy, so readers never see a later merge. The
// caller holds mu or owns s exclusively.
func (s *Server) publish() *Snapshot {
	snap := &Snapshot{m: deepCopyMap(s.state), version: s.version}
	s.snap.Store(snap)
	s.published.Add(1)
	return snap
}

// command runs every binding the signal routes to, then the instructions
// they enqueue, in order. With FastPath on it holds mu throughout, so a
// reader copies the state only between commands.
func (s *Server) command(sig *signal.Signal) error {
	if s.feat.FastPath {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	s.version++ // a command moves the version even if the state stays
	err := s.runSignal(sig)
	s.committed.Store(s.version)
	// Counted after the commit: a command Processed counts is visible to a
	// fast-path read, as the package comment promises.
	s.processed.Add(1)
	if err != nil {
		s.failed.Add(1)
		return s.commandError(sig, err)
	}
	return nil
}

func (s *Server) runSignal(sig *signal.Signal) error {
	var bindings []Binding
	var err error
	switch {
	case !s.feat.Batching:
		bindings, err = s.router.AppendHandlers(s.scratch[:0], sig)
	case s.router.Continues(&s.run, sig):
		// The run's bindings are still in scratch, their actions in acts.
		bindings = s.scratch
	default:
		bindings, err = s.router.AppendRun(&s.run, s.scratch[:0], sig)
		s.acts = s.acts[:0]
		for _, b := range bindings {
			s.acts = append(s.acts, s.actions[b.Action]) // nil if unknown: exec reports it
		}
	}
	s.scratch = bindings
	if err != nil {
		return err
	}
	var errs error
	for i, b := range bindings {
		in := s.instr.get()
		in.Action, in.Signal = b.Action, sig
		s.fill(in, b.Params, s.feat.ZeroCopy)
		s.pending = append(s.pending[:0], in)
		var act Action
		if s.feat.Batching {
			act = s.acts[i]
		}
		if err := s.drain(act); err != nil {
			errs = errors.Join(errs, err)
		}
	}
	return errs
}

// drain runs pending instructions in FIFO order; Enqueue directives append.
// first, if not nil, is the first instruction's action, already looked up.
func (s *Server) drain(first Action) error {
	var errs error
	for i := 0; i < len(s.pending); i++ {
		in := s.pending[i]
		if i > MaxEnqueued {
			errs = errors.Join(errs, fmt.Errorf("%w (%d)", ErrEnqueueLimit, MaxEnqueued))
			break
		}
		if err := s.exec(in, first); err != nil {
			errs = errors.Join(errs, err)
		}
		first = nil
	}
	for i, in := range s.pending {
		s.instr.put(in)
		s.pending[i] = nil
	}
	s.pending = s.pending[:0]
	return errs
}

type stateReader map[string]any

func (r stateReader) Get(k string) (any, bool) { v, ok := r[k]; return v, ok }

// exec runs in with act, or with the action its name gives when act is nil.
func (s *Server) exec(in *Instruction, act Action) error {
	if act == nil {
		var ok bool
		if act, ok = s.actions[in.Action]; !ok {
			return fmt.Errorf("%w: %q", ErrUnknownAction, in.Action)
		}
	}
	if err := act(in, stateReader(s.state), &in.result); err != nil {
		return fmt.Errorf("action %s: %w", in.Action, err)
	}
	for _, u := range in.result.updates {
		merge(s.state, u.key, u.val)
	}
	var errs error
	for _, d := range in.result.directives {
		switch d := d.(type) {
		case Emit:
			if s.disp == nil {
				errs = errors.Join(errs, ErrNoDispatcher)
				continue
			}
			if err := s.disp.Dispatch(d.Signal, d.To); err != nil {
				errs = errors.Join(errs, fmt.Errorf("emit %s: %w", d.Signal.Type(), err))
			}
		case SetState:
			// The state owns its values: d.Value may be (or hold) the
			// instruction's Params or Context, which Pooling clears and
			// reuses after the command.
			s.state[d.Key] = deepCopy(d.Value)
		case Enqueue:
			if _, ok := s.actions[d.Action]; !ok {
				errs = errors.Join(errs, fmt.Errorf("enqueue: %w: %q", ErrUnknownAction, d.Action))
				continue
			}
			next := s.instr.get()
			next.Action, next.Signal = d.Action, in.Signal
			// The directive's params are the action's map, which it may
			// still hold: copied on either side.
			s.fill(next, d.Params, false)
			s.pending = append(s.pending, next)
		case Fail:
			errs = errors.Join(errs, d.Err)
		}
	}
	return errs
}
