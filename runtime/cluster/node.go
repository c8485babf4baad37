// Package cluster carries signals between runtimes on different nodes over
// NATS, as Jido agents on different BEAM nodes reach each other: a Node has
// an id, its local agent servers and a NATS connection; other nodes send to
// "agent A on node X" on X's own subject, as the signal's CloudEvents JSON,
// and cumulative acks tell every sender what arrived, so that sent =
// delivered + errored + lost holds exactly with both ends' counters agreeing.
// Two switches change code paths here, each delivering exactly the same
// signals either way: XBatch (a per-peer outbox flushed by size or time, each
// batch but the smallest zstd-compressed, instead of one message per signal)
// and Tree (a broadcast forwarded down a k-ary tree of nodes instead of
// sent by the root to every node); BroadcastServer, one publish fanned out
// by the NATS servers, is kept beside them as the reference a NATS user
// would write.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Errors; test with errors.Is.
var (
	ErrInvalidConfig = errors.New("cluster: invalid config")
	ErrUnknownNode   = errors.New("cluster: unknown node")
	ErrUnknownAgent  = errors.New("cluster: unknown agent")
	ErrClosed        = errors.New("cluster: node closed")
	ErrBusy          = errors.New("cluster: too many requests in progress")
)

// Defaults for Config fields left zero, and the bounds they are checked
// against.
const (
	DefaultPrefix = "pb"
	// DefaultFanout is a ternary tree: 16 nodes are reached in 3 hops while
	// no node sends more than 3 copies.
	DefaultFanout = 3
	MaxFanout     = 64
	// DefaultAckEvery bounds how stale a sender's view of what arrived can
	// be. Acks are cumulative and coalesced per peer on both sides of every
	// switch, so their cost does not favour either.
	DefaultAckEvery = 10 * time.Millisecond
	// MaxInflightRequests bounds the goroutines answering requests.
	MaxInflightRequests = 1024
	// CallTimeout bounds how long a request waits for the local agent.
	CallTimeout = 10 * time.Second
	// pendingMsgs and pendingBytes bound what the NATS client buffers for
	// one subscription; beyond that it drops and counts (slow consumer).
	pendingMsgs  = 64 << 10
	pendingBytes = 32 << 20
)

// Config describes one node.
type Config struct {
	ID       string
	Conn     *nats.Conn // owned by the caller; Close leaves it open
	Features features.Set
	// Peers lists every node's id, this one included, in the same order on
	// every node: broadcast groups are its prefixes, and the tree is laid
	// over that order.
	Peers  []string
	Agents []*agent.Server
	// Prefix starts every subject, so that several clusters can share one
	// NATS deployment. Default DefaultPrefix.
	Prefix   string
	Batch    BatchOptions
	Fanout   int           // children per tree node with Tree on; default DefaultFanout
	AckEvery time.Duration // default DefaultAckEvery
	// OnReceive, if set, is called for every signal that reaches a local
	// agent from another node (before delivery), on the subscription's
	// goroutine. It must be quick.
	OnReceive func(Receipt)
}

// Receipt describes one signal that arrived from another node.
type Receipt struct {
	From      string
	Sent      int64 // the sender's clock when the signal was handed over, Unix ns
	Broadcast bool
	Hops      int
}

// Node is one running node. Its methods are safe for concurrent use.
type Node struct {
	id       string
	nc       *nats.Conn
	feat     features.Set
	peers    []string
	index    map[string]int
	agents   map[string]*agent.Server
	prefix   string
	batch    BatchOptions
	fanout   int
	ackEvery time.Duration
	onRecv   func(Receipt)

	// enc codes literals' entropy, encFast only matches: encodeBatch
	// picks one per batch by its size.
	enc, encFast *zstd.Encoder
	dec          *zstd.Decoder
	// batchIn and unzipped are receiveBatch's, reused from batch to batch:
	// one subscription goroutine runs it.
	batchIn  batchReader
	unzipped []byte

	subs     []*nats.Subscription
	outboxes map[string]*outbox // XBatch: one per peer

	mu      sync.Mutex
	peer    map[string]*peerCounters
	closed  bool
	reqSeq  uint64
	pending map[uint64]chan error
	bcasts  map[uint64]*bcastWait
	bidSeq  uint64
	// waiters are ReceivedAtLeast's pending waits, released by count.
	waiters []*recvWaiter

	inflight chan struct{} // request goroutines
	wg       sync.WaitGroup
	stopAcks chan struct{}
	acksDone chan struct{}

	c counters
}

