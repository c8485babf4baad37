package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// StreamType is the type of the signals cluster traffic carries: the agents
// route it to the "size" action.
const StreamType = "stream.tick"

// StreamSignal builds the i-th signal of a cross-node stream: data holding
// one binary of size deterministic pseudo-random bytes (the same generator as every other
// workload, so the compressor gets no help from the payload), and its own
// UUIDv7 id. It is the one place cluster traffic builds signals.
func StreamSignal(i, size int) (*signal.Signal, error) {
	return signal.New(StreamType, "/perfbench/cluster", binData(newRand(uint64(i)+1), size),
		signal.WithSubject(fmt.Sprintf("seq-%d", i)))
}

// Wire bytes per signal hardly move for a given code path (the framing is
// fixed and the batches compress alike); messages per signal follow the
// flush timing, which follows the scheduler; depth and the root's sends are
// exact.
var (
	metricWireBytes = stats.Metric{Name: "wire-B/op", Better: stats.LowerIsBetter, Noise: 0.02, Gate: stats.FixedGate, Tolerance: 0.05}
	metricWireMsgs  = stats.Metric{Name: "wire-msgs/op", Better: stats.LowerIsBetter, Noise: 0.02, Gate: stats.Ungated}
	metricDepth     = stats.Metric{Name: "depth", Better: stats.LowerIsBetter, Noise: 0, Gate: stats.FixedGate, Tolerance: 0}
	metricRootMsgs  = stats.Metric{Name: "root-msgs/op", Better: stats.LowerIsBetter, Noise: 0, Gate: stats.FixedGate, Tolerance: 0}
	// metricOnce is the share of broadcasts that reached every node by
	// exactly one copy, counted from the acks (cluster.BroadcastResult.Once).
	metricOnce = stats.Metric{Name: "once-%", Better: stats.HigherIsBetter, Noise: 0, Gate: stats.FixedGate, Tolerance: 0}
)

// distinctSignals is how many different signals a stream cycles through:
// far more than a batch holds, so no batch sees a signal twice.
const distinctSignals = 4096

func clusterStream() Workload {
	return Workload{
		Name: "cluster-stream",
		Doc: "stream 64 B signals from one node to an agent on another, over an embedded 2-server NATS cluster " +
			"(each node a client of its own server, so every signal crosses TCP twice and a route)",
		Op:      "one 64 B signal sent across nodes and taken by the remote agent",
		Toggles: []string{"xbatch"},
		Metrics: []stats.Metric{metricWireBytes, metricWireMsgs, metricFailed},
		MinOps:  flushEvery,
		New: func(f features.Set) (Instance, error) {
			r, err := newNatsRig(f, 2, 2)
			if err != nil {
				return nil, err
			}
			s := &streamInstance{natsRig: r}
			for i := 0; i < distinctSignals; i++ {
				sig, err := StreamSignal(i, 64)
				if err != nil {
					r.Close()
					return nil, err
				}
				s.sigs = append(s.sigs, sig)
			}
			return s, nil
		},
	}
}

// clusterBroadcast broadcasts to group nodes. The default group of 8 is
// where a tree of fanout 3 has depth 2; a group of 3 (root and 2 others)
// is one the tree cannot shape, so only its overhead is left.
func clusterBroadcast(name string, group int) Workload {
	return Workload{
		Name: name,
		Doc: fmt.Sprintf("broadcast a 64 B signal to an agent on each of %d nodes over an embedded 2-server NATS cluster, "+
			"until every node has acknowledged", group),
		Op:      fmt.Sprintf("one broadcast to %d nodes, acknowledged by all", group),
		Toggles: []string{"tree"},
		Metrics: []stats.Metric{metricWireBytes, metricWireMsgs, metricDepth, metricRootMsgs, metricOnce},
		MinOps:  50, // each waits for every node's acknowledgement
		New: func(f features.Set) (Instance, error) {
			r, sig, err := rigWithSignal(f, group)
			if err != nil {
				return nil, err
			}
			return &broadcastInstance{natsRig: r, sig: sig}, nil
		},
	}
}

