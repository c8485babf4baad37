package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/agent"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/workloads"
)

// NodeOptions configure one node process (perfbench node).
type NodeOptions struct {
	ID        string
	NATS      string // comma-separated server URLs; the first is tried first
	Prefix    string // subject namespace of the run; default DefaultPrefix
	Heartbeat time.Duration
	// Given reports whether the user gave the flag of that name: a given
	// value is checked as typed, not replaced by its default (nil: none).
	Given func(flag string) bool
}

// DefaultPrefix namespaces the subjects of a run started by hand.
const DefaultPrefix = "perfbench"

// DefaultHeartbeat is how often a node says it is alive. A node is declared
// lost after missedBeats of them, or at once if it is a child process that
// exited. Heartbeats share the NATS routes with the data, and on a saturated
// 2-core machine 16 nodes queued messages for ~0.5 s: 500 ms beats (lost
// after 1.5 s) declared a live node lost there, 1 s beats (3 s) did not.
const (
	DefaultHeartbeat = time.Second
	MaxHeartbeat     = 10 * time.Second
	missedBeats      = 3
	allSilentBeats   = 20
)

// agentID is the one agent each node runs; streams and broadcasts go to it.
const agentID = "agent-0"

// maxReconnects × reconnectWait bounds how long a client keeps trying to
// reach another server after losing its own.
const (
	maxReconnects = 100
	reconnectWait = 50 * time.Millisecond
	dialTimeout   = 2 * time.Second
)

// node is the state of one node process.
type node struct {
	opts  NodeOptions
	ctl   *nats.Conn
	data  *nats.Conn
	meter *natsrig.Meter
	host  string

	mu      sync.Mutex // serializes operations that change the runtime
	rt      *rtcluster.Node
	agent   *agent.Server
	sigs    []*signal.Signal
	traffic natsrig.Traffic // meter at setup

	histMu sync.Mutex
	oneWay *hdr.Histogram

	abortMu     sync.Mutex
	abortStream context.CancelFunc // ends the stream in progress

	reMu         sync.Mutex
	disconnected time.Time
	reconnects   []time.Duration
}

// connect opens a NATS connection that reconnects to any server of the
// cluster after losing its own.
func connect(urls, name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{
		nats.Name(name), nats.Timeout(dialTimeout), nats.MaxReconnects(maxReconnects),
		nats.ReconnectWait(reconnectWait), nats.ReconnectJitter(10*time.Millisecond, 0), nats.DontRandomize(),
		nats.NoEcho(),
	}, extra...)
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, cmderr.BadInputf("cannot reach NATS at %s: %v", urls, err)
	}
	return nc, nil
}

// Validate checks the options before the node connects. Every error is
// bad input (exit 2) and names what is valid.
func (o NodeOptions) Validate() error {
	_, err := o.resolve()
	return err
}