type peerCounters struct {
	sent, sendFailed uint64
	acked            Ack  // what the peer last reported receiving from us
	received         Ack  // what we received from the peer
	dirty            bool // received changed since the last ack we sent
}

type counters struct {
	messages, payloadBytes, rawBytes, batches, undecodable atomic.Uint64
	bcastSent, bcastReceived, bcastForwarded, bcastErrored atomic.Uint64
	requests, replies                                      atomic.Uint64
}

// Start validates cfg, subscribes to the node's subjects and starts the ack
// flusher. Close stops it.
func Start(cfg Config) (*Node, error) {
	if cfg.ID == "" || cfg.Conn == nil {
		return nil, fmt.Errorf("%w: empty ID or nil Conn", ErrInvalidConfig)
	}
	if err := validToken(cfg.ID); err != nil {
		return nil, err
	}
	n := &Node{
		id: cfg.ID, nc: cfg.Conn, feat: cfg.Features, prefix: cfg.Prefix, fanout: cfg.Fanout,
		ackEvery: cfg.AckEvery, onRecv: cfg.OnReceive, index: map[string]int{}, agents: map[string]*agent.Server{},
		peer: map[string]*peerCounters{}, pending: map[uint64]chan error{}, bcasts: map[uint64]*bcastWait{},
		inflight: make(chan struct{}, MaxInflightRequests), stopAcks: make(chan struct{}), acksDone: make(chan struct{}),
	}
	if n.prefix == "" {
		n.prefix = DefaultPrefix
	}
	if err := validToken(n.prefix); err != nil {
		return nil, err
	}
	if n.fanout == 0 {
		n.fanout = DefaultFanout
	}
	if n.fanout < 1 || n.fanout > MaxFanout {
		return nil, fmt.Errorf("%w: fanout %d (want 1 to %d)", ErrInvalidConfig, n.fanout, MaxFanout)
	}
	if n.ackEvery == 0 {
		n.ackEvery = DefaultAckEvery
	}
	if n.ackEvery < 0 {
		return nil, fmt.Errorf("%w: negative AckEvery", ErrInvalidConfig)
	}
	var err error
	if n.batch, err = cfg.Batch.normalize(); err != nil {
		return nil, err
	}
	for i, p := range cfg.Peers {
		if err := validToken(p); err != nil {
			return nil, err
		}
		if _, dup := n.index[p]; dup {
			return nil, fmt.Errorf("%w: peer %q listed twice", ErrInvalidConfig, p)
		}
		n.index[p] = i
		n.peers = append(n.peers, p)
		if p != n.id {
			n.peer[p] = &peerCounters{}
		}
	}
	if _, ok := n.index[n.id]; !ok {
		return nil, fmt.Errorf("%w: Peers does not list the node itself (%s)", ErrInvalidConfig, n.id)
	}
	for _, a := range cfg.Agents {
		n.agents[a.ID()] = a
	}
	// zstd rather than s2 (both klauspost/compress): a batch is JSON full of
	// hex ids, base64 and digits, which zstd's entropy stage codes in fewer
	// bits and s2 (LZ only) does not. Measured on 80 envelopes of a 64 B
	// signal: zstd 97 B per signal, s2 141 B, raw 393 B; zstd costs more CPU
	// per batch, and network bytes are what xbatch is for. The fastest level
	// keeps a 32 KiB batch within a fraction of a millisecond.
	if n.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1)); err != nil {
		return nil, fmt.Errorf("cluster: zstd encoder: %w", err)
	}
	if n.encFast, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithNoEntropyCompression(true)); err != nil {
		return nil, fmt.Errorf("cluster: zstd encoder: %w", err)
	}
	if n.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxBatchDecoded)); err != nil {
		return nil, fmt.Errorf("cluster: zstd decoder: %w", err)
	}
	if n.feat.XBatch {
		n.outboxes = map[string]*outbox{}
		for p := range n.peer {
			n.outboxes[p] = newOutbox(n, p)
		}
	}
	if err := n.subscribe(); err != nil {
		n.unsubscribe()
		n.dec.Close()
		return nil, err
	}
	go n.ackLoop()
	return n, nil
}

