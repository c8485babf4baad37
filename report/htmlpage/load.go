package htmlpage

import (
	"fmt"
	"strconv"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
)

// decodeHDR reads a histogram in HdrHistogram's V2 base64 encoding; ""
// is no histogram.
func decodeHDR(s string) (*hdr.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	d, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return d, nil
}

func loadPage(r *Run) (*Page, error) {
	var d results.LoadDoc
	if err := r.decode(&d); err != nil {
		return nil, err
	}
	s := d.Settings
	what := fmt.Sprintf("%d operations due at once", s.Scheduled)
	if s.Scenario != "burst" {
		what = fmt.Sprintf("%s operations/s for %s (%d operations)", numfmt.Value(s.EffectiveRate, ""), s.Duration, s.Scheduled)
	}
	title := fmt.Sprintf("perfbench load: %s, %s", s.Scenario, what)
	if s.Toggle != "" {
		title += ", " + s.Toggle + " off vs on"
	}
	p := &Page{Title: title, Meta: metaLines(d.Header, fmt.Sprintf("Settings: %d agents; sides: %s", s.Agents, sideList(d)))}
	if s.Blend != "" {
		p.Meta = append(p.Meta, "Blend: "+s.Blend)
	}
	if d.Passed {
		p.Outcome = Cell{Text: "PASS: every target met", Status: StatusPass}
	} else {
		p.Outcome = Cell{Text: fmt.Sprintf("FAIL: %d target(s) missed", len(d.Missed)), Status: StatusFail}
	}

	targets := &Table{Header: []string{"side", "target", "reads", "measured", "verdict", "note"}}
	counts := &Table{Header: []string{"side", "sent", "delivered", "errored", "failed", "sent = delivered + errored", "achieved", "late sends"}}
	for _, side := range d.Sides {
		for _, v := range side.Verdicts {
			targets.Rows = append(targets.Rows, []Cell{{Text: side.Label}, {Text: v.Criterion}, {Text: v.Metric}, {Text: v.Measured},
				{Text: string(v.Status), Status: verdictClass(v.Status)}, {Text: v.Reason}})
		}
		t := side.Result.Total
		conserved := Cell{Text: "yes", Status: StatusPass}
		if t.Sent != t.Delivered+t.Errored {
			conserved = Cell{Text: "no", Status: StatusFail}
		}
		counts.Rows = append(counts.Rows, []Cell{{Text: side.Label}, {Text: itoa(t.Sent)}, {Text: itoa(t.Delivered)}, {Text: itoa(t.Errored)},
			{Text: itoa(t.Failed)}, conserved, {Text: numfmt.Value(side.Result.AchievedRate, "ops/s")}, {Text: itoa(side.Result.Late)}})
	}
	p.Sections = append(p.Sections,
		Section{ID: "targets", Title: "Targets", Table: targets,
			Intro: "The plan's targets, checked on every side. A burst queues all its signals by design, so its latency targets read service time."},
		Section{ID: "accounting", Title: "Accounting", Table: counts,
			Intro: "Every operation is accounted for: sent = delivered + errored, always; a full mailbox is an error, counted, never retried."},
	)
	charts, err := loadCharts(d)
	if err != nil {
		return nil, err
	}
	lat, err := latencyTable(d)
	if err != nil {
		return nil, err
	}
	p.Sections = append(p.Sections, Section{ID: "latency", Title: "Latency, schedule lag and heap", Table: lat, Charts: charts,
		Intro: "Percentile plots in the HdrHistogram style: the x axis is 1/(1−q) on a log scale, so the tail up to p99.99 gets room; " +
			"off is the solid blue line, on the dashed orange one. Latency counts from each operation's due time, so a stall counts against everything due during it."})
	return p, nil
}