// resolve fills the defaults of the flags not given and checks the rest.
func (o NodeOptions) resolve() (NodeOptions, error) {
	if err := checkID(o.ID); err != nil {
		return o, err
	}
	given := func(flag string) bool { return o.Given != nil && o.Given(flag) }
	if o.Prefix == "" && !given("prefix") {
		o.Prefix = DefaultPrefix
	}
	if err := checkID(o.Prefix); err != nil {
		return o, cmderr.BadInputf("invalid --prefix %q: use letters, digits, '-' or '_'", o.Prefix)
	}
	if o.Heartbeat == 0 && !given("heartbeat") {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Heartbeat <= 0 || o.Heartbeat > MaxHeartbeat {
		return o, cmderr.BadInputf("invalid heartbeat %s: want more than 0, up to %s", o.Heartbeat, MaxHeartbeat)
	}
	return o, nil
}

// RunNode runs one node until ctx ends or the coordinator says quit; out
// gets the line saying where it runs (nil: nothing).
func RunNode(ctx context.Context, o NodeOptions, out io.Writer) error {
	o, err := o.resolve()
	if err != nil {
		return err
	}
	if out == nil {
		out = io.Discard
	}
	host, _ := os.Hostname()
	n := &node{opts: o, meter: natsrig.NewMeter(dialTimeout), host: host, oneWay: newHist()}
	if n.ctl, err = connect(o.NATS, "perfbench-node-"+o.ID+"-ctl"); err != nil {
		return err
	}
	defer n.ctl.Close()
	n.data, err = connect(o.NATS, "perfbench-node-"+o.ID, nats.SetCustomDialer(n.meter),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { n.disconnect() }),
		nats.ReconnectHandler(func(*nats.Conn) { n.reconnect() }))
	if err != nil {
		return err
	}
	defer n.data.Close()
	defer n.teardown()

	ctx, quit := context.WithCancel(ctx)
	defer quit()
	var wg sync.WaitGroup
	defer wg.Wait()
	sub, err := n.ctl.Subscribe(ctlSubject(o.Prefix, o.ID), func(m *nats.Msg) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.serve(ctx, m, quit)
		}()
	})
	if err != nil {
		return fmt.Errorf("node %s: subscribe: %w", o.ID, err)
	}
	defer sub.Unsubscribe()
	fmt.Fprintf(out, "perfbench node %s: pid %d on %s, NATS %s\n", o.ID, os.Getpid(), host, n.data.ConnectedUrl())
	beat := mustJSON(heartbeat{ID: o.ID, PID: os.Getpid(), Host: host})
	t := time.NewTicker(o.Heartbeat)
	defer t.Stop()
	for {
		n.ctl.Publish(hbSubject(o.Prefix, o.ID), beat)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (n *node) disconnect() {
	n.reMu.Lock()
	n.disconnected = time.Now()
	n.reMu.Unlock()
}

func (n *node) reconnect() {
	n.reMu.Lock()
	if !n.disconnected.IsZero() {
		n.reconnects = append(n.reconnects, time.Since(n.disconnected))
		n.disconnected = time.Time{}
	}
	n.reMu.Unlock()
}

func (n *node) serve(ctx context.Context, m *nats.Msg, quit func()) {
	var req request
	var resp response
	if err := json.Unmarshal(m.Data, &req); err != nil {
		resp.Err = fmt.Sprintf("bad request: %v", err)
	} else if err := n.handle(ctx, req, &resp); err != nil {
		resp.Err = err.Error()
	}
	b := mustJSON(resp)
	if len(b) > int(n.ctl.MaxPayload()) {
		b = mustJSON(response{Err: fmt.Sprintf("reply of %d B exceeds the server's max_payload %d B", len(b), n.ctl.MaxPayload())})
	}
	m.Respond(b)
	if req.Op == opQuit {
		n.ctl.Flush()
		quit()
	}
}

func (n *node) handle(ctx context.Context, req request, resp *response) error {
	switch req.Op {
	case opSetup:
		if req.Setup == nil {
			return errors.New("setup: no settings")
		}
		return n.setup(*req.Setup)
	case opQuit:
		return nil
	case opAbort:
		n.abortMu.Lock()
		if n.abortStream != nil {
			n.abortStream()
		}
		n.abortMu.Unlock()
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rt == nil {
		return fmt.Errorf("%s before setup", req.Op)
	}
	switch req.Op {
	case opStream:
		if req.Stream == nil {
			return errors.New("stream: no settings")
		}
		sctx, cancel := context.WithCancel(ctx)
		n.abortMu.Lock()
		n.abortStream = cancel
		n.abortMu.Unlock()
		res, err := n.stream(sctx, *req.Stream)
		n.abortMu.Lock()
		n.abortStream = nil
		n.abortMu.Unlock()
		cancel()
		resp.Stream = res
		return err
	case opFlush:
		return n.rt.Flush(ctx)
	case opFlushAcks:
		return n.rt.FlushAcks(ctx)
	case opStats:
		st, err := n.stats()
		resp.Stats, resp.CPU = st, measure.ProcessCPU()
		return err
	case opTraffic:
		t := n.meter.Traffic().Sub(n.traffic)
		resp.Traffic, resp.CPU, resp.BcastReceived = &t, measure.ProcessCPU(), n.rt.Counters().BroadcastsReceived
		return nil
	case opBroadcast:
		if req.Broadcast == nil {
			return errors.New("bcast: no settings")
		}
		res, err := n.broadcast(ctx, *req.Broadcast)
		resp.Broadcast = res
		return err
	}
	return fmt.Errorf("unknown operation %q", req.Op)
}

// setup replaces the runtime with one built from s; counters, histograms
// and the traffic baseline start again from zero.
func (n *node) setup(s setupReq) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.teardownLocked()
	a, err := agent.Start(agent.Config{ID: agentID, Features: s.Features, Routes: workloads.AgentRoutes(),
		Actions: workloads.AgentActions(), InitialState: map[string]any{"bytes": 0}})
	if err != nil {
		return err
	}
	base, distinct := 0, distinctSignals(s.PayloadSize)
	for i, p := range s.Peers {
		if p == n.opts.ID {
			base = i * maxDistinct
		}
	}
	sigs := make([]*signal.Signal, 0, distinct)
	for i := 0; i < distinct; i++ {
		sig, err := workloads.StreamSignal(base+i, s.PayloadSize)
		if err != nil {
			a.Stop()
			return err
		}
		sigs = append(sigs, sig)
	}
	h := newHist()
	rt, err := rtcluster.Start(rtcluster.Config{
		ID: n.opts.ID, Conn: n.data, Features: s.Features, Peers: s.Peers, Agents: []*agent.Server{a},
		Prefix: s.Prefix, Fanout: s.Fanout, Batch: rtcluster.BatchOptions{MaxBytes: s.BatchBytes, MaxDelay: s.BatchDelay},
		OnReceive: func(r rtcluster.Receipt) {
			if r.Broadcast {
				return
			}
			d := time.Now().UnixNano() - r.Sent
			n.histMu.Lock()
			record(h, d)
			n.histMu.Unlock()
		},
	})
	if err != nil {
		a.Stop()
		return err
	}
	n.rt, n.agent, n.sigs = rt, a, sigs
	n.meter.SetLink(s.Link)
	n.histMu.Lock()
	n.oneWay = h
	n.histMu.Unlock()
	n.reMu.Lock()
	n.reconnects = nil
	n.reMu.Unlock()
	n.traffic = n.meter.Traffic()
	return nil
}

// minPace is the shortest sleep of a stream's generator: shorter sleeps
// would cost a wake-up each for a signal or two.
const minPace = 200 * time.Microsecond

// distinctSignals is how many different signals a node cycles through:
// more than any batch holds (rtcluster.MaxBatchBytes is 512 KiB), so the
// compressor never sees one twice, and at most distinctBytes of payload,
// so that 32 nodes of 64 KiB signals fit in memory (4096 of them took
// 256 MiB per node).
func distinctSignals(payload int) int {
	return min(maxDistinct, max(64, distinctBytes/max(payload, 1)))
}

const (
	maxDistinct   = 4096
	distinctBytes = 16 << 20
)

func (n *node) teardown() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.teardownLocked()
}

