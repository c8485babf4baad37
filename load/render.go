package load

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// Variant is one run of a report: the whole scenario with one feature set.
type Variant struct {
	Label  string  // "off", "on" (with --opt), or "all-off" / "all-on"
	Result *Result // the run
	// Reference: shown beside the judged runs; its misses fail nothing.
	Reference bool
}

// Report is what the load command prints and writes: one or two runs of
// the same scenario.
type Report struct {
	Config  Config // the normalized settings both sides share (Features aside)
	Toggle  string // the toggle compared off vs on, if any
	Env     machine.Env
	Command string
	Created time.Time
	Dir     string
	Files   []string
	Sides   []Variant
	// Page names the HTML page written beside summary.md, if any.
	Page string
}

// Missed lists every missed target of a judged side as "target (side):
// value".
func (rep *Report) Missed() []string {
	var out []string
	for _, s := range rep.Sides {
		if s.Reference {
			continue
		}
		for _, v := range s.Result.Missed() {
			out = append(out, fmt.Sprintf("%s (%s): %s", v.Criterion, s.Label, v.Measured))
		}
	}
	return out
}

// Failed names the missed targets as an error message, or "" when every
// target was met.
func (rep *Report) Failed() string {
	if missed := rep.Missed(); len(missed) > 0 {
		return fmt.Sprintf("load %s: %d target(s) missed: %s", rep.Config.Scenario, len(missed), strings.Join(missed, "; "))
	}
	return ""
}

// Wrote says, once the run is written, what it wrote where.
func (rep *Report) Wrote() string {
	return fmt.Sprintf("wrote %d files to %s", len(rep.Files), rep.Dir)
}

// Title is the report's one-line headline.
func (rep *Report) Title() string {
	c := rep.Config
	var what string
	switch c.Scenario {
	case Burst:
		what = fmt.Sprintf("%d signals due at once", c.Ops())
	case Sustained:
		what = fmt.Sprintf("%s signals/s for %s", numfmt.Value(c.EffectiveRate(), ""), c.Duration)
	case Mixed:
		what = fmt.Sprintf("%s operations/s of the blend for %s", numfmt.Value(c.EffectiveRate(), ""), c.Duration)
	}
	loop := "open loop"
	if c.ClosedLoop {
		loop = "closed loop"
	}
	return fmt.Sprintf("perfbench load: %s — %s (multiplier %d), %d agents, %s", c.Scenario, what, c.Multiplier, c.Agents, loop)
}

// Settings are the report's "key=value" items.
func (rep *Report) Settings() []string {
	c := rep.Config
	s := []string{"scenario=" + string(c.Scenario)}
	if c.Scenario != Burst {
		s = append(s, fmt.Sprintf("rate=%s/s × %d = %s/s", numfmt.Value(c.Rate, ""), c.Multiplier, numfmt.Value(c.EffectiveRate(), "")),
			"duration="+c.Duration.String())
	} else {
		s = append(s, fmt.Sprintf("burst=%d × %d", BurstSize, c.Multiplier))
	}
	s = append(s, fmt.Sprintf("agents=%d", c.Agents))
	mb := c.MailboxSize
	if mb == 0 {
		mb = agent.DefaultMailboxSize
	}
	s = append(s, fmt.Sprintf("mailbox=%d", mb))
	for _, sd := range rep.Sides {
		s = append(s, sd.Label+"="+sd.Result.Features)
	}
	return s
}

func labels(rep *Report) []string {
	var l []string
	for _, s := range rep.Sides {
		l = append(l, s.Label)
	}
	return l
}

