package cluster

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// The types of a cluster run's results.json, by the names this package
// has always used for them.
type (
	Latency      = results.ClusterLatency
	Conservation = results.ClusterLedger
	GroupSummary = results.ClusterGroup
	Side         = results.ClusterSide
)

func latencyOf(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	q := func(p float64) time.Duration { return time.Duration(h.ValueAtQuantile(p)) }
	return Latency{Count: h.TotalCount(), Mean: time.Duration(h.Mean()), P50: q(50), P99: q(99), P999: q(99.9), Max: time.Duration(h.Max())}
}

// addLedger adds the nodes' counters of one phase to c.
func addLedger(c *Conservation, st map[string]*nodeStats) {
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
		addLedger(&s.Signals, rd.Stats)
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

// Cross-node latency as the plan means it: one-way when every node shares
// a clock, otherwise the round trip.
func crossNodeLatency(s Side) (Latency, string) {
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
// latency as crossNodeLatency picks it, and each group's broadcast p50.
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
	if l, _ := crossNodeLatency(s); l.Count > 0 {
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
