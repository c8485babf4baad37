package cluster

import (
	"fmt"
	"strings"
	"time"
)

// Status of one verdict.
type Status string

const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	NA   Status = "n/a" // not measurable in this run (said why)
)

// Verdict is one target checked against what was measured.
type Verdict struct {
	Source   string `json:"source"` // "plan", "goal" or "run"
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Status   Status `json:"status"`
}

func status(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

// treeDepthBound is ⌈log_k n⌉, computed exactly.
func treeDepthBound(n, k int) int {
	d, p := 0, 1
	for p < n {
		p *= k
		d++
	}
	return max(d, 1)
}

// judge checks the plan's targets and the goals for the toggles
// this run compares, plus the ledger of every side. Each can fail.
func (r *Report) judge() {
	var vs []Verdict
	add := func(src, target, measured string, st Status) {
		vs = append(vs, Verdict{Source: src, Target: target, Measured: measured, Status: st})
	}
	on := r.On
	if r.opts.has("xbatch") {
		lat, kind := on.crossNode()
		add("plan", "cross-node mean < 5 ms (on)",
			fmt.Sprintf("%s mean %s (off %s)", kind, fmtDur(lat.Mean), fmtDur(r.Off.crossNodeMean())), status(lat.Count > 0 && lat.Mean < 5*time.Millisecond))
		wb, ok := r.Ratios["wire-B/signal"]
		add("plan", "xbatch: network bytes −60 %", ratioText(wb, ok, "wire B/signal"), status(ok && wb <= 0.40))
		cpu, ok := r.Ratios["cpu-ns/signal"]
		add("plan", "xbatch: batching > 50 % better (CPU/signal)", ratioText(cpu, ok, "CPU/signal"), status(ok && cpu < 0.5))
		add("goal", "cross-node p50 < 200 µs (on)",
			fmt.Sprintf("%s p50 %s (off %s)", kind, fmtDur(lat.P50), fmtDur(r.Off.crossNodeP50())), status(lat.Count > 0 && lat.P50 < 200*time.Microsecond))
		add("goal", "xbatch: wire bytes −80 % (64 B stream)", ratioText(wb, ok, "wire B/signal"), status(ok && wb <= 0.20))
	}
	if r.opts.has("tree") {
		var depths []string
		allDepth := true
		for _, g := range r.opts.groups() {
			s, ok := on.Group(g, "node")
			bound := time.Duration(g) * 10 * time.Millisecond
			in := ok && s.Complete == s.Count && s.Count > 0 && s.P99 <= bound
			add("plan", fmt.Sprintf("tree: N=%d broadcast ≤ %s (p99, all complete)", g, fmtDur(bound)),
				fmt.Sprintf("p99 %s, p50 %s, %d/%d complete", fmtDur(s.P99), fmtDur(s.P50), s.Complete, s.Count), status(in))
			want := treeDepthBound(g, r.opts.Fanout)
			allDepth = allDepth && ok && s.Depth <= want && s.Depth > 0
			depths = append(depths, fmt.Sprintf("%d: %d ≤ %d", g, s.Depth, want))
		}
		add("goal", fmt.Sprintf("tree: depth ⌈log_%d N⌉", r.opts.Fanout), strings.Join(depths, "; "), status(allDepth))
		if s, ok := on.Group(16, "node"); ok {
			add("goal", "tree: 16-node broadcast < 5 ms (p50)", fmt.Sprintf("p50 %s, p99 %s", fmtDur(s.P50), fmtDur(s.P99)), status(s.Count > 0 && s.Complete == s.Count && s.P50 < 5*time.Millisecond))
		} else {
			add("goal", "tree: 16-node broadcast < 5 ms (p50)", fmt.Sprintf("not measured: --nodes %d < 16", r.opts.Nodes), NA)
		}
	}
	for _, s := range []Side{r.Off, r.On} {
		c := s.Signals
		errs := c.SendFailed + c.Errored
		rate := 0.0
		if c.Sent > 0 {
			rate = float64(errs) / float64(c.Sent)
		}
		add("run", fmt.Sprintf("%s: ledger exact, counters agree, none lost", s.Label),
			fmt.Sprintf("%d = %d + %d err + %d failed + %d lost; %d disagree; %d dropped", c.Sent, c.Delivered, c.Errored, c.SendFailed, c.Lost, len(c.Disagreements), c.Dropped),
			status(c.Exact && c.Lost == 0 && len(c.Disagreements) == 0 && c.Dropped == 0))
		add("plan", fmt.Sprintf("%s: error rate < 0.1 %%", s.Label), fmt.Sprintf("%d errors in %d (%.3f %%)", errs, c.Sent, rate*100), status(c.Sent > 0 && rate < 0.001))
	}
	if r.opts.Nodes == 4 {
		add("goal", "--nodes 4 finishes in < 60 s", fmtDur(r.Elapsed), status(r.Elapsed < time.Minute))
	}
	r.Verdicts = vs
}

func ratioText(ratio float64, ok bool, what string) string {
	if !ok {
		return what + ": not measured"
	}
	return fmt.Sprintf("%s %s (paired median on/off %.3f)", what, fmtPct(ratio), ratio)
}

func (s Side) crossNodeMean() time.Duration { l, _ := s.crossNode(); return l.Mean }
func (s Side) crossNodeP50() time.Duration  { l, _ := s.crossNode(); return l.P50 }

// Missed lists the failed verdicts.
func (r *Report) Missed() []string {
	var out []string
	for _, v := range r.Verdicts {
		if v.Status == Fail {
			out = append(out, v.Target)
		}
	}
	return out
}
