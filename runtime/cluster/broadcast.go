package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/runtime/signal"
)

// BroadcastResult is what the root of one broadcast learnt from the acks.
// Every node acknowledges each copy it receives, with the hops that copy
// travelled and the copies it forwarded, so the tree's shape is counted,
// not assumed: a broadcast reached every node exactly once when Acked is
// Group−1, Duplicates is 0 and Messages() is Group−1 (no copy was sent
// that did not arrive as a first receipt).
type BroadcastResult struct {
	Group   int           `json:"group"`   // nodes in the group, the root included
	Acked   int           `json:"acked"`   // other nodes that acknowledged
	Errored int           `json:"errored"` // of those, nodes whose local delivery failed
	Depth   int           `json:"depth"`   // most hops any node reported
	Elapsed time.Duration `json:"elapsed"` // from the first send to the last ack
	Sent    int           `json:"sent"`    // messages the root itself published
	// Forwarded is the copies the other nodes published down the tree,
	// as their acks reported them.
	Forwarded int `json:"forwarded,omitempty"`
	// Duplicates counts acks from a node that had already acknowledged:
	// copies that reached a node twice, up to the last first receipt.
	Duplicates int `json:"duplicates,omitempty"`
}

// Messages is every copy the nodes published for the broadcast: the
// root's and the forwarders'.
func (r BroadcastResult) Messages() int { return r.Sent + r.Forwarded }

// Once reports whether every node of the group received the broadcast
// exactly once, by one copy each.
func (r BroadcastResult) Once() bool {
	return r.Acked == r.Group-1 && r.Duplicates == 0 && r.Messages() == r.Group-1
}

type bcastWait struct {
	res   BroadcastResult
	seen  map[string]bool
	start time.Time
	done  chan struct{}
}

