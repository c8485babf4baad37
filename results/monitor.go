package results

import (
	"fmt"
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/verdict"
)

// MonitorMetric names one figure of an interval that a threshold can bound
// (p50, p99, throughput, error-rate, heap-slope, gc-cpu).
type MonitorMetric string

// NewMonitorRecord starts a record of today's kind and layout.
func NewMonitorRecord() MonitorRecord {
	return MonitorRecord{Kind: Monitor, SchemaVersion: SchemaVersion}
}

// MonitorRecord is one interval of a monitor: one line of its history
// (history.jsonl). Every line carries the kind and the schema version, so
// a reader checks each line as it checks a results.json, and a file that
// was rotated or appended to across versions cannot be misread.
type MonitorRecord struct {
	Kind          Kind          `json:"kind"`
	SchemaVersion int           `json:"schema_version"`
	Seq           int64         `json:"seq"`  // interval number; continues across restarts
	Time          time.Time     `json:"time"` // the interval's scheduled end (UTC)
	Interval      time.Duration `json:"interval_ns"`
	Workload      string        `json:"workload"`
	Features      string        `json:"features"`
	Probe         MonitorProbe  `json:"probe"`
	// WorkloadMetrics are the workload's own metrics (cache hit %, bytes
	// copied per operation …), the mean over the interval's delivered
	// probe operations.
	WorkloadMetrics map[string]float64 `json:"workload_metrics,omitempty"`
	Runtime         MonitorRuntime     `json:"runtime"`
	// HeapSlope is the least-squares slope of the live heap over the rolling
	// window ending with this interval, bytes per second; absent with fewer
	// than minSlopePoints intervals in the window.
	HeapSlope *float64 `json:"heap_slope_bytes_per_s,omitempty"`
	// Breaches are the metrics beyond their threshold in this interval.
	Breaches []MonitorMetric `json:"breaches,omitempty"`
	// Streaks are the hysteresis counters after this interval, per metric
	// with a threshold: +n after n breaching intervals in a row, −n after n
	// good ones; Firing the metrics whose alert is on.
	Streaks map[MonitorMetric]int `json:"streaks,omitempty"`
	Firing  []MonitorMetric       `json:"firing,omitempty"`
	Events  []MonitorEvent        `json:"events,omitempty"`
}

// MonitorProbe is the open-loop probe's figures for one interval. Latencies are
// per probe operation (Batch workload operations and a barrier), from the
// operation's due time to its end; a missed operation counts with what it
// had waited when the interval ended, a lower bound.
type MonitorProbe struct {
	Rate  float64 `json:"rate"`  // probe operations per second scheduled
	Batch int     `json:"batch"` // workload operations per probe operation
	// Scheduled = Sent + Missed, and Sent = Delivered + Errored (Counts):
	// every scheduled operation is accounted for. Missed ones were still
	// unsent when the interval ended (the probe fell behind its schedule).
	Scheduled int64 `json:"scheduled"`
	Missed    int64 `json:"missed"`
	openloop.Counts
	P50 int64 `json:"p50_ns"`
	P90 int64 `json:"p90_ns"`
	P99 int64 `json:"p99_ns"`
	Max int64 `json:"max_ns"`
	// Throughput is workload operations delivered per second of interval.
	Throughput float64 `json:"throughput_ops_per_s"`
	ErrorRate  float64 `json:"error_rate"` // (errors + missed) / scheduled
	// Margin is the pacer's spin margin at the interval's end: before each
	// send the probe sleeps, then spins (yielding) for this long to send
	// on time. The spin is most of what the probe costs at a low rate.
	Margin int64 `json:"pacer_margin_ns"`
}

// Conserved reports that every scheduled operation is accounted for.
func (p MonitorProbe) Conserved() bool { return p.Scheduled == p.Sent+p.Missed && p.Counts.Conserved() }

// MonitorRuntime is what the Go runtime says about one interval.
type MonitorRuntime struct {
	GCCycles uint64 `json:"gc_cycles"` // completed during the interval
	// GCCPU is the GC's share of the CPU time available to the process
	// (GOMAXPROCS × wall time) over the interval, 0 to 1.
	GCCPU      float64 `json:"gc_cpu_fraction"`
	HeapLive   uint64  `json:"heap_live_bytes"` // at the interval's end
	HeapGoal   uint64  `json:"heap_goal_bytes"`
	GCPauseP99 int64   `json:"gc_pause_p99_ns"` // of the pauses during the interval (bucket upper edge)
	GCPauseMax int64   `json:"gc_pause_max_ns"`
	SchedP99   int64   `json:"sched_latency_p99_ns"` // time goroutines waited to run, p99 (bucket upper edge)
	Goroutines uint64  `json:"goroutines"`
	// CPUCores is the process's user + system CPU time over the interval
	// divided by its wall time: what the monitor and its runtime cost.
	CPUCores float64 `json:"cpu_cores"`
}

// MonitorEvent is an alert firing or clearing. It is printed on stderr as one JSON
// line and is the body of the webhook's POST.
type MonitorEvent struct {
	Time      time.Time     `json:"time"`
	Kind      string        `json:"event"` // "alert" or "clear"
	Metric    MonitorMetric `json:"metric"`
	Value     float64       `json:"value"`     // this interval's, base units
	Threshold float64       `json:"threshold"` // base units
	Op        string        `json:"op"`        // the breaching comparison: ">" or "<"
	Intervals int           `json:"intervals"` // consecutive breaching (alert) or good (clear) intervals
	Seq       int64         `json:"seq"`
	Workload  string        `json:"workload"`
	Features  string        `json:"features"`
	// Capture is the directory the evidence goes to (alerts only). It
	// appears, whole, once the capture is complete; a "capture" line on
	// stderr says so, or why it failed.
	Capture string `json:"capture,omitempty"`
	Message string `json:"msg"`
}

// Verdict is the event as a verdict on its threshold: an alert is a FAIL
// of the interval that fired it, a clear a PASS of the one that cleared it.
func (e MonitorEvent) Verdict() verdict.Verdict {
	st := verdict.Pass
	if e.Kind == "alert" {
		st = verdict.Fail
	}
	within := map[string]string{">": "≤", "<": "≥"}[e.Op]
	return verdict.Verdict{
		Criterion: fmt.Sprintf("%s %s %g", e.Metric, within, e.Threshold), Scope: fmt.Sprintf("interval %d", e.Seq),
		Metric: string(e.Metric), Target: e.Threshold, Estimate: e.Value, Measured: e.Message, Status: st,
	}
}
