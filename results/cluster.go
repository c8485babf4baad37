package results

import (
	"time"

	"github.com/perfbench/perfbench/natsrig"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// ClusterRun is the document of a cluster run: node processes on NATS, every
// cross-node toggle chosen off and on, in interleaved rounds.
type ClusterRun struct {
	Header
	Settings    ClusterSettings    `json:"settings"`
	Elapsed     time.Duration      `json:"elapsed"`
	Nodes       []ClusterNode      `json:"nodes"`
	Off         ClusterSide        `json:"off"`
	On          ClusterSide        `json:"on"`
	Reference   []ClusterGroup     `json:"reference"` // server fan-out, over every round of both sides
	Comparisons []stats.Comparison `json:"comparisons"`
	Ratios      map[string]float64 `json:"paired_ratio_medians"`
	Verdicts    []verdict.Verdict  `json:"verdicts"`
	Fault       *ClusterFault      `json:"fault,omitempty"`
	Rounds      []*ClusterRound    `json:"rounds"`
	Files       []string           `json:"files"`
	Errors      []string           `json:"errors,omitempty"`
}

// ClusterSettings are the options of a cluster run.
type ClusterSettings struct {
	Nodes       int           `json:"nodes"`
	Opt         string        `json:"opt"`
	Rounds      int           `json:"rounds_per_side"`
	Duration    time.Duration `json:"stream_per_round"`
	Rate        float64       `json:"rate"`
	Payload     int           `json:"payload_bytes"`
	NATS        string        `json:"nats"`
	Fanout      int           `json:"fanout"`
	BatchBytes  int           `json:"batch_bytes"`
	BatchDelay  time.Duration `json:"batch_delay"`
	Broadcasts  int           `json:"broadcasts"`
	Groups      []int         `json:"groups"`
	PingEvery   time.Duration `json:"ping_every"`
	ProfileTime time.Duration `json:"profile_time"`
	Heartbeat   time.Duration `json:"heartbeat"`
	Fault       string        `json:"fault"`
	Link        ClusterLink   `json:"link"` // each node's emulated link; zero: bare loopback
	Command     string        `json:"command,omitempty"`
}

// ClusterLink is an emulated node link as recorded (natsrig.Link, which
// converts to and from it, emulates it).
type ClusterLink struct {
	Bandwidth float64       `json:"bandwidth_bps,omitempty"` // bits per second each way; 0: unlimited
	Latency   time.Duration `json:"latency,omitempty"`       // one way, added to what the node sends
}

// ClusterNode is a node process as its heartbeat announced it.
type ClusterNode struct {
	ID   string `json:"id"`
	PID  int    `json:"pid"`
	Host string `json:"host"`
}

// ClusterFault says what a fault did to the run.
type ClusterFault struct {
	Injected string        `json:"injected"`
	LostNode string        `json:"lost_node,omitempty"`
	Reason   string        `json:"reason,omitempty"`
	After    time.Duration `json:"detected_after,omitempty"` // since the run started
	// Detection is from the fault's injection to the node being declared
	// lost (0 when the loss was not injected).
	Detection time.Duration `json:"detection,omitempty"`
	// InFlight counts signals the surviving nodes sent to the lost node that
	// it never acknowledged: sent − failed − acked.
	InFlight uint64 `json:"in_flight_to_lost_node"`
	// Survivors is the interrupted round's ledger among the other nodes.
	Survivors  *ClusterLedger  `json:"survivors,omitempty"`
	Reconnects []time.Duration `json:"reconnects,omitempty"`
	Lost       uint64          `json:"lost_in_flight"`
}

// ClusterLatency summarizes one HdrHistogram.
type ClusterLatency struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
}

// ClusterLedger is the signal ledger of point-to-point traffic: per ordered
// pair of nodes, sent = failed at the sender + delivered + errored at the
// receiver + lost in flight.
type ClusterLedger struct {
	Sent       uint64 `json:"sent"`
	SendFailed uint64 `json:"send_failed"`
	Delivered  uint64 `json:"delivered"`
	Errored    uint64 `json:"errored"`
	Lost       uint64 `json:"lost_in_flight"`
	// Exact is true when every pair balances with a non-negative loss
	// (no receiver counted more than was sent to it).
	Exact bool `json:"exact"`
	// Disagreements lists pairs whose sender's acked count differs from
	// the receiver's own count.
	Disagreements []string `json:"disagreements,omitempty"`
	Dropped       uint64   `json:"dropped_by_client"` // slow-consumer drops the NATS clients reported
	Undecodable   uint64   `json:"undecodable"`
}

// ClusterGroup is the broadcasts of one group size in one mode, over all
// rounds of a side.
type ClusterGroup struct {
	Group    int           `json:"group"`
	Mode     string        `json:"mode"`
	Count    int           `json:"count"`
	Complete int           `json:"complete"` // every node acknowledged
	Errored  int           `json:"errored"`  // acks reporting a failed local delivery
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	Max      time.Duration `json:"max"`
	Depth    int           `json:"depth"`     // most hops seen
	RootMsgs float64       `json:"root_msgs"` // messages the root published per broadcast
	RootMax  int           `json:"root_max"`  // most the root published for one broadcast
	// Once counts the broadcasts that reached every node by exactly one
	// copy (rtcluster.BroadcastResult.Once); Received is the copies the
	// nodes counted taking, which must then be Count × (Group − 1).
	Once      int     `json:"once"`
	Received  uint64  `json:"received"`
	WireBytes float64 `json:"wire_bytes"`
	WireMsgs  float64 `json:"wire_msgs"`
}