func sideList(d results.LoadDoc) string {
	var out string
	for i, s := range d.Sides {
		if i > 0 {
			out += "; "
		}
		out += s.Label + " (" + s.Features + ")"
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// latencyQuantiles are the columns of the latency table, HDR style.
var latencyQuantiles = []struct {
	name string
	q    float64
}{{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}, {"p99.99", 99.99}, {"max", 100}}

// latencyTable gives each side's percentiles of every distribution, read
// from the lossless histograms.
func latencyTable(d results.LoadDoc) (*Table, error) {
	t := &Table{Header: []string{"side", "measure", "count"}}
	for _, q := range latencyQuantiles {
		t.Header = append(t.Header, q.name)
	}
	for _, side := range d.Sides {
		for _, m := range []struct {
			name string
			h    openloop.LatencyJSON
		}{{"response", side.Result.Response}, {"service", side.Result.Service}, {"schedule lag", side.Result.Lag}} {
			h, err := decodeHDR(m.h.HdrV2)
			if err != nil {
				return nil, fmt.Errorf("%s of %s: %w", m.name, side.Label, err)
			}
			if h == nil {
				continue
			}
			row := []Cell{{Text: side.Label}, {Text: m.name}, {Text: itoa(h.TotalCount())}}
			for _, q := range latencyQuantiles {
				row = append(row, Cell{Text: numfmt.Value(float64(h.ValueAtQuantile(q.q)), "ns")})
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

// loadCharts draws response and service time, schedule lag and the live
// heap over time, every side overlaid.
func loadCharts(d results.LoadDoc) ([]Chart, error) {
	burst := d.Settings.Scenario == "burst"
	targets := []target{{q: 50, value: float64(d.Targets.P50)}, {q: 99, value: float64(d.Targets.P99)}}
	var charts []Chart
	for _, h := range []struct {
		title   string
		pick    func(results.LoadRun) openloop.LatencyJSON
		targets bool
		caption string
	}{
		{"response time (due → done)", func(r results.LoadRun) openloop.LatencyJSON { return r.Response }, !burst, "what a caller feels"},
		{"service time (agent takes → done)", func(r results.LoadRun) openloop.LatencyJSON { return r.Service }, burst, "the agent's own work"},
		{"schedule lag (due → actually sent)", func(r results.LoadRun) openloop.LatencyJSON { return r.Lag }, false, "how late the generator sent; it does not excuse latency, which counts from due time"},
	} {
		var curves []quantileCurve
		for _, side := range d.Sides {
			hist, err := decodeHDR(h.pick(side.Result).HdrV2)
			if err != nil {
				return nil, fmt.Errorf("%s of %s: %w", h.title, side.Label, err)
			}
			if hist == nil || hist.TotalCount() == 0 {
				continue
			}
			curves = append(curves, quantileCurve{s: sideSeries(side.Label), quantile: func(q float64) float64 { return float64(hist.ValueAtQuantile(q)) }})
		}
		if len(curves) == 0 {
			continue
		}
		var ts []target
		if h.targets {
			ts = targets
		}
		svg, err := percentileChart(curves, ts)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", h.title, err)
		}
		charts = append(charts, Chart{Title: h.title, SVG: svg, Caption: h.caption})
	}
	var heap []timeSeries
	for _, side := range d.Sides {
		ts := timeSeries{s: sideSeries(side.Label)}
		for _, smp := range side.Result.Heap.Samples {
			ts.x = append(ts.x, smp.T.Seconds())
			ts.y = append(ts.y, float64(smp.Live))
		}
		if len(ts.x) > 0 {
			heap = append(heap, ts)
		}
	}
	if len(heap) > 0 {
		svg, err := timeChart("B", heap)
		if err != nil {
			return nil, fmt.Errorf("chart heap: %w", err)
		}
		charts = append(charts, Chart{Title: "live heap over time", SVG: svg,
			Caption: "bytes the last GC found reachable (/gc/heap/live:bytes); it moves only when a GC completes"})
	}
	return charts, nil
}