// latencyRows: one row per measure and side.
func (rep *Report) latencyRows() [][]string {
	var rows [][]string
	add := func(name, side string, l *openloop.Latency) {
		if l == nil || l.Count() == 0 {
			return
		}
		row := []string{name, side, fmt.Sprint(l.Count())}
		for _, q := range openloop.Percentiles {
			row = append(row, us(l.Quantile(q)))
		}
		rows = append(rows, append(row, us(l.Max())))
	}
	each := func(name string, get func(*Result) *openloop.Latency) {
		for _, s := range rep.Sides {
			add(name, s.Label, get(s.Result))
		}
	}
	each("response", func(r *Result) *openloop.Latency { return r.Response })
	each("service", func(r *Result) *openloop.Latency { return r.Service })
	if rep.Config.Scenario == Mixed {
		for _, k := range kinds {
			k := k
			each("response "+string(k), func(r *Result) *openloop.Latency {
				if kr := r.Kind(k); kr != nil {
					return kr.Response
				}
				return nil
			})
			each("service "+string(k), func(r *Result) *openloop.Latency {
				if kr := r.Kind(k); kr != nil {
					return kr.Service
				}
				return nil
			})
		}
	}
	each("schedule lag", func(r *Result) *openloop.Latency { return r.Lag })
	each("closed loop (send → reply)", func(r *Result) *openloop.Latency { return r.ClosedLoop })
	return rows
}

var latencyHeader = []string{"measure", "side", "count", "p50", "p90", "p99", "p99.9", "max"}

// runRows: one row per figure, one column per side.
func (rep *Report) runRows() [][]string {
	type fig struct {
		name string
		f    func(r *Result) string
	}
	B := func(v float64) string { return numfmt.Value(v, "B") }
	var figs []fig
	if rep.Config.Scenario != Burst {
		figs = append(figs, fig{"throughput", func(r *Result) string {
			return fmt.Sprintf("%s (requested %s)", numfmt.Value(r.AchievedRate, "ops/s"), numfmt.Value(r.RequestedRate, "ops/s"))
		}})
	} else {
		figs = append(figs,
			fig{"hand-over (t0 → last sent)", func(r *Result) string { return us(r.HandOver) }},
			fig{"drain (t0 → last done)", func(r *Result) string {
				return fmt.Sprintf("%s (%s)", us(r.LastDone), numfmt.Value(r.AchievedRate, "signals/s"))
			}})
	}
	figs = append(figs,
		fig{"errors", func(r *Result) string {
			s := fmt.Sprintf("%d of %d (%s)", r.Total.Errors(), r.Total.Sent, pct(r.Total.ErrorRate()))
			if reasons := r.ErrorReasons(); len(reasons) > 0 {
				s += ": " + strings.Join(reasons, ", ")
			}
			return s
		}},
		fig{"sent = delivered + errored", func(r *Result) string {
			mark := "holds"
			if !r.Total.Conserved() {
				mark = "BROKEN"
			}
			return fmt.Sprintf("%d = %d + %d: %s", r.Total.Sent, r.Total.Delivered, r.Total.Errored, mark)
		}},
		fig{"sent + unsent = requested (ops)", func(r *Result) string {
			mark := "holds"
			if r.SentOps+r.Unsent != r.Scheduled {
				mark = "BROKEN"
			}
			return fmt.Sprintf("%d + %d = %d: %s", r.SentOps, r.Unsent, r.Scheduled, mark)
		}},
	)
	if rep.Config.Scenario == Mixed {
		for _, k := range kinds {
			k := k
			figs = append(figs, fig{"… of which " + string(k), func(r *Result) string {
				kr := r.Kind(k)
				if kr == nil {
					return "none"
				}
				mark := "holds"
				if !kr.Conserved() {
					mark = "BROKEN"
				}
				return fmt.Sprintf("%d = %d + %d: %s", kr.Sent, kr.Delivered, kr.Errored, mark)
			}})
		}
	}
	figs = append(figs, fig{"agents' own counters", func(r *Result) string {
		if !r.Runtime.Agree {
			return "DISAGREE: " + r.Runtime.Note
		}
		return fmt.Sprintf("processed %d, rejected %d, failed %d: agree", r.Runtime.Processed, r.Runtime.Rejected, r.Runtime.Failed)
	}})
	if rep.Config.Scenario != Burst {
		figs = append(figs,
			fig{"schedule lag p99 / max", func(r *Result) string {
				return fmt.Sprintf("%s / %s", us(r.Lag.Quantile(99)), us(r.Lag.Max()))
			}},
			fig{"late sends (> " + us(LateThreshold) + ")", func(r *Result) string {
				return fmt.Sprintf("%d (%s)", r.Late, pct(frac(r.Late, r.SentOps)))
			}},
			fig{"sleep margin (spins below)", func(r *Result) string { return us(r.SleepMargin) }},
		)
	}
	figs = append(figs,
		fig{"heap live start → end (peak)", func(r *Result) string {
			h := r.Heap
			return fmt.Sprintf("%s → %s (%s)", B(float64(h.StartLive)), B(float64(h.EndLive)), B(float64(h.PeakLive)))
		}},
	)
	if rep.Config.Scenario != Burst {
		figs = append(figs, fig{"heap live trend", func(r *Result) string {
			h := r.Heap
			return fmt.Sprintf("%s/s (%s/op), %d samples, %d GCs", signedBytes(h.SlopeBps), signedBytes(h.PerOp), h.Fitted, h.GCs)
		}})
	}
	figs = append(figs,
		fig{"GC cycles, pause total / longest", func(r *Result) string {
			return fmt.Sprintf("%d, %s / ≤ %s", r.GC.Cycles, us(r.GC.PauseTotal), us(r.GC.PauseMax))
		}},
		fig{allocLabel(rep.Config.Scenario), func(r *Result) string { return B(r.GC.AllocPerOp) }},
		fig{"CPU (cores busy)", func(r *Result) string { return fmt.Sprintf("%.2f", r.GC.CPUCores) }},
		fig{"… of which the generator", generatorCPU},
	)
	var rows [][]string
	for _, f := range figs {
		row := []string{f.name}
		for _, s := range rep.Sides {
			row = append(row, f.f(s.Result))
		}
		rows = append(rows, row)
	}
	return rows
}

