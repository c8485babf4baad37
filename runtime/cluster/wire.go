package cluster

import (
	"encoding/json"
	"fmt"

	"github.com/perfbench/perfbench/runtime/signal"
)

// envelope is one cross-node signal on the wire: who sent it to which agent,
// when, and the signal itself in its CloudEvents JSON form. Broadcast fields
// are set only on broadcasts, Req only on requests.
type envelope struct {
	From  string `json:"from"`
	Agent string `json:"agent"`
	Sent  int64  `json:"sent"` // sender's clock, Unix ns, when the signal was handed over
	Req   uint64 `json:"req,omitempty"`
	BID   uint64 `json:"bid,omitempty"`
	Root  string `json:"root,omitempty"`
	Group int    `json:"group,omitempty"`
	Hops  int    `json:"hops,omitempty"`
	// A tree broadcast's routing is not here but in the prefix ahead of the
	// envelope (tree.go).
	Event json.RawMessage `json:"event"`
}

// ack is a receiver's cumulative count of what it took from one sender.
type ack struct {
	From string `json:"from"`
	Ack
}

// bcastAck tells a broadcast's root that one node has it, after how many hops.
type bcastAck struct {
	BID  uint64 `json:"bid"`
	Node string `json:"node"`
	Hops int    `json:"hops"`
	Fwd  int    `json:"fwd,omitempty"` // copies this node forwarded down the tree
	Err  string `json:"err,omitempty"` // the local delivery failed
}

// reply carries a request's outcome back to the requester.
type reply struct {
	Req uint64 `json:"req"`
	Err string `json:"err,omitempty"`
}

func encodeEnvelope(e *envelope, sig *signal.Signal) ([]byte, error) {
	ev, err := sig.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode signal %s: %w", sig.ID(), err)
	}
	e.Event = ev
	return json.Marshal(e)
}

func decodeEnvelope(b []byte) (envelope, *signal.Signal, error) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return e, nil, fmt.Errorf("decode envelope: %w", err)
	}
	var sig signal.Signal
	if err := sig.UnmarshalJSON(e.Event); err != nil {
		return e, nil, err
	}
	return e, &sig, nil
}
