package monitor

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/report"
)

// summaryRows is about how many rows a summary table has: the span is cut
// into this many buckets of whole intervals.
const summaryRows = 12

// Summary is a monitor history rendered for people: the span cut into rows
// of whole intervals, and the alert events.
type Summary struct {
	From      time.Time    `json:"from"` // the first interval's start
	To        time.Time    `json:"to"`   // the last interval's end
	Workload  string       `json:"workload"`
	Features  string       `json:"features"`
	Intervals int          `json:"intervals"`
	Probe     Probe        `json:"probe"` // totals over the span (latencies are the rows')
	Rows      []SummaryRow `json:"rows"`
	Events    []Event      `json:"events"`
	Firing    []Metric     `json:"firing"` // alerts still on at the end
}

// SummaryRow aggregates consecutive intervals.
type SummaryRow struct {
	From      time.Time `json:"from"`
	Intervals int       `json:"intervals"`
	P50       int64     `json:"p50_ns"` // median of the intervals' p50
	P99       int64     `json:"p99_ns"` // worst of the intervals' p99
	// Throughput is the mean of the intervals'.
	Throughput float64  `json:"throughput_ops_per_s"`
	ErrorRate  float64  `json:"error_rate"`      // over every scheduled operation of the row
	HeapLive   uint64   `json:"heap_live_bytes"` // at the row's end
	HeapSlope  *float64 `json:"heap_slope_bytes_per_s,omitempty"`
	GCCPU      float64  `json:"gc_cpu_fraction"` // mean
	CPUCores   float64  `json:"cpu_cores"`       // mean
	Breaching  int      `json:"breaching_intervals"`
}

// Summarize summarizes the records of the last span before the newest one
// (0: all of them); a history read back with ReadHistory is oldest first.
// `perfbench monitor --summary` shows the last hour this way.
func Summarize(recs []Record, span time.Duration) Summary {
	var s Summary
	if len(recs) == 0 {
		return s
	}
	newest := recs[len(recs)-1]
	if span > 0 {
		cut := newest.Time.Add(-span)
		i := sort.Search(len(recs), func(i int) bool { return recs[i].Time.After(cut) })
		recs = recs[i:]
	}
	first := recs[0]
	s.From, s.To = first.Time.Add(-first.Interval), newest.Time
	s.Workload, s.Features, s.Intervals = newest.Workload, newest.Features, len(recs)
	s.Firing = newest.Firing
	width := max(first.Interval, s.To.Sub(s.From)/summaryRows)
	width = (width + first.Interval - 1) / first.Interval * first.Interval
	var row []Record
	flush := func() {
		if len(row) > 0 {
			s.Rows = append(s.Rows, summarizeRow(row))
			row = nil
		}
	}
	for _, r := range recs {
		if len(row) > 0 && r.Time.Sub(row[0].Time) >= width {
			flush()
		}
		row = append(row, r)
		s.Probe.Scheduled += r.Probe.Scheduled
		s.Probe.Missed += r.Probe.Missed
		s.Probe.Sent += r.Probe.Sent
		s.Probe.Delivered += r.Probe.Delivered
		s.Probe.Errored += r.Probe.Errored
		s.Probe.Failed += r.Probe.Failed
		s.Events = append(s.Events, r.Events...)
	}
	flush()
	if s.Probe.Scheduled > 0 {
		s.Probe.ErrorRate = float64(s.Probe.Errors()+s.Probe.Missed) / float64(s.Probe.Scheduled)
	}
	s.Probe.Throughput = float64(s.Probe.Delivered*int64(newest.Probe.Batch)) / s.To.Sub(s.From).Seconds()
	s.Probe.Rate, s.Probe.Batch = newest.Probe.Rate, newest.Probe.Batch
	return s
}

