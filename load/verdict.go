package load

import (
	"fmt"
	"time"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

func us(d time.Duration) string { return numfmt.Value(float64(d.Nanoseconds()), "ns") }

func pct(f float64) string { return fmt.Sprintf("%.3f%%", f*100) }

func status(ok bool) verdict.Status {
	if ok {
		return verdict.Pass
	}
	return verdict.Fail
}

// What each latency target reads.
const (
	readsResponse = "response time (due → done)"
	readsService  = "service time (agent takes → done)"
)

// Verdicts checks the run against the load targets (toggles.Load).
// Sustained and mixed read response time (what a caller feels); a burst
// queues 10 000 signals by design, so its latency targets read service
// time, and it adds the drain time. Every run checks errors and
// conservation; sustained and mixed also throughput and the memory trend.
// Each verdict's Metric says which measurement it reads; Scope is left to
// the caller, who knows the side.
func (r *Result) Verdicts() []verdict.Verdict {
	t := toggles.Load()
	var v []verdict.Verdict
	lat := func(name string, l *openloop.Latency, q float64, target time.Duration, reads string) {
		got := l.Quantile(q)
		v = append(v, verdict.Verdict{
			Criterion: fmt.Sprintf("%s < %s", name, us(target)), Source: "plan", Metric: reads,
			Target: float64(target.Nanoseconds()), Unit: "ns", Estimate: float64(got.Nanoseconds()), Measured: us(got),
			Status: status(l.Count() > 0 && got < target),
		})
	}
	if r.Config.Scenario == Burst {
		lat("service p50", r.Service, 50, t.P50, readsService)
		lat("service p99", r.Service, 99, t.P99, readsService)
	} else {
		lat("response p50", r.Response, 50, t.P50, readsResponse)
		lat("response p99", r.Response, 99, t.P99, readsResponse)
		need := r.RequestedRate * t.ThroughputTolerance
		v = append(v, verdict.Verdict{
			Criterion: fmt.Sprintf("throughput ≥ requested %s", numfmt.Value(r.RequestedRate, "ops/s")), Source: "plan",
			Metric: fmt.Sprintf("accepted ops / max(schedule, last done) ≥ %.0f %% of rate", t.ThroughputTolerance*100),
			Target: need, Unit: "ops/s", Estimate: r.AchievedRate,
			Measured: numfmt.Value(r.AchievedRate, "ops/s"), Status: status(r.AchievedRate >= need && r.Unsent == 0),
		})
	}
	v = append(v, verdict.Verdict{
		Criterion: fmt.Sprintf("error rate < %g %%", t.ErrorRate*100), Source: "plan", Metric: "(refused + failed) / sent",
		Target: t.ErrorRate * 100, Unit: "%", Estimate: r.Total.ErrorRate() * 100,
		Measured: fmt.Sprintf("%s (%d of %d)", pct(r.Total.ErrorRate()), r.Total.Errors(), r.Total.Sent),
		Status:   status(r.Total.ErrorRate() < t.ErrorRate),
	})
	cons := verdict.Verdict{
		Criterion: "nothing lost", Metric: "sent = delivered + errored, exact; sent + unsent = requested operations; agents agree",
		Unit: "count", Estimate: float64(r.Unsent),
		Measured: fmt.Sprintf("%d = %d + %d; %d sent + %d unsent = %d requested",
			r.Total.Sent, r.Total.Delivered, r.Total.Errored, r.SentOps, r.Unsent, r.Scheduled),
		Status: status(r.Conserved() && r.Unsent == 0),
	}
	if !r.Conserved() {
		cons.Reason = r.Runtime.Note
		if cons.Reason == "" {
			cons.Reason = "counts do not add up"
		}
	}
	if r.Unsent > 0 {
		cons.Reason = fmt.Sprintf("%d operations never sent: the generator fell more than its time bound behind", r.Unsent)
	}
	v = append(v, cons)
	if r.Config.Scenario == Burst {
		return append(v, verdict.Verdict{
			Criterion: fmt.Sprintf("drain < %s", us(t.Drain)), Source: "plan", Metric: "t0 → last signal done",
			Target: float64(t.Drain.Nanoseconds()), Unit: "ns", Estimate: float64(r.LastDone.Nanoseconds()),
			Measured: us(r.LastDone), Status: status(r.LastDone < t.Drain),
		})
	}
	h := r.Heap
	mem := verdict.Verdict{
		Criterion: "memory stable", Source: "plan",
		Metric: fmt.Sprintf("live-heap slope × window ≤ max(%.0f %% of mean, %s)", TrendGrowthFraction*100, numfmt.Value(TrendGrowthFloor, "B")),
		Target: h.Threshold, Unit: "B", Estimate: h.Growth,
		Measured: fmt.Sprintf("%s (limit %s)", signedBytes(h.Growth), numfmt.Value(h.Threshold, "B")),
		Status:   status(h.Stable),
	}
	if !h.Judged {
		mem.Status = verdict.Inconclusive
		mem.Reason = fmt.Sprintf("%d GC cycles in the window, %d needed to see a trend: run longer", h.GCs, TrendMinGCs)
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
func (r *Result) Missed() []verdict.Verdict { return verdict.Failed(r.Verdicts()) }