// Broadcast delivers sig to agentID on each of the first group nodes of
// Peers: locally on this node, which must be one of them, and by NATS on
// the others. It waits until every other node has acknowledged, or ctx
// ends. With Tree on the root sends to its Fanout children only and each
// node forwards to its own; off, the root sends group−1 messages.
func (n *Node) Broadcast(ctx context.Context, group int, agentID string, sig *signal.Signal) (BroadcastResult, error) {
	if !n.feat.Tree {
		return n.broadcast(ctx, group, agentID, sig, func(e *envelope) (int, error) {
			return n.forward(e, n.children(group, n.id, 0, 0))
		})
	}
	if group > maxTreeGroup {
		return BroadcastResult{}, fmt.Errorf("%w: tree broadcast group %d (want at most %d)", ErrInvalidConfig, group, maxTreeGroup)
	}
	return n.broadcast(ctx, group, agentID, sig, func(e *envelope) (int, error) {
		// The routing travels in the prefix only, so the envelope leaves
		// out what the prefix already says.
		// Encoded behind the prefix's room in one buffer, sized for the
		// envelope's fixed fields, so the copy is not built twice.
		buf := bytes.NewBuffer(make([]byte, treePrefixLen, treePrefixLen+len(e.Event)+len(e.From)+len(e.Agent)+96))
		if err := json.NewEncoder(buf).Encode(&envelope{From: e.From, Agent: e.Agent, Sent: e.Sent, BID: e.BID, Event: e.Event}); err != nil {
			return 0, fmt.Errorf("encode broadcast: %w", err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n")) // Encode ends a value with a newline
		self := n.index[n.id]
		putTreePrefix(b, treeHop{root: self, from: self, group: group, fanout: n.fanout})
		return n.relay(b, n.children(group, n.id, 0, n.fanout))
	})
}

// BroadcastServer is the reference a NATS user would write: one publish on
// the group's subject, fanned out by the servers. It is not a toggle; it
// is measured beside Broadcast so that nobody mistakes the better of off
// and on for the best way on this engine.
func (n *Node) BroadcastServer(ctx context.Context, group int, agentID string, sig *signal.Signal) (BroadcastResult, error) {
	return n.broadcast(ctx, group, agentID, sig, func(e *envelope) (int, error) {
		e.Hops = 1
		b, err := json.Marshal(e)
		if err != nil {
			return 0, err
		}
		if err := n.nc.Publish(n.groupSubject(group), b); err != nil {
			return 0, fmt.Errorf("cluster: publish %s: %w", n.groupSubject(group), err)
		}
		return 1, nil
	})
}

func (n *Node) broadcast(ctx context.Context, group int, agentID string, sig *signal.Signal,
	fan func(e *envelope) (int, error)) (BroadcastResult, error) {
	if group < 2 || group > len(n.peers) {
		return BroadcastResult{}, fmt.Errorf("%w: broadcast group %d (want 2 to %d)", ErrInvalidConfig, group, len(n.peers))
	}
	if n.index[n.id] >= group {
		return BroadcastResult{}, fmt.Errorf("%w: node %s is not among the first %d peers", ErrInvalidConfig, n.id, group)
	}
	if err := n.castLocal(agentID, sig); err != nil {
		return BroadcastResult{}, err
	}
	w := &bcastWait{res: BroadcastResult{Group: group}, seen: map[string]bool{}, done: make(chan struct{})}
	bid, release, err := register(n, n.bcasts, &n.bidSeq, w)
	if err != nil {
		return BroadcastResult{}, err
	}
	defer release()
	e := &envelope{From: n.id, Agent: agentID, BID: bid, Root: n.id, Group: group}
	ev, err := sig.MarshalJSON()
	if err != nil {
		return BroadcastResult{}, fmt.Errorf("encode signal %s: %w", sig.ID(), err)
	}
	e.Event = ev
	w.start = time.Now()
	e.Sent = w.start.UnixNano()
	sent, err := fan(e)
	n.c.bcastSent.Add(1)
	n.mu.Lock()
	w.res.Sent = sent
	n.mu.Unlock()
	if err != nil {
		return n.snapshot(w), err
	}
	select {
	case <-w.done:
		return n.snapshot(w), nil
	case <-ctx.Done():
		res := n.snapshot(w)
		return res, fmt.Errorf("cluster: broadcast %d: %d of %d nodes acknowledged: %w", bid, res.Acked, group-1, ctx.Err())
	}
}

func (n *Node) snapshot(w *bcastWait) BroadcastResult {
	n.mu.Lock()
	defer n.mu.Unlock()
	return w.res
}

// children lists the nodes that the node at tree position pos forwards to:
// positions pos·k+1 … pos·k+k of the group's members counted from root.
// With k = 0 the root (pos 0) sends to everyone and nobody forwards.
func (n *Node) children(group int, root string, pos, k int) []string {
	r := n.index[root]
	at := func(p int) string { return n.peers[(r+p)%group] }
	var out []string
	if k == 0 {
		if pos == 0 {
			for p := 1; p < group; p++ {
				out = append(out, at(p))
			}
		}
		return out
	}
	for c := pos*k + 1; c <= pos*k+k && c < group; c++ {
		out = append(out, at(c))
	}
	return out
}

// position is this node's place in the tree of a broadcast from root.
func (n *Node) position(group int, root string) int {
	return (n.index[n.id] - n.index[root] + group) % group
}

// forward publishes e, one hop further, to each target.
func (n *Node) forward(e *envelope, targets []string) (int, error) {
	if len(targets) == 0 {
		return 0, nil
	}
	next := *e
	next.Hops = e.Hops + 1
	b, err := json.Marshal(&next)
	if err != nil {
		return 0, err
	}
	return n.publishEach(b, targets)
}

// publishEach publishes one encoded broadcast copy to each target and
// counts the copies that left.
func (n *Node) publishEach(b []byte, targets []string) (int, error) {
	sent := 0
	for _, t := range targets {
		if err := n.nc.Publish(n.subject(t, "t"), b); err != nil {
			return sent, fmt.Errorf("cluster: forward broadcast to %s: %w", t, err)
		}
		sent++
	}
	return sent, nil
}

// receiveBroadcast delivers a broadcast sent directly by its root (or fanned
// out by the servers) locally and acknowledges it to the root.
func (n *Node) receiveBroadcast(b []byte) {
	e, sig, err := decodeEnvelope(b)
	if err != nil {
		n.c.undecodable.Add(1)
		return
	}
	if e.Root == n.id {
		return // our own reference publish, echoed by the server
	}
	if _, ok := n.index[e.Root]; !ok || e.Group < 2 || e.Group > len(n.peers) {
		n.c.undecodable.Add(1)
		return
	}
	n.c.bcastReceived.Add(1)
	if n.onRecv != nil {
		n.onRecv(Receipt{From: e.From, Sent: e.Sent, Broadcast: true, Hops: e.Hops})
	}
	n.deliverBroadcast(e, sig, bcastAck{BID: e.BID, Node: n.id, Hops: e.Hops})
}

// deliverBroadcast casts a received broadcast to its agent and sends the
// root the ack a, with the outcome.
func (n *Node) deliverBroadcast(e envelope, sig *signal.Signal, a bcastAck) {
	if err := n.castLocal(e.Agent, sig); err != nil {
		n.c.bcastErrored.Add(1)
		a.Err = err.Error()
	}
	ab, _ := json.Marshal(a)
	n.nc.Publish(n.subject(e.Root, "ba"), ab)
}

func (n *Node) receiveBcastAck(m *nats.Msg) {
	var a bcastAck
	if err := json.Unmarshal(m.Data, &a); err != nil {
		n.c.undecodable.Add(1)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	w := n.bcasts[a.BID]
	if w == nil {
		return
	}
	if w.seen[a.Node] {
		w.res.Duplicates++
		return
	}
	w.seen[a.Node] = true
	w.res.Acked++
	w.res.Forwarded += a.Fwd
	if a.Err != "" {
		w.res.Errored++
	}
	w.res.Depth = max(w.res.Depth, a.Hops)
	w.res.Elapsed = time.Since(w.start)
	if w.res.Acked == w.res.Group-1 {
		close(w.done)
	}
}