// notes are the remarks under the tables: inconclusive verdicts, a
// generator that missed its aim, broken accounting.
func (rep *Report) notes() []string {
	var out []string
	for _, s := range rep.Sides {
		r := s.Result
		for _, v := range r.Verdicts() {
			if v.Reason != "" {
				out = append(out, fmt.Sprintf("%s (%s): %s", v.Criterion, s.Label, v.Reason))
			}
		}
		if aim := toggles.Load().LagAim; rep.Config.Scenario != Burst && r.Lag.Quantile(99) >= aim {
			out = append(out, fmt.Sprintf("schedule (%s): the generator missed its aim (lag p99 %s ≥ %s), e.g. for want of CPU; latency counts from the due time, so the lag is in the figures, not hidden",
				s.Label, us(r.Lag.Quantile(99)), us(aim)))
		}
	}
	return out
}

// generatorCPU shows what the generator itself cost: the time it held a
// CPU, in cores over its span and as a share of the process's CPU.
func generatorCPU(r *Result) string {
	g := r.Generator
	return fmt.Sprintf("%.2f cores (busy %s; %s of process CPU)", g.Cores, us(g.Busy), pct(frac(int64(g.Busy), int64(r.GC.CPU))))
}

func allocLabel(s Scenario) string {
	if s == Burst {
		return "allocated per op (hand-over, processing)"
	}
	return "allocated per op (generator incl.)"
}