func validToken(s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidConfig)
	}
	for _, c := range s {
		if c == '.' || c == '*' || c == '>' || c <= ' ' {
			return fmt.Errorf("%w: %q is not a NATS subject token (no '.', '*', '>', spaces)", ErrInvalidConfig, s)
		}
	}
	return nil
}

func (n *Node) subject(node, kind string) string { return n.prefix + ".n." + node + "." + kind }

func (n *Node) groupSubject(g int) string { return n.prefix + ".g." + strconv.Itoa(g) }

func (n *Node) subscribe() error {
	handlers := map[string]nats.MsgHandler{
		"s":  func(m *nats.Msg) { n.receiveOne(m.Data) },
		"b":  n.receiveBatch,
		"t":  n.receiveNodeBroadcast,
		"a":  n.receiveAck,
		"ba": n.receiveBcastAck,
		"r":  n.receiveReply,
	}
	for kind, h := range handlers {
		if err := n.sub(n.subject(n.id, kind), h); err != nil {
			return err
		}
	}
	// Reference broadcasts: group g holds the first g peers.
	for g := n.index[n.id] + 1; g <= len(n.peers); g++ {
		if err := n.sub(n.groupSubject(g), func(m *nats.Msg) { n.receiveBroadcast(m.Data) }); err != nil {
			return err
		}
	}
	if err := n.nc.Flush(); err != nil {
		return fmt.Errorf("cluster: node %s: subscribe: %w", n.id, err)
	}
	return nil
}

func (n *Node) sub(subj string, h nats.MsgHandler) error {
	s, err := n.nc.Subscribe(subj, h)
	if err != nil {
		return fmt.Errorf("cluster: node %s: subscribe %s: %w", n.id, subj, err)
	}
	n.subs = append(n.subs, s)
	return s.SetPendingLimits(pendingMsgs, pendingBytes)
}

func (n *Node) unsubscribe() {
	for _, s := range n.subs {
		s.Unsubscribe()
	}
}

// ID is the node's id.
func (n *Node) ID() string { return n.id }

// Features is the switchboard the node was built with.
func (n *Node) Features() features.Set { return n.feat }

// Peers is the membership the node was built with.
func (n *Node) Peers() []string { return append([]string(nil), n.peers...) }

// Send hands sig to agentID on node to. It returns once the signal is in the
// NATS client's buffer (or the outbox, with XBatch on); what arrived is known
// from the peer's acks (Counters). Signals for the node itself are cast
// locally and never counted as cross-node traffic.
func (n *Node) Send(to, agentID string, sig *signal.Signal) error {
	if to == n.id {
		return n.castLocal(agentID, sig)
	}
	return n.send(to, &envelope{From: n.id, Agent: agentID}, sig)
}

