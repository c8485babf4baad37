package cluster

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// treeHeader carries a tree broadcast's routing in a NATS header, apart
// from the payload: "root group fanout hops from". A node reads it, and
// relays the payload bytes it received to its children untouched, before
// it decodes them for its own agent, so each level of the tree costs the
// network's hop and no decode or encode on the way down.
const treeHeader = "Pb-Tree"

// treeHop is one copy's place in a tree broadcast.
type treeHop struct {
	root          string
	group, fanout int
	hops          int    // links this copy crossed from the root
	from          string // the node that published this copy
}

func (h treeHop) String() string {
	return fmt.Sprintf("%s %d %d %d %s", h.root, h.group, h.fanout, h.hops, h.from)
}

func parseTreeHop(s string) (treeHop, error) {
	f := strings.Fields(s)
	if len(f) != 5 {
		return treeHop{}, fmt.Errorf("%w: tree header %q: want root group fanout hops from", ErrInvalidConfig, s)
	}
	h := treeHop{root: f[0], from: f[4]}
	for i, p := range []*int{&h.group, &h.fanout, &h.hops} {
		v, err := strconv.Atoi(f[i+1])
		if err != nil || v < 0 {
			return treeHop{}, fmt.Errorf("%w: tree header %q: field %d is not a count", ErrInvalidConfig, s, i+2)
		}
		*p = v
	}
	return h, nil
}

// relay publishes payload b, one hop further down from h, to each target.
func (n *Node) relay(h treeHop, targets []string, b []byte) (int, error) {
	if len(targets) == 0 {
		return 0, nil
	}
	h.hops++
	h.from = n.id
	hdr := nats.Header{treeHeader: []string{h.String()}}
	sent := 0
	for _, t := range targets {
		if err := n.nc.PublishMsg(&nats.Msg{Subject: n.subject(t, "t"), Header: hdr, Data: b}); err != nil {
			return sent, fmt.Errorf("cluster: forward broadcast to %s: %w", t, err)
		}
		sent++
	}
	return sent, nil
}

// receiveNodeBroadcast takes a broadcast that a node published to this one:
// a tree copy (it has the header) or the root's direct send.
func (n *Node) receiveNodeBroadcast(m *nats.Msg) {
	v := m.Header.Get(treeHeader)
	if v == "" {
		n.receiveBroadcast(m.Data)
		return
	}
	h, err := parseTreeHop(v)
	if _, ok := n.index[h.root]; err != nil || !ok || h.group < 2 || h.group > len(n.peers) || h.fanout < 1 || h.fanout > MaxFanout {
		n.c.undecodable.Add(1)
		return
	}
	// Forward first: the children's copies are on their way while this
	// node decodes its own.
	fwd, ferr := n.relay(h, n.children(h.group, h.root, n.position(h.group, h.root), h.fanout), m.Data)
	n.c.bcastForwarded.Add(uint64(fwd))
	if ferr != nil {
		n.c.bcastErrored.Add(1)
	}
	e, sig, err := decodeEnvelope(m.Data)
	if err != nil {
		n.c.undecodable.Add(1)
		return
	}
	n.c.bcastReceived.Add(1)
	if n.onRecv != nil {
		n.onRecv(Receipt{From: h.from, Sent: e.Sent, Broadcast: true, Hops: h.hops})
	}
	n.deliverBroadcast(e, sig, bcastAck{BID: e.BID, Node: n.id, Hops: h.hops, Fwd: fwd})
}