func frac(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// verdictRows: target, reads, then "value STATUS" per side.
func (rep *Report) verdictRows() [][]string {
	per := make([][]verdict.Verdict, len(rep.Sides))
	for i, s := range rep.Sides {
		per[i] = s.Result.Verdicts()
	}
	var rows [][]string
	for j, v := range per[0] {
		row := []string{v.Criterion, v.Metric}
		for i := range rep.Sides {
			row = append(row, per[i][j].Measured+"  "+string(per[i][j].Status))
		}
		rows = append(rows, row)
	}
	return rows
}

func (rep *Report) verdictHeader() []string {
	h := []string{"target", "reads"}
	for _, s := range rep.Sides {
		l := s.Label
		if s.Reference {
			l += " (not judged)"
		}
		h = append(h, l)
	}
	return h
}

func (rep *Report) outcome() string {
	if m := rep.Missed(); len(m) > 0 {
		return "FAIL — missed: " + strings.Join(m, "; ")
	}
	for _, s := range rep.Sides {
		for _, v := range s.Result.Verdicts() {
			if v.Status == verdict.Inconclusive && !s.Reference {
				return "PASS, with inconclusive targets (see the table)"
			}
		}
	}
	return "PASS — every target met"
}

// WriteText prints the report for a terminal.
func (rep *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%s\n  %s\n", rep.Title(), rep.Env, strings.Join(rep.Settings(), "  "))
	if rep.Config.Scenario == Mixed {
		fmt.Fprintf(&b, "  blend: %s\n", BlendDoc)
	}
	b.WriteString("\nLatency — response: due → done (what a caller feels); service: agent takes the signal → done; schedule lag: actual send − due\n")
	if err := report.WriteTable(&b, report.Text, latencyHeader, rep.latencyRows()); err != nil {
		return err
	}
	b.WriteString("\nRun\n")
	if err := report.WriteTable(&b, report.Text, append([]string{"figure"}, labels(rep)...), rep.runRows()); err != nil {
		return err
	}
	for _, s := range rep.Sides {
		fmt.Fprintf(&b, "\nResponse-time distribution, %s (%d operations):\n", s.Label, s.Result.Response.Count())
		WriteHistogram(&b, s.Result.Response, 40)
		if rep.Config.Scenario == Burst {
			fmt.Fprintf(&b, "\nService-time distribution, %s:\n", s.Label)
			WriteHistogram(&b, s.Result.Service, 40)
		}
	}
	b.WriteString("\nVerdicts\n")
	if err := report.WriteTable(&b, report.Text, rep.verdictHeader(), rep.verdictRows()); err != nil {
		return err
	}
	for _, n := range rep.notes() {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "\n%s\n", rep.outcome())
	_, err := w.Write(b.Bytes())
	return err
}

// WriteMarkdown writes summary.md.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var d report.Doc
	d.Title("perfbench load: " + strings.TrimPrefix(rep.Title(), "perfbench load: "))
	d.Field("Environment", rep.Env.String())
	d.Field("Settings", strings.Join(rep.Settings(), ", "))
	if rep.Config.Scenario == Mixed {
		d.Field("Blend", BlendDoc)
	}
	d.Field("Outcome", rep.outcome())
	if rep.Page != "" {
		d.Field("Percentile plots, schedule lag and heap over time", fmt.Sprintf("[%s](%s), one self-contained page", rep.Page, rep.Page))
	}
	d.Section("Verdicts")
	d.Table(rep.verdictHeader(), rep.verdictRows())
	d.List(rep.notes())
	d.Section("Latency")
	d.Para("Response time counts from each operation's due time (open loop, corrected for coordinated omission); service time from when the agent takes the signal; schedule lag is the generator's actual send time minus the due time.")
	d.Table(latencyHeader, rep.latencyRows())
	d.Section("Run")
	d.Table(append([]string{"figure"}, labels(rep)...), rep.runRows())
	for _, s := range rep.Sides {
		d.Section("Response-time distribution, " + s.Label)
		var h bytes.Buffer
		WriteHistogram(&h, s.Result.Response, 40)
		d.Code("text", h.String())
	}
	return d.Write(w)
}

// JSON returns results.json.
func (rep *Report) JSON() ([]byte, error) {
	d, err := rep.Doc()
	if err != nil {
		return nil, err
	}
	b, err := report.EncodeJSON(d)
	if err != nil {
		return nil, fmt.Errorf("encode results.json: %w", err)
	}
	return b, nil
}

