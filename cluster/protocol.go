package cluster

import (
	"encoding/json"
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/results"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/runtime/features"
)

// The control plane: the coordinator sends each node a request on
// <prefix>.ctl.<id> over a connection of its own (never metered), and the
// node answers. Nodes announce themselves, and prove they are alive, with a
// heartbeat on <prefix>.hb.<id>.

func ctlSubject(prefix, id string) string { return prefix + ".ctl." + id }
func hbSubject(prefix, id string) string  { return prefix + ".hb." + id }
func hbWildcard(prefix string) string     { return prefix + ".hb.*" }

// Operations a node answers.
const (
	opSetup     = "setup"     // (re)build the node's runtime with a feature set
	opStream    = "stream"    // send a paced stream to peers, with pings, optionally under a profiler
	opFlush     = "flush"     // send every outbox now
	opFlushAcks = "flushacks" // send every peer its cumulative ack now
	opStats     = "stats"     // counters, wire traffic, one-way latency, reconnects
	opTraffic   = "traffic"   // wire traffic only
	opBroadcast = "bcast"     // run broadcasts from this node and time them
	opAbort     = "abort"     // end the stream in progress now
	opQuit      = "quit"
)

type request struct {
	Op        string        `json:"op"`
	Setup     *setupReq     `json:"setup,omitempty"`
	Stream    *streamReq    `json:"stream,omitempty"`
	Broadcast *broadcastReq `json:"bcast,omitempty"`
}

type setupReq struct {
	Features    features.Set  `json:"features"`
	Peers       []string      `json:"peers"`
	Fanout      int           `json:"fanout"`
	BatchBytes  int           `json:"batch_bytes"`
	BatchDelay  time.Duration `json:"batch_delay"`
	PayloadSize int           `json:"payload_size"`
	Prefix      string        `json:"prefix"` // data-plane subjects, one per side and round
	Link        natsrig.Link  `json:"link"`   // each node's emulated link; zero: the bare socket
}

type streamReq struct {
	Rate      float64       `json:"rate"` // signals per second from this node
	Duration  time.Duration `json:"duration"`
	Targets   []string      `json:"targets"`
	PingEvery time.Duration `json:"ping_every"`
	Profile   string        `json:"profile,omitempty"` // cpu, heap, allocs or wall: capture it over the stream
	// Idle runs the schedule without sending or pinging: the node's CPU
	// over it is the baseline (heartbeats, acks, the generator's own
	// wake-ups) that the round's CPU per signal is net of.
	Idle bool `json:"idle,omitempty"`
}

type broadcastReq struct {
	Group   int           `json:"group"`
	Count   int           `json:"count"`
	Server  bool          `json:"server"` // the reference: one publish, fanned out by NATS
	Timeout time.Duration `json:"timeout"`
}

type response struct {
	Err     string           `json:"err,omitempty"`
	Stream  *streamResult    `json:"stream,omitempty"`
	Stats   *nodeStats       `json:"stats,omitempty"`
	Traffic *natsrig.Traffic `json:"traffic,omitempty"`
	CPU     time.Duration    `json:"cpu,omitempty"` // the node's process CPU so far (traffic, stats)
	// BcastReceived is the broadcast copies the node has taken since
	// setup (traffic): summed over nodes, every copy is counted once.
	BcastReceived uint64                      `json:"bcast_received,omitempty"`
	Broadcast     []rtcluster.BroadcastResult `json:"bcast,omitempty"`
}

// What a node reports of a stream and of its counters, and announces in
// its heartbeat: results.json records them as they came.
type (
	streamResult = results.ClusterStream
	nodeStats    = results.ClusterNodeStats
	heartbeat    = results.ClusterNode
)

// Histogram range: 1 µs resolution is plenty across a network; up to a
// minute, 3 significant digits.
const (
	histLowest  = 1
	histHighest = int64(time.Minute)
	histDigits  = 3
)

func newHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

func record(h *hdr.Histogram, ns int64) {
	_ = h.RecordValue(min(max(ns, histLowest), histHighest))
}

func encodeHist(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

func decodeHist(s string) (*hdr.Histogram, error) {
	if s == "" {
		return newHist(), nil
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every type marshalled here is plain data.
		panic(err)
	}
	return b
}
