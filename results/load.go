package results

import (
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// LoadDoc is the results.json of a load run: one or two sides (feature
// sets) of the same scenario, each with its verdicts and its figures.
type LoadDoc struct {
	Header
	Settings LoadSettings `json:"settings"`
	Targets  LoadTargets  `json:"targets"`
	Sides    []LoadSide   `json:"sides"`
	Passed   bool         `json:"passed"`
	Missed   []string     `json:"missed"`
	Files    []string     `json:"files"`
	Notes    LoadNotes    `json:"notes"`
}

// LoadSettings are the settings both sides share.
type LoadSettings struct {
	Scenario      string  `json:"scenario"`
	Rate          float64 `json:"rate_ops_per_s,omitempty"`
	Multiplier    int     `json:"multiplier"`
	EffectiveRate float64 `json:"effective_rate_ops_per_s,omitempty"`
	Duration      string  `json:"duration,omitempty"`
	Scheduled     int64   `json:"scheduled_ops"`
	Agents        int     `json:"agents"`
	MailboxSize   int     `json:"mailbox_size"`
	Toggle        string  `json:"toggle,omitempty"`
	ClosedLoop    bool    `json:"closed_loop,omitempty"`
	Blend         string  `json:"blend,omitempty"`
	Dir           string  `json:"dir,omitempty"`
}

// LoadTargets are the targets the sides were judged against, and the
// parameters of the rules that are the load command's own.
type LoadTargets struct {
	toggles.LoadTargets
	LateThreshold       time.Duration `json:"late_threshold_ns"`
	TrendSkip           float64       `json:"heap_trend_skip"`
	TrendGrowthFraction float64       `json:"heap_trend_growth_fraction"`
	TrendGrowthFloor    int64         `json:"heap_trend_growth_floor_bytes"`
	TrendMinGCs         int           `json:"heap_trend_min_gcs"`
}

// LoadSide is one run of the scenario with one feature set. Every verdict's
// Scope is the side's label.
type LoadSide struct {
	Label    string            `json:"label"`
	Judged   bool              `json:"judged"` // false: shown beside the judged runs, fails nothing
	Features string            `json:"features"`
	Verdicts []verdict.Verdict `json:"verdicts"`
	Result   LoadRun           `json:"result"`
}

// LoadNotes say what the latency figures measure.
type LoadNotes struct {
	Response string `json:"response"`
	Service  string `json:"service"`
	Lag      string `json:"schedule_lag"`
	Hdr      string `json:"hdr"`
}

// LoadKind is one kind of operation's accounting and latencies.
type LoadKind struct {
	Kind string `json:"kind"` // cast, publish or query
	openloop.Counts
	Response openloop.LatencyJSON `json:"response"` // due → done (casts, deliveries) or → return (queries)
	Service  openloop.LatencyJSON `json:"service"`  // agent takes → done, or call → return for queries
}

// LoadRun is what one side measured.
type LoadRun struct {
	Features string `json:"features"`

	Scheduled int64 `json:"scheduled_ops"`
	SentOps   int64 `json:"sent_ops"`
	OKOps     int64 `json:"ok_ops"` // sent and accepted (a publish: by every subscriber)
	Unsent    int64 `json:"unsent_ops"`

	Kinds []LoadKind      `json:"kinds"`
	Total openloop.Counts `json:"total"`
	// Unmeasured counts signals an agent processed without a valid
	// measurement header; always 0 unless the driver is broken.
	Unmeasured int64            `json:"unmeasured"`
	Runtime    RuntimeCheck     `json:"runtime_counters"`
	ErrorsBy   map[string]int64 `json:"errors_by_reason"`

	Response   openloop.LatencyJSON  `json:"response"`              // every kind merged
	Service    openloop.LatencyJSON  `json:"service"`               // every kind merged
	Lag        openloop.LatencyJSON  `json:"schedule_lag"`          // actual send − due
	ClosedLoop *openloop.LatencyJSON `json:"closed_loop,omitempty"` // closed loop only: reply − actual send
	Late       int64                 `json:"late_sends"`            // lag > the late threshold

	RequestedRate float64       `json:"requested_ops_per_s"` // 0 for a burst
	AchievedRate  float64       `json:"achieved_ops_per_s"`
	Window        time.Duration `json:"window_ns"` // what AchievedRate divides by
	// LastDone is when the last operation completed; for a burst it is the
	// drain time.
	LastDone time.Duration `json:"last_done_ns"`
	// HandOver is when the generator finished sending.
	HandOver     time.Duration `json:"hand_over_ns"`
	GeneratorEnd time.Duration `json:"generator_end_ns"`
	Stopped      time.Duration `json:"agents_stopped_ns"`
	SleepMargin  time.Duration `json:"sleep_margin_ns"`
	// Generator is the generator's own cost (CPU of its thread, spinning
	// included).
	Generator openloop.GeneratorUsage `json:"generator"`

	Heap    HeapTrend     `json:"heap"`
	GC      GCStats       `json:"gc"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// RuntimeCheck is the agents' own counters over the measured run, a second
// witness for the accounting: every command the agents processed must be a
// delivery the recorders saw, and every message they rejected an error the
// generator counted.
type RuntimeCheck struct {
	Accepted  uint64 `json:"accepted"`
	Rejected  uint64 `json:"rejected"`
	Processed uint64 `json:"processed"`
	Failed    uint64 `json:"failed"`
	Agree     bool   `json:"agree"`
	Note      string `json:"note,omitempty"`
}

// GCStats are the process's GC and CPU figures over the run.
type GCStats struct {
	Cycles     uint64        `json:"gc_cycles"`
	PauseTotal time.Duration `json:"gc_pause_total_ns"`
	PauseMax   time.Duration `json:"gc_pause_max_ns"` // upper edge of the histogram bucket of the longest pause
	AllocBytes uint64        `json:"alloc_bytes"`
	AllocPerOp float64       `json:"alloc_bytes_per_op"` // generator included (it builds the signals), except a burst's, built before t0
	CPU        time.Duration `json:"cpu_ns"`             // user + system, whole process
	CPUCores   float64       `json:"cpu_cores"`          // CPU / wall time of the run
}

// HeapSample is one reading of the runtime's heap gauges.
type HeapSample struct {
	T       time.Duration `json:"t_ns"`         // since the run's start
	Live    uint64        `json:"live_bytes"`   // /gc/heap/live:bytes
	Objects uint64        `json:"object_bytes"` // /memory/classes/heap/objects:bytes (live + not yet swept garbage)
	GCs     uint64        `json:"gc_cycles"`    // /gc/cycles/total:gc-cycles
}

// HeapTrend is the fitted trend of the live heap.
type HeapTrend struct {
	Samples     []HeapSample `json:"samples"`
	Interval    string       `json:"interval"`
	WindowFrom  string       `json:"window_from"`
	WindowTo    string       `json:"window_to"`
	Fitted      int          `json:"fitted_samples"`
	GCs         uint64       `json:"gc_cycles_in_window"`
	MeanLive    float64      `json:"mean_live_bytes"`
	StartLive   uint64       `json:"start_live_bytes"`
	EndLive     uint64       `json:"end_live_bytes"`
	PeakLive    uint64       `json:"peak_live_bytes"`
	PeakObjects uint64       `json:"peak_object_bytes"`
	SlopeBps    float64      `json:"slope_bytes_per_s"`
	Growth      float64      `json:"projected_growth_bytes"` // slope × window
	Threshold   float64      `json:"threshold_bytes"`
	// PerOp is the slope divided by the requested rate: bytes retained per
	// operation if the trend were a leak.
	PerOp  float64 `json:"slope_bytes_per_op"`
	Judged bool    `json:"judged"` // enough GCs to judge
	Stable bool    `json:"stable"`
}
