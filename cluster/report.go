package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/toggles"
)

// The settings and the fault section of results.json.
type (
	Settings    = results.ClusterSettings
	FaultReport = results.ClusterFault
)

// Report is a whole cluster run: the results.json document it writes,
// and what judging it needs besides.
type Report struct {
	results.ClusterRun
	opts Options
	// offV and onV are the per-round values of the complete rounds, in the
	// order they ran, for the verdicts.
	offV, onV []map[string]float64
}

func newReport(o Options, env machine.Env) *Report {
	nats := o.NATS
	if nats == "" {
		nats = fmt.Sprintf("embedded, %d servers on loopback", o.Servers)
	}
	return &Report{
		ClusterRun: results.ClusterRun{Header: results.NewHeader(results.Cluster, "cluster", time.Now().UTC(), env),
			Settings: Settings{Nodes: o.Nodes, Opt: o.Opt, Rounds: o.Rounds, Duration: o.Duration, Rate: o.Rate, Payload: o.Payload,
				NATS: nats, Fanout: o.Fanout, BatchBytes: o.BatchBytes, BatchDelay: o.BatchDelay, Broadcasts: o.Broadcasts,
				Groups: o.groups(), PingEvery: o.PingEvery, ProfileTime: o.ProfileTime, Heartbeat: o.Heartbeat,
				Fault: o.Fault.String(), Link: results.ClusterLink(o.link), Command: o.Command}},
		opts: o,
	}
}

// fold computes the sides, the reference, the comparisons and verdicts
// from the rounds that ran to the end.
func (r *Report) fold() error {
	var off, on []*RoundData
	for _, rd := range r.Rounds {
		if rd.Stats == nil || rd.Interrupted {
			continue // a round cut short by a fault: see the fault section
		}
		if rd.Side == "off" {
			off = append(off, rd)
		} else {
			on = append(on, rd)
		}
	}
	sets := r.opts.sides()
	var err error
	if r.Off, err = summarize("off", sets[0].String(), off); err != nil {
		return err
	}
	if r.On, err = summarize("on", sets[1].String(), on); err != nil {
		return err
	}
	all, err := summarize("reference", "server fan-out", append(append([]*RoundData(nil), off...), on...))
	if err != nil {
		return err
	}
	r.Reference = nil
	for _, g := range all.Broadcast {
		if g.Mode == "server" {
			r.Reference = append(r.Reference, g)
		}
	}
	largest := r.opts.groups()[len(r.opts.groups())-1]
	var offV, onV []map[string]float64
	for _, rd := range off {
		v, err := roundValues(rd, largest)
		if err != nil {
			return err
		}
		offV = append(offV, v)
	}
	for _, rd := range on {
		v, err := roundValues(rd, largest)
		if err != nil {
			return err
		}
		onV = append(onV, v)
	}
	r.offV, r.onV = offV, onV
	r.Comparisons, r.Ratios = compare(offV, onV)
	r.Comparisons = report.SanitizeComparisons(r.Comparisons)
	for _, rd := range r.Rounds {
		if rd.Interrupted {
			// A run whose rounds were cut short by a lost node is judged
			// by nobody: its verdict is the failure itself. (A node lost
			// while profiling leaves complete rounds, which are judged.)
			r.Verdicts = nil
			return nil
		}
	}
	r.judge()
	return nil
}

// Title is the report's first line.
func (r *Report) Title() string {
	return fmt.Sprintf("perfbench cluster: %s off vs on, %d nodes, NATS %s", r.Settings.Opt, r.Settings.Nodes, r.Settings.NATS)
}

func (r *Report) settingsLine() string {
	s := r.Settings
	return fmt.Sprintf("%d rounds per side (A B B A) of %s streams at %s signals/s of %d B, ring to the next node; "+
		"xbatch %s / %s; tree fanout %d; %d broadcasts per group; ping every %s; fault %s; links %s; elapsed %s",
		s.Rounds, s.Duration, numfmt.Value(s.Rate, ""), s.Payload, numfmt.Value(float64(s.BatchBytes), "B"),
		s.BatchDelay, s.Fanout, s.Broadcasts, s.PingEvery, s.Fault, natsrig.Link(s.Link), r.Elapsed.Round(time.Millisecond))
}

func latRows(name string, off, on Latency) [][]string {
	q := func(l Latency) string {
		if l.Count == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%s / %s / %s", fmtDur(l.P50), fmtDur(l.P99), fmtDur(l.P999))
	}
	m := func(l Latency) string { return fmt.Sprintf("%s (n=%d)", fmtDur(l.Mean), l.Count) }
	return [][]string{{name + " p50 / p99 / p99.9", q(off), q(on)}, {name + " mean", m(off), m(on)}}
}

