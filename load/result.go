package load

import (
	"fmt"
	"sort"
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/runtime/agent"
)

// KindResult is one kind of operation's accounting and latencies.
type KindResult struct {
	Kind Kind `json:"kind"`
	openloop.Counts
	Response *openloop.Latency `json:"response"` // due → done (casts, deliveries) or → return (queries)
	Service  *openloop.Latency `json:"service"`  // agent takes → done, or call → return for queries
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

// Result is one load run.
type Result struct {
	Config   Config `json:"-"`
	Features string `json:"features"`

	Scheduled int64 `json:"scheduled_ops"`
	SentOps   int64 `json:"sent_ops"`
	OKOps     int64 `json:"ok_ops"` // sent and accepted (a publish: by every subscriber)
	Unsent    int64 `json:"unsent_ops"`

	Kinds []*KindResult   `json:"kinds"`
	Total openloop.Counts `json:"total"`
	// Unmeasured counts signals an agent processed without a valid
	// measurement header; always 0 unless the driver is broken.
	Unmeasured int64            `json:"unmeasured"`
	Runtime    RuntimeCheck     `json:"runtime_counters"`
	ErrorsBy   map[string]int64 `json:"errors_by_reason"`

	Response   *openloop.Latency `json:"response"`              // every kind merged
	Service    *openloop.Latency `json:"service"`               // every kind merged
	Lag        *openloop.Latency `json:"schedule_lag"`          // actual send − due
	ClosedLoop *openloop.Latency `json:"closed_loop,omitempty"` // closed loop only: reply − actual send
	Late       int64             `json:"late_sends"`            // lag > LateThreshold

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

// Conserved reports whether every operation is accounted for: per kind and
// in total sent = delivered + errored, every requested operation sent or
// counted unsent, no unmeasured signal, and the agents' own counters agree.
func (r *Result) Conserved() bool {
	for _, k := range r.Kinds {
		if !k.Conserved() {
			return false
		}
	}
	return r.Total.Conserved() && r.SentOps+r.Unsent == r.Scheduled && r.Unmeasured == 0 && r.Runtime.Agree
}

// Kind returns the result of one kind, or nil if the scenario has none.
func (r *Result) Kind(k Kind) *KindResult {
	for _, x := range r.Kinds {
		if x.Kind == k {
			return x
		}
	}
	return nil
}

// ErrorReasons lists the error tallies as "reason: n", sorted.
func (r *Result) ErrorReasons() []string {
	var out []string
	for k, v := range r.ErrorsBy {
		out = append(out, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(out)
	return out
}

// result merges the recorders' and the generator's measurements. Call it
// after the agents have stopped and the recorders are flushed.
func (g *generator) result(before, after agent.Stats) *Result {
	res := &Result{
		Scheduled: g.cfg.Ops(), SentOps: g.sentOps, OKOps: g.okOps, Unsent: g.unsent,
		Response: openloop.NewLatency(), Service: openloop.NewLatency(), Lag: g.lag, ClosedLoop: g.closed,
		Late: g.late, RequestedRate: g.cfg.EffectiveRate(), HandOver: time.Duration(g.handOver),
		ErrorsBy: g.errs,
	}
	var lastDone int64
	for i, kind := range kinds {
		kr := &KindResult{Kind: kind, Response: openloop.NewLatency(), Service: openloop.NewLatency()}
		kr.Sent, kr.Errored = g.sent[i], g.errored[i]
		for _, rec := range g.rig.recs {
			kr.Delivered += rec.delivered[i]
			kr.Failed += rec.failed[i]
			kr.Response.Merge(rec.response[i])
			kr.Service.Merge(rec.service[i])
		}
		if kind == KindQuery {
			kr.Delivered = g.sent[i] - g.errored[i]
			kr.Response.Merge(g.queryRsp)
			kr.Service.Merge(g.querySvc)
		}
		if kr.Sent == 0 && kr.Delivered == 0 && kr.Errored == 0 {
			continue
		}
		res.Kinds = append(res.Kinds, kr)
		res.Total.Add(kr.Counts)
		res.Response.Merge(kr.Response)
		res.Service.Merge(kr.Service)
	}
	for _, rec := range g.rig.recs {
		res.Unmeasured += rec.unmeasured
		lastDone = max(lastDone, rec.lastDone)
	}
	lastDone = max(lastDone, g.lastQueryDone)
	res.LastDone = time.Duration(lastDone)

	// The agents' own counters: commands processed must equal the casts and
	// deliveries the recorders saw; rejections must equal the refusals the
	// generator counted (queries go through the mailbox with FastPath off).
	rc := RuntimeCheck{
		Accepted: after.Accepted - before.Accepted, Rejected: after.Rejected - before.Rejected,
		Processed: after.Processed - before.Processed, Failed: after.Failed - before.Failed,
	}
	var cmdDelivered, cmdRefused, cmdFailed int64
	for _, k := range res.Kinds {
		if k.Kind != KindQuery {
			cmdDelivered += k.Delivered
			cmdRefused += k.Errored
			cmdFailed += k.Failed
		}
	}
	var notes []string
	if rc.Processed != uint64(cmdDelivered) {
		notes = append(notes, fmt.Sprintf("agents processed %d commands, recorders saw %d", rc.Processed, cmdDelivered))
	}
	if rc.Rejected != uint64(cmdRefused+g.queryRejected) {
		notes = append(notes, fmt.Sprintf("agents rejected %d messages, generator counted %d refusals", rc.Rejected, cmdRefused+g.queryRejected))
	}
	if rc.Failed != uint64(cmdFailed) {
		notes = append(notes, fmt.Sprintf("agents counted %d failed commands, recorders %d", rc.Failed, cmdFailed))
	}
	if res.Unmeasured > 0 {
		notes = append(notes, fmt.Sprintf("%d signals without a measurement header", res.Unmeasured))
	}
	rc.Agree = len(notes) == 0
	if len(notes) > 0 {
		rc.Note = fmt.Sprint(notes)
	}
	res.Runtime = rc

	// Achieved throughput: accepted operations over the time the schedule
	// covers, or until the last one completed if that is later. A burst has
	// no schedule: everything over the drain time.
	window := max(int64(g.cfg.span()), lastDone)
	res.Window = time.Duration(window)
	if window > 0 {
		res.AchievedRate = float64(g.okOps) / time.Duration(window).Seconds()
	}
	return res
}
