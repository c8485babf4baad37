package cluster

import (
	"encoding/binary"
	"fmt"

	"github.com/nats-io/nats.go"
)

// A tree copy is a fixed binary prefix followed by the envelope's JSON. The
// prefix carries the copy's routing, so a node reads it without decoding
// the signal, rewrites its hop fields in place and relays the very bytes it
// received to its children before it decodes them for its own agent: a
// level of the tree costs the network's hop, and no decode, encode, header
// or allocation on the way down. Peers are named by their index in Peers,
// which every node shares.
//
//	[0]    treeMagic (a JSON envelope starts with '{')
//	[1]    fanout
//	[2:4]  group
//	[4:6]  root's index
//	[6:8]  hops: links this copy crossed from the root
//	[8:10] index of the node that published this copy
const (
	treeMagic     = 0xfe
	treePrefixLen = 10
	// maxTreeGroup is the largest group a prefix's 16-bit fields can name.
	maxTreeGroup = 1<<16 - 1
)

// treeHop is one copy's place in a tree broadcast.
type treeHop struct {
	root, from    int // indices in Peers
	group, fanout int
	hops          int
}

// putTreePrefix writes h into the first treePrefixLen bytes of b.
func putTreePrefix(b []byte, h treeHop) {
	b[0] = treeMagic
	b[1] = byte(h.fanout)
	binary.BigEndian.PutUint16(b[2:], uint16(h.group))
	binary.BigEndian.PutUint16(b[4:], uint16(h.root))
	binary.BigEndian.PutUint16(b[6:], uint16(h.hops))
	binary.BigEndian.PutUint16(b[8:], uint16(h.from))
}

func isTreeCopy(b []byte) bool { return len(b) > 0 && b[0] == treeMagic }

// parseTreePrefix reads a tree copy's routing and checks it against a
// membership of peers nodes; the rest of b is the envelope.
func parseTreePrefix(b []byte, peers int) (treeHop, error) {
	if len(b) < treePrefixLen || b[0] != treeMagic {
		return treeHop{}, fmt.Errorf("%w: tree copy of %d B: want a %d B prefix starting %#x", ErrInvalidConfig, len(b), treePrefixLen, treeMagic)
	}
	h := treeHop{
		fanout: int(b[1]),
		group:  int(binary.BigEndian.Uint16(b[2:])),
		root:   int(binary.BigEndian.Uint16(b[4:])),
		hops:   int(binary.BigEndian.Uint16(b[6:])),
		from:   int(binary.BigEndian.Uint16(b[8:])),
	}
	if h.group < 2 || h.group > peers || h.fanout < 1 || h.fanout > MaxFanout || h.root >= h.group || h.from >= h.group ||
		h.hops < 1 || h.hops >= h.group {
		return treeHop{}, fmt.Errorf("%w: tree prefix %+v: want group 2 to %d, fanout 1 to %d, root and sender in the group, 1 ≤ hops < group",
			ErrInvalidConfig, h, peers, MaxFanout)
	}
	return h, nil
}

// relay publishes the tree copy b to each target, one hop further down:
// it rewrites b's hops and sender in place, which is safe because NATS
// copies a published payload before Publish returns and hands every
// received message its own buffer.
func (n *Node) relay(b []byte, targets []string) (int, error) {
	if len(targets) == 0 {
		return 0, nil
	}
	binary.BigEndian.PutUint16(b[6:], binary.BigEndian.Uint16(b[6:])+1)
	binary.BigEndian.PutUint16(b[8:], uint16(n.index[n.id]))
	return n.publishEach(b, targets)
}

// receiveNodeBroadcast takes a broadcast that a node published to this one:
// a tree copy (it has the prefix) or the root's direct send.
func (n *Node) receiveNodeBroadcast(m *nats.Msg) {
	if !isTreeCopy(m.Data) {
		n.receiveBroadcast(m.Data)
		return
	}
	h, err := parseTreePrefix(m.Data, len(n.peers))
	if err != nil {
		n.c.undecodable.Add(1)
		return
	}
	root := n.peers[h.root]
	// Forward first: the children's copies are on their way while this
	// node decodes its own.
	fwd, ferr := n.relay(m.Data, n.children(h.group, root, n.position(h.group, root), h.fanout))
	n.c.bcastForwarded.Add(uint64(fwd))
	if ferr != nil {
		n.c.bcastErrored.Add(1)
	}
	e, sig, err := decodeEnvelope(m.Data[treePrefixLen:])
	if err != nil {
		n.c.undecodable.Add(1)
		return
	}
	e.Root = root
	n.c.bcastReceived.Add(1)
	if n.onRecv != nil {
		n.onRecv(Receipt{From: n.peers[h.from], Sent: e.Sent, Broadcast: true, Hops: h.hops})
	}
	n.deliverBroadcast(e, sig, bcastAck{BID: e.BID, Node: n.id, Hops: h.hops, Fwd: fwd})
}