func (r *Report) streamRows() [][]string {
	off, on := r.Off, r.On
	num := func(v float64, unit string) string { return numfmt.Value(v, unit) }
	ledger := func(s Side) string {
		c := s.Signals
		return fmt.Sprintf("%d = %d + %d + %d + %d", c.Sent, c.Delivered, c.Errored, c.SendFailed, c.Lost)
	}
	ow := "one-way"
	if !off.SameHost || !on.SameHost {
		ow += " (several hosts!)"
	}
	rows := [][]string{{"features", off.Features, on.Features}}
	rows = append(rows, latRows("round trip", off.RTT, on.RTT)...)
	rows = append(rows, latRows(ow, off.OneWay, on.OneWay)...)
	rows = append(rows, [][]string{
		{"stream signals sent / due", sentDue(off), sentDue(on)},
		{"send lag behind schedule p50 / p99 / max", lagText(off.Lag), lagText(on.Lag)},
		{"throughput (all arrived)", num(off.Throughput, "signals/s"), num(on.Throughput, "signals/s")},
		{"wire bytes per signal", num(off.WireBytes, "B"), num(on.WireBytes, "B")},
		{"wire messages per signal", fmt.Sprintf("%.3f", off.WireMsgs), fmt.Sprintf("%.3f", on.WireMsgs)},
		{"payload per signal (raw → sent)", fmt.Sprintf("%s → %s", num(off.RawBytes, "B"), num(off.PayloadBytes, "B")),
			fmt.Sprintf("%s → %s", num(on.RawBytes, "B"), num(on.PayloadBytes, "B"))},
		{"CPU per signal (nodes + servers, net of idle)", fmtDur(time.Duration(off.CPU)), fmtDur(time.Duration(on.CPU))},
		{"idle baseline subtracted, per signal", fmtDur(time.Duration(off.IdleCPU)), fmtDur(time.Duration(on.IdleCPU))},
		{"sent = delivered + errored + failed + lost", ledger(off), ledger(on)},
		{"counters agree (acked = received)", agree(off), agree(on)},
		{"pings (errors)", fmt.Sprintf("%d (%d)", off.Pings, off.PingErrors), fmt.Sprintf("%d (%d)", on.Pings, on.PingErrors)},
	}...)
	if len(off.Reconnects)+len(on.Reconnects) > 0 {
		rows = append(rows, []string{"reconnects (time to reconnect)", durs(off.Reconnects), durs(on.Reconnects)})
	}
	return rows
}

func sentDue(s Side) string {
	if s.Due == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d / %d (%.1f %%)", s.Scheduled, s.Due, 100*float64(s.Scheduled)/float64(s.Due))
}

func lagText(l Latency) string {
	if l.Count == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%s / %s / %s", fmtDur(l.P50), fmtDur(l.P99), fmtDur(l.Max))
}

func agree(s Side) string {
	if len(s.Signals.Disagreements) == 0 {
		return "yes"
	}
	return fmt.Sprintf("NO: %s", strings.Join(s.Signals.Disagreements, "; "))
}

func durs(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	var ss []string
	for _, d := range ds {
		ss = append(ss, fmtDur(d))
	}
	return strings.Join(ss, ", ")
}

// broadcastRows are two tables: completion times, and the shape (depth,
// messages the root sent, wire bytes per broadcast).
func (r *Report) broadcastRows() (times, shape [][]string) {
	for _, n := range r.opts.groups() {
		o, _ := r.Off.Group(n, "node")
		on, _ := r.On.Group(n, "node")
		var ref GroupSummary
		for _, g := range r.Reference {
			if g.Group == n {
				ref = g
			}
		}
		t, sh := []string{fmt.Sprint(n)}, []string{fmt.Sprint(n)}
		for _, g := range []GroupSummary{o, on, ref} {
			if g.Count == 0 {
				t, sh = append(t, "n/a"), append(sh, "n/a")
				continue
			}
			c := fmt.Sprintf("%s / %s", fmtDur(g.P50), fmtDur(g.P99))
			if g.Complete < g.Count {
				c += fmt.Sprintf(" (%d/%d complete)", g.Complete, g.Count)
			}
			t = append(t, c)
			sh = append(sh, fmt.Sprintf("%d / %.0f / %s", g.Depth, g.RootMsgs, numfmt.Value(g.WireBytes, "B")))
		}
		t = append(t, fmtDur(time.Duration(float64(n)*toggles.BroadcastPerNode)))
		times, shape = append(times, t), append(shape, sh)
	}
	return times, shape
}

var (
	broadcastTimesHeader = []string{"N", "off p50 / p99", "on p50 / p99", "reference p50 / p99", "plan bound N × 10 ms"}
	broadcastShapeHeader = []string{"N", "off depth / root msgs / wire", "on depth / root msgs / wire", "reference depth / root msgs / wire"}
)

func (r *Report) verdictRows() [][]string {
	var rows [][]string
	for _, v := range r.Verdicts {
		rows = append(rows, []string{sourceLabel(v.Source), v.Criterion, v.Measured, string(v.Status), v.Reason})
	}
	return rows
}

