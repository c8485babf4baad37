package htmlpage

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
)

// group is the side's broadcasts of size n in mode ("node" or "server"),
// ok false when there were none.
func group(gs []results.ClusterGroup, n int, mode string) (results.ClusterGroup, bool) {
	for _, g := range gs {
		if g.Group == n && g.Mode == mode && g.Count > 0 {
			return g, true
		}
	}
	return results.ClusterGroup{}, false
}

func clusterPage(r *Run) (*Page, error) {
	var d results.ClusterRun
	if err := r.decode(&d); err != nil {
		return nil, err
	}
	s := d.Settings
	p := &Page{
		Title: fmt.Sprintf("perfbench cluster: %s off vs on, %d nodes", s.Opt, s.Nodes),
		Meta: metaLines(d.Header, fmt.Sprintf("Settings: NATS %s; %d rounds per side (A B B A) of %s streams at %s signals/s of %d B, each node to the next; "+
			"xbatch %s / %s; tree fanout %d; fault %s; run took %s", s.NATS, s.Rounds, s.Duration, numfmt.Value(s.Rate, ""), s.Payload,
			numfmt.Value(float64(s.BatchBytes), "B"), s.BatchDelay, s.Fanout, s.Fault, d.Elapsed.Round(time.Millisecond)),
			fmt.Sprintf("Sides: off (%s), on (%s); reference: one publish, NATS's own fan-out", d.Off.Features, d.On.Features)),
	}
	verdicts := &Table{Header: []string{"source", "target", "measured", "verdict", "reason"}}
	failed, undecided := 0, 0
	for _, v := range d.Verdicts {
		st := verdictClass(v.Status)
		switch st {
		case StatusFail:
			failed++
		case StatusInconclusive:
			undecided++
		}
		verdicts.Rows = append(verdicts.Rows, []Cell{{Text: cmp.Or(v.Source, "run")}, {Text: v.Criterion}, {Text: v.Measured}, {Text: string(v.Status), Status: st}, {Text: v.Reason}})
	}
	switch {
	case d.Fault != nil && d.Fault.LostNode != "":
		p.Outcome = Cell{Text: fmt.Sprintf("FAIL: node %s was lost (%s); %d signal(s) in flight to it", d.Fault.LostNode, d.Fault.Reason, d.Fault.InFlight), Status: StatusFail}
	case failed > 0:
		p.Outcome = Cell{Text: fmt.Sprintf("FAIL: %d of %d target(s) missed", failed, len(d.Verdicts)), Status: StatusFail}
	case len(d.Verdicts) == 0:
		p.Outcome = Cell{Text: "no verdict: no round was judged", Status: StatusInconclusive}
	case undecided > 0:
		p.Outcome = Cell{Text: fmt.Sprintf("INCONCLUSIVE: %d of %d target(s) undecided, none missed (the reasons say why)", undecided, len(d.Verdicts)), Status: StatusInconclusive}
	default:
		p.Outcome = Cell{Text: "PASS: every target met", Status: StatusPass}
	}
	if len(d.Verdicts) > 0 {
		p.Sections = append(p.Sections, Section{ID: "verdicts", Title: "Verdicts", Table: verdicts,
			Intro: "The plan's targets and our goals, for the toggles this run compares, and the ledger of each side; each can fail. " +
				"Performance targets are judged on 95 % CIs over the rounds (paired on/off ratios for relative ones): " +
				"PASS or FAIL only when the whole CI meets or misses the target, INCONCLUSIVE otherwise or with fewer than 6 rounds."})
	}
	lat, err := clusterLatency(d)
	if err != nil {
		return nil, err
	}
	p.Sections = append(p.Sections, lat, clusterWire(d), clusterBroadcast(d), clusterLedgerSection(d))
	if f := d.Fault; f != nil {
		t := &Table{Header: []string{"", ""}, Rows: [][]Cell{{{Text: "injected"}, {Text: f.Injected}}}}
		if f.LostNode != "" {
			t.Rows = append(t.Rows, []Cell{{Text: "lost node"}, {Text: f.LostNode + ": " + f.Reason, Status: StatusFail}},
				[]Cell{{Text: "in flight to it (sent, never acknowledged)"}, {Text: strconv.FormatUint(f.InFlight, 10)}})
		}
		t.Rows = append(t.Rows, []Cell{{Text: "reconnects (time to reconnect)"}, {Text: durations(f.Reconnects)}},
			[]Cell{{Text: "lost in flight (between nodes still up)"}, {Text: strconv.FormatUint(f.Lost, 10)}})
		p.Sections = append(p.Sections, Section{ID: "fault", Title: "Fault", Table: t,
			Intro: "Core NATS delivers at most once: what a fault lost is counted here, never hidden."})
	}
	if len(d.Comparisons) > 0 {
		sec := comparisonSection(d.Comparisons)
		sec.Title = "Off vs on, per round"
		p.Sections = append(p.Sections, sec)
	}
	movers, err := clusterMovers(r)
	if err != nil {
		return nil, err
	}
	profiles, err := profileSections(r, movers)
	if err != nil {
		return nil, err
	}
	for i := range profiles {
		if profiles[i].ID != "dig" {
			profiles[i].Intro = "Every node's profile merged into one, each sample labelled with its node (go tool pprof -tagfocus node=N)."
		}
	}
	p.Sections = append(p.Sections, profiles...)
	if len(d.Errors) > 0 {
		p.Sections = append(p.Sections, Section{ID: "errors", Title: "Errors", Notes: d.Errors})
	}
	return p, nil
}