func summarizeRow(recs []Record) SummaryRow {
	last := recs[len(recs)-1]
	row := SummaryRow{From: recs[0].Time.Add(-recs[0].Interval), Intervals: len(recs), HeapLive: last.Runtime.HeapLive, HeapSlope: last.HeapSlope}
	var p50s []int64
	var scheduled, bad int64
	for _, r := range recs {
		if r.Probe.Sent+r.Probe.Missed > 0 {
			p50s = append(p50s, r.Probe.P50)
		}
		row.P99 = max(row.P99, r.Probe.P99)
		row.Throughput += r.Probe.Throughput / float64(len(recs))
		row.GCCPU += r.Runtime.GCCPU / float64(len(recs))
		row.CPUCores += r.Runtime.CPUCores / float64(len(recs))
		scheduled += r.Probe.Scheduled
		bad += r.Probe.Errors() + r.Probe.Missed
		if len(r.Breaches) > 0 {
			row.Breaching++
		}
	}
	if len(p50s) > 0 {
		slices.Sort(p50s)
		row.P50 = p50s[(len(p50s)-1)/2]
	}
	if scheduled > 0 {
		row.ErrorRate = float64(bad) / float64(scheduled)
	}
	return row
}

// SummaryHeader is the header of the summary table.
var SummaryHeader = []string{"from (UTC)", "n", "p50 med", "p99 max", "ops/s", "errors", "heap live", "heap slope", "GC CPU", "cores", "breach"}

// Write renders the summary: text or markdown (a title line, the table,
// the alert events), or JSON (the Summary itself).
func (s Summary) Write(w io.Writer, f report.Format) error {
	if f == report.JSON {
		return report.WriteJSON(w, s)
	}
	var buf bytes.Buffer
	title := fmt.Sprintf("monitor %s (features %s): %d intervals, %s to %s UTC", s.Workload, s.Features, s.Intervals,
		s.From.UTC().Format("2006-01-02 15:04:05"), s.To.UTC().Format("15:04:05"))
	probe := fmt.Sprintf("probe %g/s × %d ops: %d scheduled, %d delivered, %d errored, %d failed, %d missed (errors %s)",
		s.Probe.Rate, s.Probe.Batch, s.Probe.Scheduled, s.Probe.Delivered, s.Probe.Errored, s.Probe.Failed, s.Probe.Missed,
		numfmt.Value(s.Probe.ErrorRate*100, "%"))
	if f == report.Markdown {
		fmt.Fprintf(&buf, "**%s**\n\n%s\n\n", title, probe)
	} else {
		fmt.Fprintf(&buf, "%s\n%s\n", title, probe)
	}
	rows := make([][]string, 0, len(s.Rows))
	for _, r := range s.Rows {
		slope := "n/a"
		if r.HeapSlope != nil {
			slope = signed(numfmt.Value(math.Abs(*r.HeapSlope), "B/s"), *r.HeapSlope)
		}
		rows = append(rows, []string{
			r.From.UTC().Format("15:04:05"), fmt.Sprint(r.Intervals),
			numfmt.Value(float64(r.P50), "ns"), numfmt.Value(float64(r.P99), "ns"),
			numfmt.Value(r.Throughput, ""), numfmt.Value(r.ErrorRate*100, "%"),
			numfmt.Value(float64(r.HeapLive), "B"), slope,
			numfmt.Value(r.GCCPU*100, "%"), fmt.Sprintf("%.3f", r.CPUCores), fmt.Sprint(r.Breaching),
		})
	}
	if err := report.WriteTable(&buf, f, SummaryHeader, rows); err != nil {
		return err
	}
	if f == report.Markdown {
		buf.WriteString("\n")
	}
	if len(s.Events) == 0 {
		fmt.Fprintln(&buf, "No alert fired.")
	}
	for _, e := range s.Events {
		line := fmt.Sprintf("%s  %-5s  %s", e.Time.UTC().Format("15:04:05"), e.Kind, e.Message)
		if e.Capture != "" {
			line += "; evidence in " + e.Capture
		}
		if f == report.Markdown {
			line = "- " + line
		}
		fmt.Fprintln(&buf, line)
	}
	if len(s.Firing) > 0 {
		fmt.Fprintf(&buf, "Still firing at the end: %v\n", s.Firing)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func signed(s string, v float64) string {
	if v < 0 {
		return "-" + s
	}
	return "+" + s
}

// SummaryWindow is how much history `monitor --summary` shows.
const SummaryWindow = time.Hour

// PrintSummary renders the last SummaryWindow of the history at path. A
// missing or unreadable file is bad input.
func PrintSummary(w io.Writer, path string, f report.Format) error {
	recs, err := ReadHistory(path)
	if err != nil {
		return cmderr.BadInput(err)
	}
	if len(recs) == 0 {
		return cmderr.BadInputf("history %s holds no interval", path)
	}
	return Summarize(recs, SummaryWindow).Write(w, f)
}