func (n *node) teardownLocked() {
	if n.rt != nil {
		n.rt.Close()
		n.agent.Stop()
		n.rt, n.agent = nil, nil
	}
}

// stream sends s.Rate signals per second, round-robin over s.Targets, for
// s.Duration, open loop: the schedule does not wait for the network. A ping
// (a request answered once the remote agent has processed it) goes to the
// first target every s.PingEvery, and its round trip is recorded.
func (n *node) stream(ctx context.Context, s streamReq) (*streamResult, error) {
	if len(s.Targets) == 0 || s.Rate <= 0 || s.Duration <= 0 {
		return nil, fmt.Errorf("stream: need targets, a rate and a duration")
	}
	res := &streamResult{}
	rtt, lag := newHist(), newHist()
	work := func(ctx context.Context) error {
		cpu0 := measure.ProcessCPU()
		start := time.Now()
		var pw sync.WaitGroup
		pctx, stopPings := context.WithCancel(ctx)
		if s.PingEvery > 0 && !s.Idle {
			pw.Add(1)
			go func() {
				defer pw.Done()
				n.ping(pctx, s, rtt, res)
			}()
		}
		// Signal i is due at start + i/rate. It is sent when due or, if
		// the sender fell behind, as soon as it can be; how late is recorded
		// (a stall shows as lag instead of hiding in a smaller count).
		total := int64(s.Duration.Seconds() * s.Rate)
		send := func(i int64) {
			due := start.Add(time.Duration(float64(i) / s.Rate * float64(time.Second)))
			record(lag, time.Since(due).Nanoseconds())
			if s.Idle {
				return
			}
			err := n.rt.Send(s.Targets[int(i)%len(s.Targets)], agentID, n.sigs[int(i)%len(n.sigs)])
			res.Sent++
			if err != nil {
				res.SendErrors++
			}
		}
		// Between sends the generator sleeps until the next one is due, but
		// at least minPace: it wakes at most 1/minPace times a second,
		// sending what fell due meanwhile, and no more often than the rate
		// needs. Its wake-ups are in the idle baseline, not in CPU per signal.
		var i int64
		for i < total && ctx.Err() == nil {
			for due := min(total, int64(time.Since(start).Seconds()*s.Rate)+1); i < due; i++ {
				send(i)
			}
			next := start.Add(time.Duration(float64(i) / s.Rate * float64(time.Second)))
			sleep(max(time.Until(next), minPace))
		}
		stopPings()
		pw.Wait()
		res.Due = total
		res.Elapsed = time.Since(start)
		res.CPU = measure.ProcessCPU() - cpu0
		return ctx.Err()
	}
	var err error
	if s.Profile != "" {
		var kind profiling.Kind
		if kind, err = profiling.ParseKind(s.Profile); err != nil {
			return nil, err
		}
		p, perr := profiling.Capture(ctx, kind, work)
		if perr != nil {
			return nil, perr
		}
		var buf strings.Builder
		if err := p.Write(&buf); err != nil {
			return nil, err
		}
		res.Profile = []byte(buf.String())
	} else {
		err = work(ctx)
	}
	if res.RTT, err = encodeHist(rtt); err != nil {
		return nil, err
	}
	if res.Lag, err = encodeHist(lag); err != nil {
		return nil, err
	}
	return res, nil
}