// sideHistograms merges one side's histograms over its complete rounds and
// every node, as package cluster does for its summaries: the round trip
// and the send lag (kept by each sender) and the one-way time (by each
// receiver).
func sideHistograms(d results.ClusterRun, side string) (rtt, oneWay, lag *hdr.Histogram, err error) {
	merge := func(into **hdr.Histogram, enc string) error {
		h, err := decodeHDR(enc)
		if err != nil || h == nil {
			return err
		}
		if *into == nil {
			*into = h
		} else {
			(*into).Merge(h)
		}
		return nil
	}
	for _, rd := range d.Rounds {
		if rd.Side != side || rd.Stats == nil || rd.Interrupted {
			continue
		}
		for _, id := range sortedKeys(rd.Stream) {
			if err := merge(&rtt, rd.Stream[id].RTT); err != nil {
				return nil, nil, nil, fmt.Errorf("%s round trip of node %s: %w", side, id, err)
			}
			if err := merge(&lag, rd.Stream[id].Lag); err != nil {
				return nil, nil, nil, fmt.Errorf("%s send lag of node %s: %w", side, id, err)
			}
		}
		for _, id := range sortedKeys(rd.Stats) {
			if err := merge(&oneWay, rd.Stats[id].OneWay); err != nil {
				return nil, nil, nil, fmt.Errorf("%s one-way time of node %s: %w", side, id, err)
			}
		}
	}
	return rtt, oneWay, lag, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// clusterLatency is the percentile table and plots of the round trip, the
// one-way time and the send lag, off and on overlaid.
func clusterLatency(d results.ClusterRun) (Section, error) {
	type measure struct {
		name, caption string
		hist          [2]*hdr.Histogram // off, on
		targets       []target
	}
	ms := []*measure{
		{name: "round trip (request → reply)", caption: "a ping to the next node and its reply, over NATS"},
		{name: "one-way (send → receipt)", caption: "send to receipt on the other node; meaningful on one host (one clock)",
			targets: []target{{q: 50, value: float64(toggles.OneWayP50)}}},
		{name: "send lag (due → sent)", caption: "how late the stream sent against its schedule"},
	}
	for i, side := range []string{"off", "on"} {
		rtt, ow, lag, err := sideHistograms(d, side)
		if err != nil {
			return Section{}, err
		}
		ms[0].hist[i], ms[1].hist[i], ms[2].hist[i] = rtt, ow, lag
	}
	if !d.Off.SameHost || !d.On.SameHost {
		ms[1].name += ", several hosts: clocks differ"
	}
	t := &Table{Header: []string{"measure", "side", "count"}}
	for _, q := range latencyQuantiles {
		t.Header = append(t.Header, q.name)
	}
	var charts []Chart
	for _, m := range ms {
		var curves []quantileCurve
		for i, h := range m.hist {
			if h == nil || h.TotalCount() == 0 {
				continue
			}
			label := []string{"off", "on"}[i]
			row := []Cell{{Text: m.name}, {Text: label}, {Text: itoa(h.TotalCount())}}
			for _, q := range latencyQuantiles {
				row = append(row, Cell{Text: numfmt.Value(float64(h.ValueAtQuantile(q.q)), "ns")})
			}
			t.Rows = append(t.Rows, row)
			curves = append(curves, quantileCurve{s: sideSeries(label), quantile: func(q float64) float64 { return float64(h.ValueAtQuantile(q)) }})
		}
		if len(curves) == 0 {
			continue
		}
		svg, err := percentileChart(curves, m.targets)
		if err != nil {
			return Section{}, fmt.Errorf("chart %s: %w", m.name, err)
		}
		charts = append(charts, Chart{Title: m.name, SVG: svg, Caption: m.caption})
	}
	return Section{ID: "latency", Title: "Cross-node latency", Table: t, Charts: charts,
		Intro: "From the HdrHistograms every node kept, merged over the rounds of each side. Percentile plots in the HdrHistogram style: " +
			"the x axis is 1/(1−q) on a log scale, so the tail up to p99.99 gets room; off is the solid blue line, on the dashed orange one; " +
			"the cross marks the goal of a one-way p50 under 200 µs."}, nil
}

// clusterWire is the traffic per stream signal, counted at the sockets.
func clusterWire(d results.ClusterRun) Section {
	t := &Table{Header: []string{"side", "features", "wire bytes/signal", "wire messages/signal", "payload raw → sent", "throughput", "CPU/signal"}}
	for _, s := range []results.ClusterSide{d.Off, d.On} {
		t.Rows = append(t.Rows, []Cell{{Text: s.Label}, {Text: s.Features}, {Text: numfmt.Value(s.WireBytes, "B")},
			{Text: fmt.Sprintf("%.3f", s.WireMsgs)}, {Text: numfmt.Value(s.RawBytes, "B") + " → " + numfmt.Value(s.PayloadBytes, "B")},
			{Text: numfmt.Value(s.Throughput, "signals/s")}, {Text: numfmt.Value(s.CPU, "ns")}})
	}
	sec := Section{ID: "wire", Title: "Wire traffic per signal", Table: t,
		Intro: "Counted at the socket by a counting dialer, framing included, both directions of every node's connection, divided by the stream signals sent."}
	perSide := func(f func(results.ClusterSide) float64) []bars {
		return []bars{{s: sideSeries("off"), values: []float64{f(d.Off)}}, {s: sideSeries("on"), values: []float64{f(d.On)}}}
	}
	for _, c := range []struct {
		title, unit, caption string
		vs                   []bars
	}{
		{"wire bytes per signal", "B", "bytes on the wire, both directions", perSide(func(s results.ClusterSide) float64 { return s.WireBytes })},
		{"wire messages per signal", "", "NATS messages (PUB and MSG) on the wire", perSide(func(s results.ClusterSide) float64 { return s.WireMsgs })},
	} {
		svg, err := barChart(c.unit, []string{"off vs on"}, c.vs)
		if err != nil {
			sec.Notes = append(sec.Notes, fmt.Sprintf("no chart of %s: %v", c.title, err))
			continue
		}
		sec.Charts = append(sec.Charts, Chart{Title: c.title, SVG: svg, Caption: c.caption})
	}
	return sec
}

// clusterBroadcast is broadcast completion per group size: off, on, and
// the reference of one publish fanned out by the servers.
func clusterBroadcast(d results.ClusterRun) Section {
	t := &Table{Header: []string{"N", "off p50 / p99", "on p50 / p99", "reference p50 / p99", "plan bound N × 10 ms",
		"depth off/on/ref", "root msgs off/on/ref"}}
	names := make([]string, len(d.Settings.Groups))
	all := []bars{{s: sideSeries("off")}, {s: sideSeries("on")}, {s: series{label: "reference (server fan-out)", ref: true}}}
	for i, n := range d.Settings.Groups {
		names[i] = "N = " + strconv.Itoa(n)
		row := []Cell{{Text: strconv.Itoa(n)}}
		var depth, root []string
		bound := time.Duration(float64(n) * toggles.BroadcastPerNode)
		for j, g := range []struct {
			gs   []results.ClusterGroup
			mode string
		}{{d.Off.Broadcast, "node"}, {d.On.Broadcast, "node"}, {d.Reference, "server"}} {
			gr, ok := group(g.gs, n, g.mode)
			all[j].values = append(all[j].values, float64(gr.P50))
			if !ok {
				row, depth, root = append(row, Cell{Text: "n/a"}), append(depth, "n/a"), append(root, "n/a")
				continue
			}
			c := Cell{Text: fmtDur(gr.P50) + " / " + fmtDur(gr.P99), Status: StatusPass}
			if gr.Complete < gr.Count {
				c.Text += fmt.Sprintf(" (%d/%d complete)", gr.Complete, gr.Count)
				c.Status = StatusFail
			} else if gr.P99 > bound {
				c.Status = StatusFail
			}
			row = append(row, c)
			depth, root = append(depth, strconv.Itoa(gr.Depth)), append(root, fmt.Sprintf("%.0f", gr.RootMsgs))
		}
		row = append(row, Cell{Text: fmtDur(bound)}, Cell{Text: strings.Join(depth, " / ")}, Cell{Text: strings.Join(root, " / ")})
		t.Rows = append(t.Rows, row)
	}
	sec := Section{ID: "broadcast", Title: "Broadcast completion", Table: t,
		Intro: "From node 0 until every node of the group acknowledged. A time is marked ✔ when every broadcast completed with its p99 within the plan's bound, ✘ otherwise. " +
			"The reference is what a NATS user would do: one publish to a subject every node subscribes to, the servers fanning it out."}
	if len(names) > 0 {
		svg, err := barChart("ns", names, all)
		if err != nil {
			sec.Notes = append(sec.Notes, "no chart: "+err.Error())
		} else {
			sec.Charts = []Chart{{Title: "broadcast completion p50 per group size", SVG: svg, Caption: "off, on and the server fan-out reference"}}
		}
	}
	return sec
}

// clusterLedgerSection shows each side's ledger of point-to-point signals.
func clusterLedgerSection(d results.ClusterRun) Section {
	t := &Table{Header: []string{"side", "sent", "delivered", "errored", "failed", "lost", "sent = delivered + errored + failed + lost",
		"counters agree", "dropped by client", "undecodable"}}
	u := func(n uint64) Cell { return Cell{Text: strconv.FormatUint(n, 10)} }
	for _, s := range []results.ClusterSide{d.Off, d.On} {
		c := s.Signals
		balanced := Cell{Text: "yes", Status: StatusPass}
		if !c.Exact || c.Sent != c.Delivered+c.Errored+c.SendFailed+c.Lost {
			balanced = Cell{Text: "no", Status: StatusFail}
		}
		agree := Cell{Text: "yes", Status: StatusPass}
		if len(c.Disagreements) > 0 {
			agree = Cell{Text: fmt.Sprintf("no: %d pair(s)", len(c.Disagreements)), Status: StatusFail}
		}
		t.Rows = append(t.Rows, []Cell{{Text: s.Label}, u(c.Sent), u(c.Delivered), u(c.Errored), u(c.SendFailed), u(c.Lost), balanced, agree,
			u(c.Dropped), u(c.Undecodable)})
	}
	return Section{ID: "ledger", Title: "Ledger", Table: t,
		Intro: "Per ordered pair of nodes: sent = failed at the sender + delivered + errored at the receiver + lost in flight, exact; " +
			"the sender's acknowledged count must agree with the receiver's own."}
}

func fmtDur(d time.Duration) string { return numfmt.Value(float64(d), "ns") }

func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	ss := make([]string, len(ds))
	for i, d := range ds {
		ss[i] = fmtDur(d)
	}
	return strings.Join(ss, ", ")
}

// clusterTop is how many top movers the page lists per profile kind, as
// many as perfbench profile shows by default.
const clusterTop = 5

// clusterMovers are the functions whose flat cost moved most between the
// merged off and on profiles of each kind the run holds.
func clusterMovers(r *Run) (map[profiling.Kind][]profiling.Mover, error) {
	out := map[profiling.Kind][]profiling.Mover{}
	for _, k := range profiling.Kinds() {
		off, err := r.Profile(k, stats.Off)
		if err != nil {
			return nil, err
		}
		on, err := r.Profile(k, stats.On)
		if err != nil {
			return nil, err
		}
		if off == nil || on == nil {
			continue
		}
		d, err := profiling.Diff(off, on)
		if err != nil {
			return nil, fmt.Errorf("%s profile: %w", k, err)
		}
		if out[k], err = profiling.TopMovers(d, clusterTop); err != nil {
			return nil, fmt.Errorf("%s profile: %w", k, err)
		}
	}
	return out, nil
}
