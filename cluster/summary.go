package cluster

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
)

// Latency summarizes one HdrHistogram.
type Latency struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	Max   time.Duration `json:"max"`
}

func latencyOf(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) time.Duration { return time.Duration(h.ValueAtQuantile(p)) }
	return Latency{Count: h.TotalCount(), Mean: time.Duration(h.Mean()), P50: q(50), P99: q(99), P999: q(99.9), Max: time.Duration(h.Max())}
}

// Conservation is the signal ledger of point-to-point traffic: per ordered
// pair of nodes, sent = failed at the sender + delivered + errored at the
// receiver + lost in flight.
type Conservation struct {
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

func (c *Conservation) add(st map[string]*nodeStats) {
	pairsExact := true
	for a, sa := range st {
		c.Dropped += sa.Counters.Dropped
		c.Undecodable += sa.Counters.Undecodable
		for b, pc := range sa.Counters.Peers {
			sb, ok := st[b]
			if !ok {
				continue // a lost node's share is reported by the fault section
			}
			got := sb.Counters.Peers[a].Received
			c.Sent += pc.Sent
			c.SendFailed += pc.SendFailed
			c.Delivered += got.Delivered
			c.Errored += got.Errored
			if pc.SendFailed+got.Total() > pc.Sent {
				pairsExact = false
				continue
			}
			c.Lost += pc.Sent - pc.SendFailed - got.Total()
		}
	}
	c.Disagreements = append(c.Disagreements, disagreements(st)...)
	c.Exact = c.Exact && pairsExact
}

// GroupSummary is the broadcasts of one group size in one mode, over all
// rounds of a side.
type GroupSummary struct {
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

// Side is one side's results over all its rounds.
type Side struct {
	Label    string `json:"label"`
	Features string `json:"features"`
	Rounds   int    `json:"rounds"`

	Signals       Conservation `json:"signals"`
	Due           int64        `json:"due"`       // stream signals the schedule asked for
	Scheduled     int64        `json:"scheduled"` // of those, sent (fewer only if a stream was cut short)
	Lag           Latency      `json:"send_lag"`  // how late sends were against their due times
	StreamSeconds float64      `json:"span_seconds"`
	Throughput    float64      `json:"throughput"` // signals that arrived, per second from the stream's start to the last arrival
	WireBytes     float64      `json:"wire_bytes_per_signal"`
	WireMsgs      float64      `json:"wire_msgs_per_signal"`
	PayloadBytes  float64      `json:"payload_bytes_per_signal"` // as published, after compression
	RawBytes      float64      `json:"raw_bytes_per_signal"`     // before compression
	CPU           float64      `json:"cpu_ns_per_signal"`        // nodes + embedded servers, net of IdleCPU
	IdleCPU       float64      `json:"idle_cpu_ns_per_signal"`   // the idle baseline subtracted (RoundData.IdleCPU)
	OneWay        Latency      `json:"one_way"`
	SameHost      bool         `json:"same_host"` // one-way is only meaningful when every node shares a clock
	RTT           Latency      `json:"rtt"`
	Pings         int64        `json:"pings"`
	PingErrors    int64        `json:"ping_errors"`

	Broadcast  []GroupSummary  `json:"broadcast"`
	Reconnects []time.Duration `json:"reconnects,omitempty"`
}

// summarize folds the rounds of one side.
func summarize(label, features string, rounds []*RoundData) (Side, error) {
	s := Side{Label: label, Features: features, Rounds: len(rounds)}
	ow, rtt, lag := newHist(), newHist(), newHist()
	var wire, msgs, payload, raw, cpu, idle float64
	var arrived uint64
	hosts := map[string]bool{}
	type gk struct {
		g    int
		mode string
	}
	groups := map[gk]*GroupSummary{}
	elapsed := map[gk][]time.Duration{}
	s.Signals.Exact = true
	for _, rd := range rounds {
		before := s.Signals
		s.Signals.add(rd.Stats)
		arrived += s.Signals.Delivered + s.Signals.Errored - before.Delivered - before.Errored
		wire += float64(rd.Traffic.Bytes())
		msgs += float64(rd.Traffic.Msgs())
		cpu += float64(rd.ServerCPU + rd.NodeCPU - rd.IdleCPU)
		idle += float64(rd.IdleCPU)
		s.StreamSeconds += rd.Span.Seconds()
		for _, sr := range rd.Stream {
			if sr == nil {
				continue
			}
			s.Due += sr.Due
			s.Scheduled += sr.Sent
			s.Pings += sr.Pings
			s.PingErrors += sr.PingErrors
			h, err := decodeHist(sr.RTT)
			if err != nil {
				return s, err
			}
			rtt.Merge(h)
			if h, err = decodeHist(sr.Lag); err != nil {
				return s, err
			}
			lag.Merge(h)
		}
		for _, st := range rd.Stats {
			h, err := decodeHist(st.OneWay)
			if err != nil {
				return s, err
			}
			ow.Merge(h)
			payload += float64(st.Counters.PayloadBytes)
			raw += float64(st.Counters.RawBytes)
			hosts[st.Host] = true
			s.Reconnects = append(s.Reconnects, st.Reconnects...)
		}
		for _, gr := range rd.Broadcasts {
			k := gk{gr.Group, gr.Mode}
			g := groups[k]
			if g == nil {
				g = &GroupSummary{Group: gr.Group, Mode: gr.Mode}
				groups[k] = g
			}
			for _, r := range gr.Results {
				g.Count++
				g.Errored += r.Errored
				g.Depth = max(g.Depth, r.Depth)
				g.RootMsgs += float64(r.Sent)
				g.RootMax = max(g.RootMax, r.Sent)
				if r.Once() {
					g.Once++
				}
				if r.Acked == r.Group-1 {
					g.Complete++
					elapsed[k] = append(elapsed[k], r.Elapsed)
				}
			}
			g.Received += gr.Received
			g.WireBytes += float64(gr.Traffic.Bytes())
			g.WireMsgs += float64(gr.Traffic.Msgs())
		}
	}
	sent := float64(s.Signals.Sent)
	if sent > 0 {
		s.WireBytes, s.WireMsgs, s.PayloadBytes, s.RawBytes, s.CPU = wire/sent, msgs/sent, payload/sent, raw/sent, cpu/sent
		s.IdleCPU = idle / sent
	}
	if s.StreamSeconds > 0 {
		s.Throughput = float64(arrived) / s.StreamSeconds
	}
	s.OneWay, s.RTT, s.Lag = latencyOf(ow), latencyOf(rtt), latencyOf(lag)
	s.SameHost = len(hosts) == 1
	for k, g := range groups {
		if g.Count > 0 {
			g.RootMsgs /= float64(g.Count)
			g.WireBytes /= float64(g.Count)
			g.WireMsgs /= float64(g.Count)
		}
		es := elapsed[k]
		slices.Sort(es)
		if len(es) > 0 {
			g.P50, g.P99, g.Max = quantile(es, 0.5), quantile(es, 0.99), es[len(es)-1]
		}
		s.Broadcast = append(s.Broadcast, *g)
	}
	sort.Slice(s.Broadcast, func(i, j int) bool {
		a, b := s.Broadcast[i], s.Broadcast[j]
		return a.Group < b.Group || a.Group == b.Group && a.Mode < b.Mode
	})
	return s, nil
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Group returns the summary of one group size and mode.
func (s Side) Group(g int, mode string) (GroupSummary, bool) {
	for _, b := range s.Broadcast {
		if b.Group == g && b.Mode == mode {
			return b, true
		}
	}
	return GroupSummary{}, false
}

// Cross-node latency as the plan means it: one-way when every node shares
// a clock, otherwise the round trip.
func (s Side) crossNode() (Latency, string) {
	if s.SameHost && s.OneWay.Count > 0 {
		return s.OneWay, "one-way"
	}
	return s.RTT, "round trip"
}

// roundMetrics are the per-round values compared off against on.
var roundMetrics = []stats.Metric{
	{Name: "wire-B/signal", Better: stats.LowerIsBetter, Noise: 0.02},
	{Name: "wire-msgs/signal", Better: stats.LowerIsBetter, Noise: 0.02},
	{Name: "cpu-ns/signal", Better: stats.LowerIsBetter, Noise: 0.05},
	{Name: "one-way-p50-ns", Better: stats.LowerIsBetter, Noise: 0.05},
	{Name: "rtt-p50-ns", Better: stats.LowerIsBetter, Noise: 0.05},
	{Name: "signals/s", Better: stats.HigherIsBetter, Noise: 0.02},
	{Name: "bcast-p50-ns", Better: stats.LowerIsBetter, Noise: 0.05},
}

// Per-round values the verdicts read besides roundMetrics: the cross-node
// latency as crossNode picks it, and each group's broadcast p50.
const (
	keyCrossMean = "cross-node-mean-ns"
	keyCrossP50  = "cross-node-p50-ns"
)

func keyBroadcast(group int) string { return fmt.Sprintf("bcast-p50-ns/%d", group) }

// roundValues computes roundMetrics for one round (bcast-p50-ns is for the
// largest group in node mode), and the values the verdicts judge.
func roundValues(rd *RoundData, largest int) (map[string]float64, error) {
	s, err := summarize(rd.Side, rd.Features, []*RoundData{rd})
	if err != nil {
		return nil, err
	}
	v := map[string]float64{
		"wire-B/signal": s.WireBytes, "wire-msgs/signal": s.WireMsgs, "cpu-ns/signal": s.CPU,
		"one-way-p50-ns": float64(s.OneWay.P50), "rtt-p50-ns": float64(s.RTT.P50), "signals/s": s.Throughput,
	}
	if g, ok := s.Group(largest, "node"); ok {
		v["bcast-p50-ns"] = float64(g.P50)
	}
	if l, _ := s.crossNode(); l.Count > 0 {
		v[keyCrossMean], v[keyCrossP50] = float64(l.Mean), float64(l.P50)
	}
	for _, g := range s.Broadcast {
		if g.Mode == "node" && g.Complete > 0 {
			v[keyBroadcast(g.Group)] = float64(g.P50)
		}
	}
	return v, nil
}

// compare judges every round metric on the paired on/off ratios (rounds
// paired in the order they ran, ABBA), and returns each metric's median
// ratio for the verdicts.
func compare(off, on []map[string]float64) ([]stats.Comparison, map[string]float64) {
	var cs []stats.Comparison
	ratios := map[string]float64{}
	for _, m := range roundMetrics {
		var a, b []float64
		for i := range min(len(off), len(on)) {
			a = append(a, off[i][m.Name])
			b = append(b, on[i][m.Name])
		}
		if len(a) == 0 {
			continue
		}
		c := stats.ComparePaired(m, a, b, m.Noise)
		cs = append(cs, c)
		if c.Paired != nil {
			ratios[m.Name] = c.Paired.Ratio
		}
	}
	return cs, ratios
}

func fmtDur(d time.Duration) string { return numfmt.Value(float64(d.Nanoseconds()), "ns") }

func fmtPct(ratio float64) string { return fmt.Sprintf("%+.1f %%", (ratio-1)*100) }
