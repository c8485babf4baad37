package load

import (
	"fmt"
	"time"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/openloop"
)

// The plan's targets.
const (
	TargetP50       = 10 * time.Microsecond
	TargetP99       = 100 * time.Microsecond
	TargetErrorRate = 0.001 // 0.1 %
	TargetDrain     = 50 * time.Millisecond
	// ThroughputTolerance: achieved throughput must reach this fraction of
	// the requested rate. The window closes when the last operation is done,
	// so even a system that keeps up exactly shows a hair below the rate.
	ThroughputTolerance = 0.99
	// LagAim is what the generator aims for (lag p99); missing it is not a
	// failure of the runtime — latency counts from due time either way — but
	// the report says so.
	LagAim = 50 * time.Microsecond
)

// Status is a verdict on one target.
type Status string

// Verdict statuses.
const (
	Pass         Status = "PASS"
	Fail         Status = "FAIL"
	Inconclusive Status = "INCONCLUSIVE"
)

// Verdict is one target checked against one run.
type Verdict struct {
	Target string `json:"target"` // e.g. "p99 < 100 µs"
	Reads  string `json:"reads"`  // which measurement it reads
	Value  string `json:"value"`  // the measured value, formatted
	Status Status `json:"status"`
	Note   string `json:"note,omitempty"`
}

func us(d time.Duration) string { return numfmt.Value(float64(d.Nanoseconds()), "ns") }

func pct(f float64) string { return fmt.Sprintf("%.3f%%", f*100) }

func status(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

// What each latency target reads.
const (
	readsResponse = "response time (due → done)"
	readsService  = "service time (agent takes → done)"
)

// Verdicts checks the run against the plan's targets. Sustained and mixed
// read response time (what a caller feels); a burst queues 10 000 signals
// by design, so its latency targets read service time, and it adds the
// drain time. Every run checks errors and conservation; sustained and mixed
// also throughput and the memory trend.
func (r *Result) Verdicts() []Verdict {
	var v []Verdict
	lat := func(name string, l *openloop.Latency, q float64, target time.Duration, reads string) {
		got := l.Quantile(q)
		v = append(v, Verdict{Target: fmt.Sprintf("%s < %s", name, us(target)), Reads: reads, Value: us(got), Status: status(l.Count() > 0 && got < target)})
	}
	if r.Config.Scenario == Burst {
		lat("service p50", r.Service, 50, TargetP50, readsService)
		lat("service p99", r.Service, 99, TargetP99, readsService)
	} else {
		lat("response p50", r.Response, 50, TargetP50, readsResponse)
		lat("response p99", r.Response, 99, TargetP99, readsResponse)
		need := r.RequestedRate * ThroughputTolerance
		v = append(v, Verdict{
			Target: fmt.Sprintf("throughput ≥ requested %s", numfmt.Value(r.RequestedRate, "ops/s")),
			Reads:  fmt.Sprintf("accepted ops / max(schedule, last done) ≥ %.0f %% of rate", ThroughputTolerance*100),
			Value:  numfmt.Value(r.AchievedRate, "ops/s"), Status: status(r.AchievedRate >= need && r.Unsent == 0),
		})
	}
	v = append(v, Verdict{
		Target: "error rate < 0.1 %", Reads: "(refused + failed) / sent",
		Value:  fmt.Sprintf("%s (%d of %d)", pct(r.Total.ErrorRate()), r.Total.Errors(), r.Total.Sent),
		Status: status(r.Total.ErrorRate() < TargetErrorRate),
	})
	cons := Verdict{
		Target: "nothing lost", Reads: "sent = delivered + errored, exact; sent + unsent = requested operations; agents agree",
		Value: fmt.Sprintf("%d = %d + %d; %d sent + %d unsent = %d requested",
			r.Total.Sent, r.Total.Delivered, r.Total.Errored, r.SentOps, r.Unsent, r.Scheduled),
		Status: status(r.Conserved() && r.Unsent == 0),
	}
	if !r.Conserved() {
		cons.Note = r.Runtime.Note
		if cons.Note == "" {
			cons.Note = "counts do not add up"
		}
	}
	if r.Unsent > 0 {
		cons.Note = fmt.Sprintf("%d operations never sent: the generator fell more than its time bound behind", r.Unsent)
	}
	v = append(v, cons)
	if r.Config.Scenario == Burst {
		v = append(v, Verdict{
			Target: fmt.Sprintf("drain < %s", us(TargetDrain)), Reads: "t0 → last signal done",
			Value: us(r.LastDone), Status: status(r.LastDone < TargetDrain),
		})
		return v
	}
	h := r.Heap
	mem := Verdict{
		Target: "memory stable", Reads: fmt.Sprintf("live-heap slope × window ≤ max(%.0f %% of mean, %s)", TrendGrowthFraction*100, numfmt.Value(TrendGrowthFloor, "B")),
		Value:  fmt.Sprintf("%s (limit %s)", signedBytes(h.Growth), numfmt.Value(h.Threshold, "B")),
		Status: status(h.Stable),
	}
	if !h.Judged {
		mem.Status = Inconclusive
		mem.Note = fmt.Sprintf("%d GC cycles in the window, %d needed to see a trend: run longer", h.GCs, TrendMinGCs)
	}
	return append(v, mem)
}

func signedBytes(b float64) string {
	s := numfmt.Value(b, "B")
	if b > 0 {
		s = "+" + s
	}
	return s
}

// Missed lists the targets a run failed.
func (r *Result) Missed() []Verdict {
	var out []Verdict
	for _, v := range r.Verdicts() {
		if v.Status == Fail {
			out = append(out, v)
		}
	}
	return out
}