// Doc is the report as results.json holds it.
func (rep *Report) Doc() (results.LoadDoc, error) {
	c := rep.Config
	d := results.LoadDoc{
		Header: results.NewHeader(results.Load, rep.Command, rep.Created, rep.Env),
		Settings: results.LoadSettings{
			Scenario: string(c.Scenario), Multiplier: c.Multiplier, Scheduled: c.Ops(), Agents: c.Agents,
			MailboxSize: c.MailboxSize, Toggle: rep.Toggle, ClosedLoop: c.ClosedLoop, Dir: rep.Dir,
		},
		Targets: results.LoadTargets{
			LoadTargets: toggles.Load(), LateThreshold: LateThreshold,
			TrendSkip: TrendSkip, TrendGrowthFraction: TrendGrowthFraction, TrendGrowthFloor: TrendGrowthFloor, TrendMinGCs: TrendMinGCs,
		},
		Missed: rep.Missed(), Files: rep.Files,
		Notes: results.LoadNotes{
			Response: "ns from the operation's due time (burst: t0) to the end of the last action it ran; queries: to State's return",
			Service:  "ns from the first action of the signal (the agent has taken it; routing and instruction set-up just before are excluded) to the end of its last action; queries: from the call to its return",
			Lag:      "ns from the due time to the generator's actual send",
			Hdr:      "hdr_v2_base64 is HdrHistogram's V2 compressed encoding, base64, 1 ns to 10 min, 3 significant digits: hdrhistogram.Decode reads it",
		},
	}
	if d.Missed == nil {
		d.Missed = []string{}
	}
	d.Passed = len(d.Missed) == 0
	if c.Scenario != Burst {
		d.Settings.Rate, d.Settings.EffectiveRate, d.Settings.Duration = c.Rate, c.EffectiveRate(), c.Duration.String()
	}
	if c.Scenario == Mixed {
		d.Settings.Blend = BlendDoc
	}
	for _, s := range rep.Sides {
		run, err := s.Result.Doc()
		if err != nil {
			return d, fmt.Errorf("results.json, side %s: %w", s.Label, err)
		}
		vs := s.Result.Verdicts()
		for i := range vs {
			vs[i].Scope = s.Label
		}
		d.Sides = append(d.Sides, results.LoadSide{Label: s.Label, Judged: !s.Reference, Features: s.Result.Features, Verdicts: vs, Result: run})
	}
	return d, nil
}

// WriteHistogram draws l as ASCII bars, one per 1-2-5 latency bucket: the
// bar is proportional to the bucket's share of operations, then the share,
// the cumulative share (the percentile at the bucket's upper edge), and the
// percentiles that fall in the bucket.
func WriteHistogram(w io.Writer, l *openloop.Latency, width int) {
	bs := l.Buckets()
	if len(bs) == 0 {
		fmt.Fprintln(w, "  (no operations)")
		return
	}
	total := float64(l.Count())
	var peak int64
	for _, b := range bs {
		peak = max(peak, b.Count)
	}
	marks := []struct {
		name string
		v    time.Duration
	}{{"p50", l.Quantile(50)}, {"p90", l.Quantile(90)}, {"p99", l.Quantile(99)}, {"p99.9", l.Quantile(99.9)}, {"max", l.Max()}}
	var cum int64
	for _, b := range bs {
		cum += b.Count
		n := int(float64(b.Count)/float64(peak)*float64(width) + 0.5)
		if n == 0 && b.Count > 0 {
			n = 1
		}
		var in []string
		for _, m := range marks {
			if m.v >= b.From && m.v < b.To {
				in = append(in, m.name)
			}
		}
		note := ""
		if len(in) > 0 {
			note = "  ← " + strings.Join(in, " ")
		}
		fmt.Fprintf(w, "  %-17s |%-*s| %6.2f%%  cum %7.3f%%%s\n", bucketLabel(b), width, strings.Repeat("#", n),
			float64(b.Count)/total*100, float64(cum)/total*100, note)
	}
}

func bucketLabel(b openloop.Bucket) string {
	switch {
	case b.From == 0:
		return "< " + edge(b.To)
	case b.To == time.Duration(1<<63-1):
		return "≥ " + edge(b.From)
	}
	return edge(b.From) + " – " + edge(b.To)
}

// edge prints a 1-2-5 bucket edge without decimals: "200 ns", "5 µs", "1 s".
func edge(d time.Duration) string {
	ns := int64(d)
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%d s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%d ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%d µs", ns/1e3)
	}
	return fmt.Sprintf("%d ns", ns)
}
