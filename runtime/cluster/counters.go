package cluster

// Ack is a receiver's cumulative count of the signals it took from one
// sender: delivered to a local agent, or refused there.
type Ack struct {
	Delivered uint64 `json:"delivered"`
	Errored   uint64 `json:"errored"`
}

// Total is Delivered + Errored: everything that arrived.
func (a Ack) Total() uint64 { return a.Delivered + a.Errored }

// PeerCounters is one node's view of its traffic with one peer.
type PeerCounters struct {
	Sent       uint64 `json:"sent"`        // signals this node sent to the peer
	SendFailed uint64 `json:"send_failed"` // of those, never handed to NATS
	Acked      Ack    `json:"acked"`       // what the peer last said it took from this node
	Received   Ack    `json:"received"`    // what this node took from the peer
}

// Counters are a node's totals. Point-to-point signals (Send, Request)
// obey, per ordered pair of nodes a→b, after both have flushed:
//
//	a.Peers[b].Sent = a.Peers[b].SendFailed + b.Peers[a].Received.Total() + lost in flight
//
// and a.Peers[b].Acked equals b.Peers[a].Received once b's acks have
// arrived. Broadcasts are counted apart.
type Counters struct {
	Node         string `json:"node"`
	Messages     uint64 `json:"messages"`      // NATS messages published with signals (a batch is one)
	PayloadBytes uint64 `json:"payload_bytes"` // their payload bytes, as published
	RawBytes     uint64 `json:"raw_bytes"`     // the same before compression
	Batches      uint64 `json:"batches"`
	Undecodable  uint64 `json:"undecodable"` // messages that could not be read
	Dropped      uint64 `json:"dropped"`     // messages the NATS client dropped (slow consumer)
	Requests     uint64 `json:"requests"`    // requests answered
	Replies      uint64 `json:"replies"`

	BroadcastsSent      uint64 `json:"broadcasts_sent"`
	BroadcastsReceived  uint64 `json:"broadcasts_received"`
	BroadcastsForwarded uint64 `json:"broadcasts_forwarded"`
	BroadcastsErrored   uint64 `json:"broadcasts_errored"`

	Peers map[string]PeerCounters `json:"peers"`
}

// Counters returns a snapshot of the node's counters.
func (n *Node) Counters() Counters {
	c := Counters{
		Node: n.id, Messages: n.c.messages.Load(), PayloadBytes: n.c.payloadBytes.Load(), RawBytes: n.c.rawBytes.Load(),
		Batches: n.c.batches.Load(), Undecodable: n.c.undecodable.Load(), Requests: n.c.requests.Load(),
		Replies: n.c.replies.Load(), BroadcastsSent: n.c.bcastSent.Load(), BroadcastsReceived: n.c.bcastReceived.Load(),
		BroadcastsForwarded: n.c.bcastForwarded.Load(), BroadcastsErrored: n.c.bcastErrored.Load(),
		Peers: map[string]PeerCounters{},
	}
	for _, s := range n.subs {
		if d, err := s.Dropped(); err == nil {
			c.Dropped += uint64(d)
		}
	}
	n.mu.Lock()
	for p, pc := range n.peer {
		c.Peers[p] = PeerCounters{Sent: pc.sent, SendFailed: pc.sendFailed, Acked: pc.acked, Received: pc.received}
	}
	n.mu.Unlock()
	for p, o := range n.outboxes {
		sent, failed := o.counts()
		pc := c.Peers[p]
		pc.Sent += sent
		pc.SendFailed += failed
		c.Peers[p] = pc
	}
	return c
}

// Sent sums the signals sent to every peer.
func (c Counters) Sent() (sent, failed uint64) {
	for _, p := range c.Peers {
		sent += p.Sent
		failed += p.SendFailed
	}
	return sent, failed
}

// Received sums what arrived from every peer.
func (c Counters) Received() Ack {
	var a Ack
	for _, p := range c.Peers {
		a.Delivered += p.Received.Delivered
		a.Errored += p.Received.Errored
	}
	return a
}