// Request sends sig to agentID on node to as a synchronous call and waits
// for the agent to have processed it (or for ctx to end). With XBatch on the
// request travels in the outbox like any other signal, so it pays the
// flush delay: that is the cost side of batching.
func (n *Node) Request(ctx context.Context, to, agentID string, sig *signal.Signal) error {
	if to == n.id {
		a, ok := n.agents[agentID]
		if !ok {
			return fmt.Errorf("%w: %s on %s", ErrUnknownAgent, agentID, n.id)
		}
		return a.Call(ctx, sig)
	}
	ch := make(chan error, 1)
	id, release, err := register(n, n.pending, &n.reqSeq, ch)
	if err != nil {
		return err
	}
	defer release()
	if err := n.send(to, &envelope{From: n.id, Agent: agentID, Req: id}, sig); err != nil {
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("cluster: request %d to %s: %w", id, to, ctx.Err())
	}
}

// register files v under a fresh id in m (a table of things awaiting an
// answer: requests, broadcasts); release removes it.
func register[T any](n *Node, m map[uint64]T, seq *uint64, v T) (id uint64, release func(), err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return 0, nil, ErrClosed
	}
	*seq++
	id = *seq
	m[id] = v
	return id, func() {
		n.mu.Lock()
		delete(m, id)
		n.mu.Unlock()
	}, nil
}

func (n *Node) send(to string, e *envelope, sig *signal.Signal) error {
	pc, ok := n.peer[to]
	if !ok {
		return fmt.Errorf("%w: %q (peers: %v)", ErrUnknownNode, to, n.peers)
	}
	e.Sent = time.Now().UnixNano()
	if n.feat.XBatch {
		return n.outboxes[to].add(e.Agent, e.Sent, e.Req, sig)
	}
	n.mu.Lock()
	pc.sent++
	n.mu.Unlock()
	b, err := encodeEnvelope(e, sig)
	if err != nil {
		n.failed(to, 1)
		return err
	}
	if err := n.publish(n.subject(to, "s"), b, len(b), false); err != nil {
		n.failed(to, 1)
		return err
	}
	return nil
}

// failed counts k signals for peer to that never reached NATS.
func (n *Node) failed(to string, k int) {
	n.mu.Lock()
	n.peer[to].sendFailed += uint64(k)
	n.mu.Unlock()
}

// publish sends one payload and counts it; raw is its size before
// compression.
func (n *Node) publish(subj string, b []byte, raw int, batch bool) error {
	if err := n.nc.Publish(subj, b); err != nil {
		return fmt.Errorf("cluster: publish %s: %w", subj, err)
	}
	n.c.messages.Add(1)
	n.c.payloadBytes.Add(uint64(len(b)))
	n.c.rawBytes.Add(uint64(raw))
	if batch {
		n.c.batches.Add(1)
	}
	return nil
}

func (n *Node) castLocal(agentID string, sig *signal.Signal) error {
	a, ok := n.agents[agentID]
	if !ok {
		return fmt.Errorf("%w: %s on %s", ErrUnknownAgent, agentID, n.id)
	}
	return a.Cast(sig)
}

func (n *Node) receiveOne(b []byte) {
	e, sig, err := decodeEnvelope(b)
	if err != nil {
		n.c.undecodable.Add(1)
		return
	}
	n.deliverIn(e, sig)
}

// receiveBatch reads a batch record by record, delivering each signal as
// it is decoded, and counts the batch's outcomes for the sender's next ack
// at once.
func (n *Node) receiveBatch(m *nats.Msg) {
	if len(m.Data) < 1 {
		n.c.undecodable.Add(1)
		return
	}
	body := m.Data[1:]
	switch m.Data[0] {
	case codecRaw:
	case codecZstd:
		var err error
		if n.unzipped, err = n.dec.DecodeAll(body, n.unzipped[:0]); err != nil {
			n.c.undecodable.Add(1)
			return
		}
		body = n.unzipped
	default:
		n.c.undecodable.Add(1)
		return
	}
	r := &n.batchIn
	from, count, err := r.open(body)
	pc, ok := n.peer[from]
	if err != nil || !ok {
		n.c.undecodable.Add(1)
		return
	}
	var got Ack
	for i := 0; i < count; i++ {
		agentID, sent, req, sig, err := r.next()
		if err != nil {
			n.c.undecodable.Add(1)
			break
		}
		if n.onRecv != nil {
			n.onRecv(Receipt{From: from, Sent: sent})
		}
		if req != 0 {
			n.answer(pc, envelope{From: from, Agent: agentID, Sent: sent, Req: req}, sig)
			continue
		}
		if n.castLocal(agentID, sig) != nil {
			got.Errored++
		} else {
			got.Delivered++
		}
	}
	if got.Total() > 0 {
		n.mu.Lock()
		pc.received.Delivered += got.Delivered
		pc.received.Errored += got.Errored
		pc.dirty = true
		n.release(pc)
		n.mu.Unlock()
	}
}