func (n *node) ping(ctx context.Context, s streamReq, rtt *hdr.Histogram, res *streamResult) {
	t := time.NewTicker(s.PingEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		start := time.Now()
		err := n.rt.Request(rctx, s.Targets[0], agentID, n.sigs[(i*7919)%len(n.sigs)])
		d := time.Since(start)
		cancel()
		if ctx.Err() != nil {
			return // the stream ended while this ping was out: not a failure
		}
		res.Pings++
		if err != nil {
			res.PingErrors++
			continue
		}
		record(rtt, d.Nanoseconds())
	}
}

func (n *node) stats() (*nodeStats, error) {
	n.histMu.Lock()
	ow, err := encodeHist(n.oneWay)
	n.histMu.Unlock()
	if err != nil {
		return nil, err
	}
	n.reMu.Lock()
	re := append([]time.Duration(nil), n.reconnects...)
	n.reMu.Unlock()
	return &nodeStats{Counters: n.rt.Counters(), Traffic: n.meter.Traffic().Sub(n.traffic), OneWay: ow,
		Reconnects: re, Host: n.host, PID: os.Getpid()}, nil
}

func (n *node) broadcast(ctx context.Context, b broadcastReq) ([]rtcluster.BroadcastResult, error) {
	var out []rtcluster.BroadcastResult
	for i := 0; i < b.Count; i++ {
		bctx, cancel := context.WithTimeout(ctx, b.Timeout)
		sig := n.sigs[i%len(n.sigs)]
		var res rtcluster.BroadcastResult
		var err error
		if b.Server {
			res, err = n.rt.BroadcastServer(bctx, b.Group, agentID, sig)
		} else {
			res, err = n.rt.Broadcast(bctx, b.Group, agentID, sig)
		}
		cancel()
		out = append(out, res)
		if err != nil && ctx.Err() != nil {
			return out, err
		}
		// A broadcast that timed out is kept with its partial acks: the
		// report counts it as incomplete.
	}
	return out, nil
}