// ClusterSide is one side's results over all its rounds.
type ClusterSide struct {
	Label    string `json:"label"`
	Features string `json:"features"`
	Rounds   int    `json:"rounds"`

	Signals       ClusterLedger  `json:"signals"`
	Due           int64          `json:"due"`       // stream signals the schedule asked for
	Scheduled     int64          `json:"scheduled"` // of those, sent (fewer only if a stream was cut short)
	Lag           ClusterLatency `json:"send_lag"`  // how late sends were against their due times
	StreamSeconds float64        `json:"span_seconds"`
	Throughput    float64        `json:"throughput"` // signals that arrived, per second from the stream's start to the last arrival
	WireBytes     float64        `json:"wire_bytes_per_signal"`
	WireMsgs      float64        `json:"wire_msgs_per_signal"`
	PayloadBytes  float64        `json:"payload_bytes_per_signal"` // as published, after compression
	RawBytes      float64        `json:"raw_bytes_per_signal"`     // before compression
	CPU           float64        `json:"cpu_ns_per_signal"`        // nodes + embedded servers, net of IdleCPU
	IdleCPU       float64        `json:"idle_cpu_ns_per_signal"`   // the idle baseline subtracted (ClusterRound.IdleCPU)
	OneWay        ClusterLatency `json:"one_way"`
	SameHost      bool           `json:"same_host"` // one-way is only meaningful when every node shares a clock
	RTT           ClusterLatency `json:"rtt"`
	Pings         int64          `json:"pings"`
	PingErrors    int64          `json:"ping_errors"`

	Broadcast  []ClusterGroup  `json:"broadcast"`
	Reconnects []time.Duration `json:"reconnects,omitempty"`
}

// Group returns the side's broadcasts of group size g in mode ("node" or
// "server"); ok is false when the side ran none.
func (s ClusterSide) Group(g int, mode string) (ClusterGroup, bool) {
	for _, b := range s.Broadcast {
		if b.Group == g && b.Mode == mode {
			return b, true
		}
	}
	return ClusterGroup{}, false
}

// ClusterRound is the raw record of one round of one side.
type ClusterRound struct {
	Side     string                       `json:"side"`
	Index    int                          `json:"index"`
	Features string                       `json:"features"`
	Stream   map[string]*ClusterStream    `json:"stream"`
	Stats    map[string]*ClusterNodeStats `json:"stats"`
	Traffic  Traffic                      `json:"traffic"` // stream phase, all nodes' data connections
	// Span runs from the stream's start until everything sent had arrived
	// (or stopped arriving); the CPU figures cover the same span, so that
	// a backlog worked off after the stream is paid for.
	Span      time.Duration `json:"span"`
	ServerCPU time.Duration `json:"server_cpu"` // the coordinator process (embedded servers)
	NodeCPU   time.Duration `json:"node_cpu"`   // every node process
	// IdleCPU is what the same processes spend over Span when the
	// generators keep their schedule but send nothing (measured in the
	// same round, just before the stream, at the same rate): heartbeats,
	// acks, the generators' wake-ups. CPU per signal is net of it.
	IdleCPU    time.Duration     `json:"idle_cpu"`
	Broadcasts []ClusterGroupRun `json:"broadcasts"`
	Fault      string            `json:"fault,omitempty"`
	// Interrupted rounds were cut short by a lost node: their counters are
	// the survivors', and they stay out of the sides' summaries.
	Interrupted bool `json:"interrupted,omitempty"`
}

// ClusterGroupRun is the broadcasts of one group size in one mode.
type ClusterGroupRun struct {
	Group   int                         `json:"group"`
	Mode    string                      `json:"mode"` // "node" (the side's features) or "server" (reference)
	Results []rtcluster.BroadcastResult `json:"results"`
	Traffic Traffic                     `json:"traffic"`
	// Received is the copies the nodes took during these broadcasts, by
	// their own counters: one per node reached, when each was reached once.
	Received uint64 `json:"received"`
}

// ClusterStream is what one node reports of a stream.
type ClusterStream struct {
	Due        int64         `json:"due"`  // signals the schedule asked for: rate × duration
	Sent       int64         `json:"sent"` // signals handed to Send
	SendErrors int64         `json:"send_errors"`
	Pings      int64         `json:"pings"`
	PingErrors int64         `json:"ping_errors"`
	RTT        string        `json:"rtt"` // HdrHistogram, V2 compressed base64
	Lag        string        `json:"lag"` // HdrHistogram of how late each send was against its due time
	Elapsed    time.Duration `json:"elapsed"`
	CPU        time.Duration `json:"cpu"`               // process CPU time over the stream
	Profile    []byte        `json:"profile,omitempty"` // gzipped pprof
}

// ClusterNodeStats is one node's counters at the end of a phase.
type ClusterNodeStats struct {
	Counters   rtcluster.Counters `json:"counters"`
	Traffic    Traffic            `json:"traffic"` // since setup
	OneWay     string             `json:"one_way"` // HdrHistogram of send → receipt on this node
	Reconnects []time.Duration    `json:"reconnects"`
	Host       string             `json:"host"`
	PID        int                `json:"pid"`
}

// Traffic is what crossed the metered sockets (natsrig.Meter).
type Traffic = natsrig.Traffic