// natsRig is a set of in-process nodes, each with its own connection to one
// of an embedded cluster's servers, metered at the socket.
type natsRig struct {
	servers *natsrig.Cluster
	meter   *natsrig.Meter
	conns   []*nats.Conn
	nodes   []*cluster.Node
	agents  []*agent.Server
}

func newNatsRig(f features.Set, servers, nodes int) (r *natsRig, err error) {
	r = &natsRig{meter: natsrig.NewMeter(5 * time.Second)}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	if r.servers, err = natsrig.Start(servers); err != nil {
		return r, err
	}
	var ids []string
	for i := 0; i < nodes; i++ {
		ids = append(ids, fmt.Sprintf("n%d", i))
	}
	for i, id := range ids {
		nc, err := nats.Connect(r.servers.URL(i%servers), nats.SetCustomDialer(r.meter), nats.Name(id), nats.NoEcho())
		if err != nil {
			return r, fmt.Errorf("node %s: connect: %w", id, err)
		}
		r.conns = append(r.conns, nc)
		a, err := agent.Start(agent.Config{ID: "agent-0", Features: f, Routes: AgentRoutes(), Actions: AgentActions(),
			InitialState: map[string]any{"bytes": 0}})
		if err != nil {
			return r, err
		}
		r.agents = append(r.agents, a)
		n, err := cluster.Start(cluster.Config{ID: id, Conn: nc, Features: f, Peers: ids, Agents: []*agent.Server{a}})
		if err != nil {
			return r, err
		}
		r.nodes = append(r.nodes, n)
	}
	// Subscriptions reach the other server over the route asynchronously:
	// wait until a broadcast from the first node reaches every other one.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probe, err := StreamSignal(-1, 0)
	if err != nil {
		return r, err
	}
	for {
		tctx, tcancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err := r.nodes[0].BroadcastServer(tctx, nodes, "agent-0", probe)
		tcancel()
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return r, fmt.Errorf("cluster rig: subscriptions not propagated: %w", err)
		}
	}
}

func (r *natsRig) Close() error {
	for _, n := range r.nodes {
		n.Close()
	}
	for _, a := range r.agents {
		a.Stop()
	}
	for _, c := range r.conns {
		c.Close()
	}
	if r.servers != nil {
		r.servers.Close()
	}
	return nil
}

type streamInstance struct {
	*natsRig
	sigs []*signal.Signal
	next int
}

func (s *streamInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	from, to := s.nodes[0], s.nodes[1]
	before := s.meter.Traffic()
	out0, in0 := from.Counters().Peers[to.ID()], to.Counters().Peers[from.ID()]
	for i := 0; i < n; i++ {
		if i > 0 && i%flushEvery == 0 {
			// Keep the remote mailbox from overflowing by design (see flushEvery).
			if err := s.waitArrived(ctx, in0.Received.Total()+uint64(i)); err != nil {
				return nil, err
			}
		}
		if err := from.Send(to.ID(), "agent-0", s.sigs[s.next]); err != nil {
			return nil, err
		}
		s.next = (s.next + 1) % len(s.sigs)
	}
	if err := s.waitArrived(ctx, in0.Received.Total()+uint64(n)); err != nil {
		return nil, err
	}
	tr := s.meter.Traffic().Sub(before)
	out, in := from.Counters().Peers[to.ID()], to.Counters().Peers[from.ID()]
	failed := out.SendFailed - out0.SendFailed + in.Received.Errored - in0.Received.Errored
	return map[string]float64{
		metricWireBytes.Name: float64(tr.Bytes()) / float64(n),
		metricWireMsgs.Name:  float64(tr.Msgs()) / float64(n),
		metricFailed.Name:    float64(failed) / float64(n),
	}, nil
}

// waitArrived flushes the sender and waits until the receiver has taken
// want signals from it in all (delivered or refused).
func (s *streamInstance) waitArrived(ctx context.Context, want uint64) error {
	from, to := s.nodes[0], s.nodes[1]
	if err := from.Flush(ctx); err != nil {
		return err
	}
	return waitReceived(ctx, "cluster-stream: signals not delivered", to, from.ID(), want, deadlockGuard)
}

// deadlockGuard bounds every wait for delivery: a signal lost for good
// ends the run with an error instead of hanging it.
const deadlockGuard = 30 * time.Second

