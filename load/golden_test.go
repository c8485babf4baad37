package load

import (
	"reflect"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/toggles"
)

// fixedLatency records n latencies from base in steps of step: the same
// histogram every time, no clock involved.
func fixedLatency(n, base, step int64) *openloop.Latency {
	l := openloop.NewLatency()
	for i := int64(0); i < n; i++ {
		l.Record(base + i*step)
	}
	return l
}

// fixedResult is one sustained run built by hand, so the renderings can be
// compared byte for byte.
func fixedResult(cfg Config, features string, step int64, errored int64) *Result {
	cast := &KindResult{Kind: KindCast, Counts: openloop.Counts{Sent: 600, Delivered: 600 - errored, Errored: errored},
		Response: fixedLatency(600, 3000, step), Service: fixedLatency(600, 1000, step/2)}
	query := &KindResult{Kind: KindQuery, Counts: openloop.Counts{Sent: 400, Delivered: 400},
		Response: fixedLatency(400, 2000, step), Service: fixedLatency(400, 800, step/2)}
	r := &Result{
		Config: cfg, Features: features, Scheduled: 1000, SentOps: 1000, OKOps: 1000 - errored,
		Kinds: []*KindResult{cast, query}, Total: openloop.Counts{Sent: 1000, Delivered: 1000 - errored, Errored: errored},
		Runtime:  results.RuntimeCheck{Accepted: uint64(600 - errored), Rejected: uint64(errored), Processed: uint64(600 - errored), Agree: true},
		ErrorsBy: map[string]int64{},
		Response: fixedLatency(1000, 2000, step), Service: fixedLatency(1000, 800, step/2),
		Lag: fixedLatency(1000, 100, 10), RequestedRate: 1000, AchievedRate: 998.5,
		Window: time.Second, LastDone: time.Second + 2*time.Millisecond, HandOver: time.Second,
		GeneratorEnd: time.Second, Stopped: time.Second + 3*time.Millisecond, SleepMargin: 50 * time.Microsecond,
		Generator: openloop.GeneratorUsage{Busy: 150 * time.Millisecond, Cores: 0.15, Sleeps: 900},
		Heap: results.HeapTrend{Interval: "10ms", WindowFrom: "100ms", WindowTo: "1s", Fitted: 90, GCs: 12, MeanLive: 4 << 20,
			StartLive: 4 << 20, EndLive: 4<<20 + 2048, PeakLive: 5 << 20, PeakObjects: 6 << 20, SlopeBps: 2048, Growth: 2048,
			Threshold: 1 << 20, PerOp: 2.048, Judged: true, Stable: true},
		GC:      results.GCStats{Cycles: 12, PauseTotal: 600 * time.Microsecond, PauseMax: 100 * time.Microsecond, AllocBytes: 3 << 20, AllocPerOp: 3145.7, CPU: 900 * time.Millisecond, CPUCores: 0.9},
		Elapsed: time.Second + 10*time.Millisecond,
	}
	if errored > 0 {
		r.ErrorsBy["mailbox full"] = errored
	}
	return r
}

func fixedReport(t *testing.T) *Report {
	cfg, err := Config{Scenario: Sustained, Rate: 1000, Duration: time.Second, Agents: 2}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return &Report{
		Config: cfg, Toggle: "fastpath",
		Env:     machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2, GitCommit: "0123456789abcdef"},
		Command: "perfbench load --scenario=sustained --opt=fastpath", Created: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		Dir:   "profiles/load/sustained",
		Files: []string{"results.json", "summary.md", "response.off.hgrm", "response.on.hgrm"},
		Sides: []Variant{
			{Label: "off", Result: fixedResult(cfg, "none", 40, 0)},
			{Label: "on", Result: fixedResult(cfg, "fastpath", 20, 2)},
		},
	}
}

func TestGoldenRenderings(t *testing.T) {
	golden.Renderings(t, "report", fixedReport(t).Print)
}

// TestResultsRoundTrip: results.json, as written, decodes into the type
// perfbench report reads (results.LoadDoc) with every field as the writer
// filled it.
func TestResultsRoundTrip(t *testing.T) {
	rep := fixedReport(t)
	want, err := rep.Doc()
	if err != nil {
		t.Fatal(err)
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got results.LoadDoc
	if err := results.Decode("results.json", js, results.Load, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded results.json differs from what was written:\n got %+v\nwant %+v", got, want)
	}
	if len(got.Sides) != 2 || len(got.Sides[1].Verdicts) != 6 || got.Sides[1].Verdicts[0].Scope != "on" || got.Targets.P99 != toggles.Load().P99 {
		t.Errorf("decoded sides %+v, targets %+v", got.Sides, got.Targets)
	}
}
