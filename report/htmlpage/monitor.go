package htmlpage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/numfmt"
)

// HistoryFile is the monitor's history: one JSON line per interval.
const HistoryFile = "history.jsonl"

// monitorRecord is what the monitor page reads of one history line.
type monitorRecord struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Workload string    `json:"workload"`
	Features string    `json:"features"`
	Probe    struct {
		Scheduled  int64   `json:"scheduled"`
		Missed     int64   `json:"missed"`
		Sent       int64   `json:"sent"`
		Delivered  int64   `json:"delivered"`
		Errored    int64   `json:"errored"`
		P50        float64 `json:"p50_ns"`
		P99        float64 `json:"p99_ns"`
		Throughput float64 `json:"throughput_ops_per_s"`
	} `json:"probe"`
	Runtime struct {
		HeapLive float64 `json:"heap_live_bytes"`
		GCCPU    float64 `json:"gc_cpu_fraction"`
	} `json:"runtime"`
	Firing []string `json:"firing"`
	Events []struct {
		Time      time.Time `json:"time"`
		Kind      string    `json:"event"`
		Metric    string    `json:"metric"`
		Intervals int       `json:"intervals"`
		Message   string    `json:"msg"` // the monitor's own wording, values formatted
	} `json:"events"`
}

// readHistory decodes the history's lines, oldest first.
func readHistory(r *Run) ([]monitorRecord, error) {
	var recs []monitorRecord
	sc := bufio.NewScanner(bytes.NewReader(r.Raw))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec monitorRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, cmderr.BadInputf("%s line %d: not a monitor history record: %w", r.file, n, err)
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
		p50, p99, tput = append(p50, pr.P50), append(p99, pr.P99), append(tput, pr.Throughput)
		heap, gccpu = append(heap, rec.Runtime.HeapLive), append(gccpu, rec.Runtime.GCCPU*100)
		for _, e := range rec.Events {
			st := StatusPass
			if e.Kind == "alert" {
				st = StatusFail
				alerts++
			}
			events.Rows = append(events.Rows, []Cell{{Text: e.Time.UTC().Format("15:04:05")}, {Text: e.Kind, Status: st}, {Text: e.Metric},
				{Text: fmt.Sprint(e.Intervals)}, {Text: e.Message}})
		}
	}
	switch {
	case len(last.Firing) > 0:
		p.Outcome = Cell{Text: "alerts still firing at the end: " + strings.Join(last.Firing, ", "), Status: StatusFail}
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