// waitReceived waits until to has taken want signals from the node from.
// The wait is inside the measured time on both sides, so it blocks on the
// receiving node's notification (released by the count that reaches want)
// rather than polling: a poll's sleep would add the scheduler's timer
// granularity, far longer than a delivery, to every op.
func waitReceived(ctx context.Context, what string, to *cluster.Node, from string, want uint64, guard time.Duration) error {
	done, stop, err := to.ReceivedAtLeast(from, want)
	if err != nil {
		return err
	}
	defer stop()
	return waitSignalled(ctx, what, done, guard)
}

// waitSignalled returns nil once done is closed, ctx's error when it ends
// first, and an error naming what after guard (a deadlock guard, never hit
// by a healthy run). The timer is armed only when done is still open.
func waitSignalled(ctx context.Context, what string, done <-chan struct{}, guard time.Duration) error {
	select {
	case <-done:
		return nil
	default:
	}
	t := time.NewTimer(guard)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("%s after %s", what, guard)
	}
}

// clusterLatency is where cross-node batching can only cost: one signal in
// flight, nothing to batch, so a signal waits for the outbox's time-based
// flush (the sender never flushes by hand here).
func clusterLatency() Workload {
	return Workload{
		Name: "cluster-latency",
		Doc: "one 64 B signal in flight at a time (the lowest rate) from one node to an agent on another, over an " +
			"embedded 2-server NATS cluster; the sender waits until the remote node has taken it",
		Op:      "one signal sent across nodes and taken by the remote node (ns/op is the latency)",
		Toggles: []string{"xbatch"},
		Metrics: []stats.Metric{metricWireMsgs},
		MinOps:  50,
		New: func(f features.Set) (Instance, error) {
			r, sig, err := rigWithSignal(f, 2)
			if err != nil {
				return nil, err
			}
			return &latencyStream{natsRig: r, sig: sig}, nil
		},
	}
}

// rigWithSignal builds a rig of nodes over 2 servers and the one 64 B
// signal a workload sends again and again.
func rigWithSignal(f features.Set, nodes int) (*natsRig, *signal.Signal, error) {
	r, err := newNatsRig(f, 2, nodes)
	if err != nil {
		return nil, nil, err
	}
	sig, err := StreamSignal(0, 64)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return r, sig, nil
}

type latencyStream struct {
	*natsRig
	sig *signal.Signal
}

func (l *latencyStream) Run(ctx context.Context, n int) (map[string]float64, error) {
	from, to := l.nodes[0], l.nodes[1]
	before := l.meter.Traffic()
	// Only this loop sends from → to in the rig, so the count to wait for
	// is known without reading the counters again inside the loop.
	base := to.Counters().Peers[from.ID()].Received.Total()
	for i := 0; i < n; i++ {
		if err := from.Send(to.ID(), "agent-0", l.sig); err != nil {
			return nil, err
		}
		if err := waitReceived(ctx, "cluster-latency: signal not taken", to, from.ID(), base+uint64(i)+1, deadlockGuard); err != nil {
			return nil, err
		}
	}
	return map[string]float64{metricWireMsgs.Name: float64(l.meter.Traffic().Sub(before).Msgs()) / float64(n)}, nil
}

type broadcastInstance struct {
	*natsRig
	sig *signal.Signal
}

func (b *broadcastInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	root := b.nodes[0]
	before := b.meter.Traffic()
	depth, sent, once := 0, 0, 0
	for i := 0; i < n; i++ {
		res, err := root.Broadcast(ctx, len(b.nodes), "agent-0", b.sig)
		if err != nil {
			return nil, err
		}
		depth = max(depth, res.Depth)
		sent += res.Sent
		if res.Once() {
			once++
		}
	}
	tr := b.meter.Traffic().Sub(before)
	return map[string]float64{
		metricWireBytes.Name: float64(tr.Bytes()) / float64(n),
		metricWireMsgs.Name:  float64(tr.Msgs()) / float64(n),
		metricDepth.Name:     float64(depth),
		metricRootMsgs.Name:  float64(sent) / float64(n),
		metricOnce.Name:      100 * float64(once) / float64(n),
	}, nil
}
