package htmlpage

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/verdict"
)

// HistoryFile is the monitor's history: one JSON line per interval.
const HistoryFile = "history.jsonl"

// readHistory decodes the history's lines, oldest first. Every line
// carries the results header, so a history from an older perfbench, or a
// line of another kind, is bad input naming the line.
func readHistory(r *Run) ([]results.MonitorRecord, error) {
	var recs []results.MonitorRecord
	sc := bufio.NewScanner(bytes.NewReader(r.Raw))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec results.MonitorRecord
		if err := results.Decode(fmt.Sprintf("%s line %d", r.file, n), sc.Bytes(), results.Monitor, &rec); err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, cmderr.BadInputf("%s: an empty monitor history", r.file)
	}
	return recs, nil
}

func monitorPage(r *Run) (*Page, error) {
	recs, err := readHistory(r)
	if err != nil {
		return nil, err
	}
	first, last := recs[0], recs[len(recs)-1]
	p := &Page{
		Title: fmt.Sprintf("perfbench monitor: workload %s (features %s), %d intervals", last.Workload, last.Features, len(recs)),
		Meta: []string{fmt.Sprintf("From %s to %s (history %s)", first.Time.UTC().Format("2006-01-02 15:04:05"),
			last.Time.UTC().Format("2006-01-02 15:04:05 UTC"), r.file)},
	}
	events := &Table{Header: []string{"time", "event", "metric", "intervals in a row", "message"}}
	var alerts int
	var scheduled, sent, delivered, errored, missed int64
	var x, p50, p99, tput, heap, gccpu []float64
	for _, rec := range recs {
		pr := rec.Probe
		scheduled, sent, delivered, errored, missed = scheduled+pr.Scheduled, sent+pr.Sent, delivered+pr.Delivered, errored+pr.Errored, missed+pr.Missed
		x = append(x, rec.Time.Sub(first.Time).Seconds())
		p50, p99, tput = append(p50, float64(pr.P50)), append(p99, float64(pr.P99)), append(tput, pr.Throughput)
		heap, gccpu = append(heap, float64(rec.Runtime.HeapLive)), append(gccpu, rec.Runtime.GCCPU*100)
		for _, e := range rec.Events {
			v := e.Verdict()
			if v.Status == verdict.Fail {
				alerts++
			}
			events.Rows = append(events.Rows, []Cell{{Text: e.Time.UTC().Format("15:04:05")}, {Text: e.Kind, Status: verdictClass(v.Status)}, {Text: string(e.Metric)},
				{Text: fmt.Sprint(e.Intervals)}, {Text: e.Message}})
		}
	}
	firing := make([]string, len(last.Firing))
	for i, m := range last.Firing {
		firing[i] = string(m)
	}
	switch {
	case len(firing) > 0:
		p.Outcome = Cell{Text: "alerts still firing at the end: " + strings.Join(firing, ", "), Status: StatusFail}
	case alerts > 0:
		p.Outcome = Cell{Text: fmt.Sprintf("%d alert(s) raised, all cleared by the end", alerts), Status: StatusWarn}
	default:
		p.Outcome = Cell{Text: "no alert in this history", Status: StatusPass}
	}
	conserved := Cell{Text: "yes", Status: StatusPass}
	if scheduled != sent+missed || sent != delivered+errored {
		conserved = Cell{Text: "no", Status: StatusFail}
	}
	totals := &Table{Header: []string{"intervals", "scheduled", "sent", "delivered", "errored", "missed", "scheduled = sent + missed, sent = delivered + errored"},
		Rows: [][]Cell{{{Text: fmt.Sprint(len(recs))}, {Text: itoa(scheduled)}, {Text: itoa(sent)}, {Text: itoa(delivered)}, {Text: itoa(errored)}, {Text: itoa(missed)}, conserved}}}
	if len(events.Rows) == 0 {
		events.Rows = append(events.Rows, []Cell{{Text: "(none)"}, {}, {}, {}, {}})
	}

	var charts []Chart
	for _, c := range []struct {
		title, unit, caption string
		series               []timeSeries
	}{
		{"probe latency per interval", "ns", "p50 solid, p99 dashed; from each probe operation's due time",
			[]timeSeries{{s: series{label: "p50"}, x: x, y: p50}, {s: series{label: "p99", on: true}, x: x, y: p99}}},
		{"throughput", "ops/s", "workload operations delivered per second", []timeSeries{{s: series{label: "ops/s"}, x: x, y: tput}}},
		{"live heap", "B", "at each interval's end", []timeSeries{{s: series{label: "live heap"}, x: x, y: heap}}},
		{"GC CPU", "%", "the GC's share of the CPU available to the process", []timeSeries{{s: series{label: "GC CPU"}, x: x, y: gccpu}}},
	} {
		svg, err := timeChart(c.unit, c.series)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.title, err)
		}
		charts = append(charts, Chart{Title: c.title, SVG: svg, Caption: c.caption})
	}
	p.Sections = append(p.Sections,
		Section{ID: "events", Title: "Alerts", Table: events,
			Intro: "Every alert and clear, with the interval's value and the threshold (hysteresis: an alert needs consecutive breaching intervals, a clear consecutive good ones)."},
		Section{ID: "accounting", Title: "Accounting", Table: totals},
		Section{ID: "history", Title: "Over time", Charts: charts,
			Intro: fmt.Sprintf("One point per interval; time since %s. Latest throughput %s.", first.Time.UTC().Format("15:04:05"), numfmt.Value(last.Probe.Throughput, "ops/s"))},
	)
	return p, nil
}