// deliverIn hands a received signal to its agent and counts the outcome
// for the sender's next ack.
func (n *Node) deliverIn(e envelope, sig *signal.Signal) {
	pc, ok := n.peer[e.From]
	if !ok {
		n.c.undecodable.Add(1)
		return
	}
	if n.onRecv != nil {
		n.onRecv(Receipt{From: e.From, Sent: e.Sent})
	}
	if e.Req != 0 {
		n.answer(pc, e, sig)
		return
	}
	n.count(pc, n.castLocal(e.Agent, sig))
}

func (n *Node) count(pc *peerCounters, err error) {
	n.mu.Lock()
	if err != nil {
		pc.received.Errored++
	} else {
		pc.received.Delivered++
	}
	pc.dirty = true
	n.release(pc)
	n.mu.Unlock()
}

// recvWaiter is one pending ReceivedAtLeast: done is closed once pc's
// received total reaches want.
type recvWaiter struct {
	pc   *peerCounters
	want uint64
	done chan struct{}
}

// ReceivedAtLeast returns a channel that is closed as soon as this node has
// taken at least want signals (delivered or refused) from peer, already
// closed if it has. The receiving side closes it when it counts the signal
// that reaches want, so a caller waits on a notification instead of
// polling the counters. stop abandons the wait (the channel then stays
// open); it is safe to call after the channel closed.
func (n *Node) ReceivedAtLeast(peer string, want uint64) (done <-chan struct{}, stop func(), err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	pc, ok := n.peer[peer]
	if !ok {
		return nil, nil, fmt.Errorf("node %s: unknown peer %q", n.id, peer)
	}
	w := &recvWaiter{pc: pc, want: want, done: make(chan struct{})}
	if pc.received.Total() >= want {
		close(w.done)
		return w.done, func() {}, nil
	}
	n.waiters = append(n.waiters, w)
	return w.done, func() { n.dropWaiter(w) }, nil
}

// release closes the waits on pc that its count now satisfies; n.mu held.
func (n *Node) release(pc *peerCounters) {
	if len(n.waiters) == 0 {
		return
	}
	kept := n.waiters[:0]
	for _, w := range n.waiters {
		if w.pc == pc && pc.received.Total() >= w.want {
			close(w.done)
			continue
		}
		kept = append(kept, w)
	}
	clear(n.waiters[len(kept):])
	n.waiters = kept
}

func (n *Node) dropWaiter(w *recvWaiter) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.waiters = slices.DeleteFunc(n.waiters, func(x *recvWaiter) bool { return x == w })
}

// answer runs a request's Call off the subscription goroutine, so one slow
// agent does not hold up every other signal from that subject.
func (n *Node) answer(pc *peerCounters, e envelope, sig *signal.Signal) {
	n.c.requests.Add(1)
	a, ok := n.agents[e.Agent]
	if !ok {
		n.reply(pc, e, fmt.Errorf("%w: %s on %s", ErrUnknownAgent, e.Agent, n.id))
		return
	}
	select {
	case n.inflight <- struct{}{}:
	default:
		n.reply(pc, e, ErrBusy)
		return
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		<-n.inflight
		n.reply(pc, e, ErrClosed)
		return
	}
	n.wg.Add(1)
	n.mu.Unlock()
	go func() {
		defer n.wg.Done()
		defer func() { <-n.inflight }()
		ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
		defer cancel()
		n.reply(pc, e, a.Call(ctx, sig))
	}()
}