// sourceLabel names who set a target in the tables: a check of the run
// itself has no Source.
func sourceLabel(src string) string {
	if src == "" {
		return "run"
	}
	return src
}

func (r *Report) faultRows() [][]string {
	f := r.Fault
	if f == nil {
		return nil
	}
	rows := [][]string{{"injected", f.Injected}}
	if f.LostNode != "" {
		what := fmt.Sprintf("%s after %s: %s", f.LostNode, fmtDur(f.After), f.Reason)
		if f.Detection > 0 {
			what += fmt.Sprintf("; %s after the fault", fmtDur(f.Detection))
		}
		rows = append(rows, []string{"lost node", what},
			[]string{"in flight to it (sent, never acknowledged)", fmt.Sprint(f.InFlight)})
	}
	if c := f.Survivors; c != nil {
		rows = append(rows, []string{"survivors: sent = delivered + errored + failed + lost",
			fmt.Sprintf("%d = %d + %d + %d + %d (exact: %v, %d disagree)", c.Sent, c.Delivered, c.Errored, c.SendFailed, c.Lost, c.Exact, len(c.Disagreements))})
	}
	rows = append(rows, []string{"reconnects (time to reconnect)", durs(f.Reconnects)},
		[]string{"lost in flight (between nodes still up)", fmt.Sprint(f.Lost)})
	return rows
}

// write renders the report as text or Markdown (JSON is JSON()).
func (r *Report) write(w io.Writer, f report.Format) error { return r.render(w, f, "") }

// writeSummary writes summary.md, which links page, the HTML page beside it.
func (r *Report) writeSummary(w io.Writer, page string) error {
	return r.render(w, report.Markdown, page)
}

func (r *Report) render(w io.Writer, f report.Format, page string) error {
	var b bytes.Buffer
	h := func(s string) {
		if f == report.Markdown {
			fmt.Fprintf(&b, "\n### %s\n\n", s)
		} else {
			fmt.Fprintf(&b, "\n%s\n", s)
		}
	}
	if f == report.Markdown {
		fmt.Fprintf(&b, "## %s\n\n**Environment:** %s\n\n**Settings:** %s\n", r.Title(), r.Env, r.settingsLine())
		if page != "" {
			fmt.Fprintf(&b, "\n**Percentile plots, broadcasts, ledger and flame graphs:** [%s](%s), one self-contained page\n", page, page)
		}
	} else {
		fmt.Fprintf(&b, "%s\n%s\n%s\n", r.Title(), r.Env, r.settingsLine())
	}
	if r.Off.Rounds+r.On.Rounds == 0 {
		h("No round completed")
		fmt.Fprintf(&b, "The run stopped before the first round ended; the fault section says what was in flight.\n")
		return r.writeTail(w, f, &b, h)
	}
	h("Cross-node stream (every node to the next, over NATS)")
	if err := report.WriteTable(&b, f, []string{"", "off", "on"}, r.streamRows()); err != nil {
		return err
	}
	h("Broadcast completion from node 0 (acknowledged by every node); reference = one publish, server fan-out")
	times, shape := r.broadcastRows()
	if err := report.WriteTable(&b, f, broadcastTimesHeader, times); err != nil {
		return err
	}
	if err := report.WriteTable(&b, f, broadcastShapeHeader, shape); err != nil {
		return err
	}
	if len(r.Comparisons) > 0 {
		h("Off vs on, per round (paired on/off ratios: median, 95 % CI, Wilcoxon p; medians ± 95 % CI per side)")
		shown, idle := report.Exercised(r.Comparisons)
		if err := report.WriteTable(&b, f, report.ComparisonHeader, report.ComparisonRows(shown)); err != nil {
			return err
		}
		if line := report.NotExercisedLine(idle); line != "" {
			fmt.Fprintln(&b, line)
		}
	}
	return r.writeTail(w, f, &b, h)
}

// writeTail adds the fault, the verdicts and the errors, and writes out.
func (r *Report) writeTail(w io.Writer, f report.Format, b *bytes.Buffer, h func(string)) error {
	if rows := r.faultRows(); rows != nil {
		h("Fault")
		if err := report.WriteTable(b, f, []string{"", ""}, rows); err != nil {
			return err
		}
	}
	if len(r.Verdicts) > 0 {
		h("Verdicts")
		if err := report.WriteTable(b, f, []string{"source", "target", "measured", "verdict", "reason"}, r.verdictRows()); err != nil {
			return err
		}
	}
	for _, e := range r.Errors {
		fmt.Fprintf(b, "\nerror: %s\n", e)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// JSON is results.json: every setting, the raw rounds (histograms
// included) and the computed summaries and verdicts.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r.ClusterRun, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return append(b, '\n'), nil
}
