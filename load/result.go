package load

import (
	"fmt"
	"sort"
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/agent"
)

// KindResult is one kind of operation's accounting and latencies.
type KindResult struct {
	Kind Kind
	openloop.Counts
	Response *openloop.Latency // due → done (casts, deliveries) or → return (queries)
	Service  *openloop.Latency // agent takes → done, or call → return for queries
}

// Result is one load run, live: its histograms still take values.
// results.json holds it as a results.LoadRun (Doc).
type Result struct {
	Config   Config
	Features string

	Scheduled int64
	SentOps   int64
	OKOps     int64 // sent and accepted (a publish: by every subscriber)
	Unsent    int64

	Kinds []*KindResult
	Total openloop.Counts
	// Unmeasured counts signals an agent processed without a valid
	// measurement header; always 0 unless the driver is broken.
	Unmeasured int64
	Runtime    results.RuntimeCheck
	ErrorsBy   map[string]int64

	Response   *openloop.Latency // every kind merged
	Service    *openloop.Latency // every kind merged
	Lag        *openloop.Latency // actual send − due
	ClosedLoop *openloop.Latency // closed loop only: reply − actual send
	Late       int64             // lag > LateThreshold

	RequestedRate float64 // 0 for a burst
	AchievedRate  float64
	Window        time.Duration // what AchievedRate divides by
	// LastDone is when the last operation completed; for a burst it is the
	// drain time.
	LastDone time.Duration
	// HandOver is when the generator finished sending.
	HandOver     time.Duration
	GeneratorEnd time.Duration
	Stopped      time.Duration
	SleepMargin  time.Duration
	// Generator is the generator's own cost (CPU of its thread, spinning
	// included).
	Generator openloop.GeneratorUsage

	Heap    results.HeapTrend
	GC      results.GCStats
	Elapsed time.Duration
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

// Doc is r as results.json holds it: the histograms summarized, with
// their lossless encoding.
func (r *Result) Doc() (results.LoadRun, error) {
	d := results.LoadRun{
		Features: r.Features, Scheduled: r.Scheduled, SentOps: r.SentOps, OKOps: r.OKOps, Unsent: r.Unsent,
		Total: r.Total, Unmeasured: r.Unmeasured, Runtime: r.Runtime, ErrorsBy: r.ErrorsBy, Late: r.Late,
		RequestedRate: r.RequestedRate, AchievedRate: r.AchievedRate, Window: r.Window, LastDone: r.LastDone,
		HandOver: r.HandOver, GeneratorEnd: r.GeneratorEnd, Stopped: r.Stopped, SleepMargin: r.SleepMargin,
		Generator: r.Generator, Heap: r.Heap, GC: r.GC, Elapsed: r.Elapsed,
	}
	var err error
	latency := func(l *openloop.Latency) openloop.LatencyJSON {
		if l == nil || err != nil {
			return openloop.LatencyJSON{}
		}
		var j openloop.LatencyJSON
		j, err = l.JSON()
		return j
	}
	for _, k := range r.Kinds {
		d.Kinds = append(d.Kinds, results.LoadKind{Kind: string(k.Kind), Counts: k.Counts, Response: latency(k.Response), Service: latency(k.Service)})
	}
	d.Response, d.Service, d.Lag = latency(r.Response), latency(r.Service), latency(r.Lag)
	if r.ClosedLoop != nil {
		cl := latency(r.ClosedLoop)
		d.ClosedLoop = &cl
	}
	if err != nil {
		return d, fmt.Errorf("encode histogram: %w", err)
	}
	return d, nil
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
	rc := results.RuntimeCheck{
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