func (n *Node) reply(pc *peerCounters, e envelope, err error) {
	n.count(pc, err)
	r := reply{Req: e.Req}
	if err != nil {
		r.Err = err.Error()
	}
	b, _ := json.Marshal(r)
	if n.nc.Publish(n.subject(e.From, "r"), b) == nil {
		n.c.replies.Add(1)
	}
}

func (n *Node) receiveReply(m *nats.Msg) {
	var r reply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		n.c.undecodable.Add(1)
		return
	}
	n.mu.Lock()
	ch := n.pending[r.Req]
	n.mu.Unlock()
	if ch == nil {
		return // the requester gave up
	}
	var err error
	if r.Err != "" {
		err = errors.New(r.Err)
	}
	select {
	case ch <- err:
	default:
	}
}

func (n *Node) receiveAck(m *nats.Msg) {
	var a ack
	if err := json.Unmarshal(m.Data, &a); err != nil {
		n.c.undecodable.Add(1)
		return
	}
	n.mu.Lock()
	if pc, ok := n.peer[a.From]; ok {
		// Cumulative: a late ack never lowers what is known.
		if a.Delivered+a.Errored >= pc.acked.Delivered+pc.acked.Errored {
			pc.acked = a.Ack
		}
	}
	n.mu.Unlock()
}

func (n *Node) ackLoop() {
	defer close(n.acksDone)
	t := time.NewTicker(n.ackEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stopAcks:
			return
		case <-t.C:
			n.sendAcks(false)
		}
	}
}

// sendAcks publishes the cumulative counts of every peer that sent
// something since the last ack (every peer if all is set).
func (n *Node) sendAcks(all bool) error {
	type out struct {
		to string
		a  ack
	}
	var outs []out
	n.mu.Lock()
	for p, pc := range n.peer {
		if pc.dirty || all {
			outs = append(outs, out{p, ack{From: n.id, Ack: pc.received}})
			pc.dirty = false
		}
	}
	n.mu.Unlock()
	var first error
	for _, o := range outs {
		b, _ := json.Marshal(o.a)
		if err := n.nc.Publish(n.subject(o.to, "a"), b); err != nil && first == nil {
			first = fmt.Errorf("cluster: ack to %s: %w", o.to, err)
		}
	}
	return first
}

// flushTimeout bounds a flush whose context has no deadline of its own
// (the NATS client insists on one).
const flushTimeout = 30 * time.Second

func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, flushTimeout)
}

// Flush sends every outbox now and waits until the NATS server has
// everything published so far.
func (n *Node) Flush(ctx context.Context) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	var first error
	for _, ob := range n.outboxes {
		if err := ob.flush(); err != nil && first == nil {
			first = err
		}
	}
	if err := n.nc.FlushWithContext(ctx); err != nil && first == nil {
		first = fmt.Errorf("cluster: flush: %w", err)
	}
	return first
}

// FlushAcks sends every peer its cumulative ack now, whether or not anything
// changed, and waits until the server has them.
func (n *Node) FlushAcks(ctx context.Context) error {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	if err := n.sendAcks(true); err != nil {
		return err
	}
	if err := n.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("cluster: flush acks: %w", err)
	}
	return nil
}

// Close flushes the outboxes, stops receiving, waits for requests being
// answered, and releases the compressor. The connection stays open.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	var first error
	for _, ob := range n.outboxes {
		if err := ob.close(); err != nil && first == nil {
			first = err
		}
	}
	close(n.stopAcks)
	<-n.acksDone
	n.unsubscribe()
	n.wg.Wait()
	n.dec.Close()
	return first
}
