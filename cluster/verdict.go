package cluster

import (
	"fmt"
	"strings"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

func status(ok bool) verdict.Status {
	if ok {
		return verdict.Pass
	}
	return verdict.Fail
}

// Who set a target (verdict.Verdict.Source): the optimization plan, or a
// goal set beyond it; a check of the run itself names none.
const (
	srcPlan = "plan"
	srcGoal = "goal"
	srcRun  = ""
)

// treeDepthBound is ⌈log_k n⌉, computed exactly; a chain (k = 1) is n − 1
// deep.
func treeDepthBound(n, k int) int {
	if k <= 1 {
		return max(n-1, 1)
	}
	d, p := 0, 1
	for p < n {
		p *= k
		d++
	}
	return max(d, 1)
}

// fewRounds is the reason of a verdict without a CI.
func fewRounds(n int) string {
	return fmt.Sprintf("needs at least %d rounds (--rounds %d); got %d", stats.MinSamplesForCI, stats.MinSamplesForCI, n)
}

// mustToggle is a toggle of cat that Options.has reported compared.
func mustToggle(cat catalog.Catalog, name string) toggles.Toggle {
	t, err := cat.Toggle(name)
	if err != nil {
		panic(err) // has checked it is in the catalog
	}
	return t
}

// judge checks the plan's targets and the goals for the toggles this run
// compares, plus the ledger of every side. Performance targets are judged
// on 95 % CIs over the rounds, as profile judges: relative ones on the
// paired on/off ratios (stats.ComparePaired), absolute ones on the on
// side's per-round values. PASS needs the whole CI to meet the target,
// FAIL the whole CI to miss it; anything else, or fewer than
// stats.MinSamplesForCI rounds, is INCONCLUSIVE. Each can fail.
func (r *Report) judge() {
	var vs []verdict.Verdict
	add := func(v verdict.Verdict) { vs = append(vs, v) }
	if r.opts.has(toggles.XBatch) {
		t := mustToggle(r.opts.Catalog, toggles.XBatch)
		_, kind := crossNodeLatency(r.On)
		add(r.onBelow(srcPlan, fmt.Sprintf("cross-node mean < %s (on)", fmtDur(toggles.CrossNodeMean)), keyCrossMean, kind+" mean", toggles.CrossNodeMean))
		measures := toggles.XBatchMeasures()
		for _, c := range t.Criteria {
			m, ok := measures[c.Metric]
			if !ok || c.Kind != toggles.Reduction {
				panic(fmt.Sprintf("cluster: no measure for %s criterion %s", t.Name, c)) // caught by the package's tests
			}
			v := r.ratioAtMost(srcPlan, fmt.Sprintf("%s: %s (%s)", t.Name, c.Text, m.Label), m.Metric, 1-c.Target/100, true)
			if !c.Judges(pacedStream) {
				v.Status, v.Reason = verdict.Info, fmt.Sprintf("judged on %s only (bench); this run's paced stream is not it", c.Workload)
			}
			add(v)
		}
		add(r.crossNodeP50(kind))
	}
	if r.opts.has(toggles.Tree) {
		r.judgeTree(add)
	}
	for _, s := range []Side{r.Off, r.On} {
		c := s.Signals
		errs := c.SendFailed + c.Errored
		rate := 0.0
		if c.Sent > 0 {
			rate = float64(errs) / float64(c.Sent)
		}
		add(verdict.Verdict{Source: srcRun, Criterion: fmt.Sprintf("%s: ledger exact, counters agree, none lost", s.Label), Scope: s.Label,
			Metric: "lost", Unit: "count", Estimate: float64(c.Lost),
			Measured: fmt.Sprintf("%d = %d + %d err + %d failed + %d lost; %d disagree; %d dropped", c.Sent, c.Delivered, c.Errored, c.SendFailed, c.Lost, len(c.Disagreements), c.Dropped),
			Status:   status(c.Exact && c.Lost == 0 && len(c.Disagreements) == 0 && c.Dropped == 0)})
		add(verdict.Verdict{Source: srcPlan, Criterion: fmt.Sprintf("%s: error rate < %g %%", s.Label, toggles.ErrorRate*100), Scope: s.Label,
			Metric: "error rate", Target: toggles.ErrorRate * 100, Unit: "%", Estimate: rate * 100,
			Measured: fmt.Sprintf("%d errors in %d (%.3f %%)", errs, c.Sent, rate*100), Status: status(c.Sent > 0 && rate < toggles.ErrorRate)})
	}
	if r.opts.Nodes == toggles.QuickNodes {
		add(verdict.Verdict{Source: srcGoal, Criterion: fmt.Sprintf("--nodes %d finishes in < %g s", toggles.QuickNodes, toggles.QuickRun.Seconds()),
			Metric: "elapsed", Target: float64(toggles.QuickRun), Unit: "ns", Estimate: float64(r.Elapsed),
			Measured: fmtDur(r.Elapsed), Status: status(r.Elapsed < toggles.QuickRun)})
	}
	r.Verdicts = vs
}

// pacedStream names what a cluster run streams, for toggles.Criterion.Judges:
// signals at a fixed rate, batched by time more than by size. It is none of
// bench's workloads, so only criteria set for every workload judge it.
const pacedStream = "cluster paced stream"

// crossNodeP50 judges xbatch's p50 goal where it is set: at up to
// toggles.CrossNodeP50Rate signals/s. At a higher rate it is shown as
// INFO: a run at a rate the goal does not name neither meets nor misses it.
func (r *Report) crossNodeP50(kind string) verdict.Verdict {
	p50 := time.Duration(toggles.CrossNodeP50)
	target := fmt.Sprintf("cross-node p50 < %s (on) at %s", fmtDur(p50), numfmt.Value(r.opts.Rate, "signals/s"))
	v := r.onBelow(srcGoal, target, keyCrossP50, kind+" p50", p50)
	if r.opts.Rate > toggles.CrossNodeP50Rate {
		v.Status, v.Reason = verdict.Info, fmt.Sprintf("the goal is set at up to %g signals/s: judge it with --rate %g", float64(toggles.CrossNodeP50Rate), float64(toggles.CrossNodeP50Rate))
	}
	return v
}

// judgeTree: the broadcast of the largest group, on against off, is the
// tree's verdict: the plan's primary target (≥ 50 % better) where the
// tree has more than one level, its cost budget where it is flat (N − 1 ≤
// fanout: the root sends to everyone either way). The design's exact
// properties are counted on every broadcast: the root sends at most k
// copies, the depth is at most ⌈log_k N⌉, and every node takes exactly one
// copy. The plan's N × 10 ms bound decides nothing on bare loopback, where
// both sides meet it about 100× over; on emulated links it is judged, and
// so is the tree against direct sends wherever the cost model
// (broadcastModel) predicts the tree to win.
func (r *Report) judgeTree(add func(verdict.Verdict)) {
	t := mustToggle(r.opts.Catalog, toggles.Tree)
	groups := r.opts.groups()
	largest := groups[len(groups)-1]
	if largest-1 > r.opts.Fanout {
		c := t.Primary
		add(r.ratioAtMost(srcPlan, fmt.Sprintf("%s: N=%d broadcast p50 −%g %% (%s)", t.Name, largest, c.Target, c.Text),
			"bcast-p50-ns", 1-c.Target/100, true))
	} else {
		c := treeBudget(t)
		add(r.ratioAtMost(srcPlan, fmt.Sprintf("%s: N=%d broadcast p50 at most %g %% worse (flat at fanout %d: %s)", t.Name, largest, c.Target, r.opts.Fanout,
			strings.TrimPrefix(c.Text, "cost: ")), "bcast-p50-ns", 1+c.Target/100, false))
	}
	var depths []string
	allDepth := true
	for _, g := range groups {
		s, ok := r.On.Group(g, "node")
		off, _ := r.Off.Group(g, "node")
		bound := time.Duration(float64(g) * toggles.BroadcastPerNode)
		v := verdict.Verdict{Source: srcPlan, Criterion: fmt.Sprintf("%s: N=%d broadcast ≤ %s (p99, all complete)", t.Name, g, fmtDur(bound)),
			Scope: fmt.Sprintf("N=%d", g), Metric: "broadcast p99", Target: float64(bound), Unit: "ns", Estimate: float64(s.P99),
			Measured: fmt.Sprintf("p99 %s, p50 %s, %d/%d complete (off p99 %s)", fmtDur(s.P99), fmtDur(s.P50), s.Complete, s.Count, fmtDur(off.P99))}
		switch {
		case !ok || s.Count == 0 || s.Complete < s.Count:
			v.Status, v.Reason = verdict.Fail, "a broadcast was not acknowledged by every node"
		case s.P99 > bound && r.On.Rounds < stats.MinSamplesForCI:
			v.Status, v.Reason = verdict.Inconclusive, "p99 beyond the bound; "+fewRounds(r.On.Rounds)
		case s.P99 > bound:
			v.Status = verdict.Fail
		case r.opts.link.On():
			v.Status, v.Reason = verdict.Pass, fmt.Sprintf("on emulated links (%s): met %s over (off %s)", r.opts.link, times(bound, s.P99), times(bound, off.P99))
		default:
			v.Status = verdict.Info
			v.Reason = fmt.Sprintf("met %s over (off %s): too loose to tell the tree from the root's own sends, so it earns no PASS alone; "+
				"the paired broadcast verdict judges the tree", times(bound, s.P99), times(bound, off.P99))
		}
		add(v)
		want := treeDepthBound(g, r.opts.Fanout)
		allDepth = allDepth && ok && s.Depth <= want && s.Depth > 0
		depths = append(depths, fmt.Sprintf("%d: %d ≤ %d", g, s.Depth, want))
	}
	add(verdict.Verdict{Source: srcGoal, Criterion: fmt.Sprintf("%s: depth ⌈log_%d N⌉", t.Name, r.opts.Fanout), Metric: "depth", Unit: "hops", Measured: strings.Join(depths, "; "), Status: status(allDepth)})
	r.judgeTreeShape(add, t, groups)
	if r.opts.link.On() {
		r.judgeCrossover(add, t, groups)
	}
	g, bound := toggles.BroadcastGoalGroup, toggles.BroadcastGoalP50
	target := fmt.Sprintf("%s: %d-node broadcast < %s (p50)", t.Name, g, fmtDur(bound))
	if _, ok := r.On.Group(g, "node"); ok {
		add(r.onBelow(srcGoal, target, keyBroadcast(g), "p50", bound))
	} else {
		// The goal is set for a group this run did not form: it neither
		// meets nor misses it, and asking for more rounds would not help.
		add(verdict.Verdict{Source: srcGoal, Criterion: target, Scope: fmt.Sprintf("N=%d", g), Metric: "broadcast p50", Target: float64(bound), Unit: "ns",
			Measured: fmt.Sprintf("not measured: --nodes %d < %d", r.opts.Nodes, g), Status: verdict.Info,
			Reason: fmt.Sprintf("set for a %d-node group: judge it with --nodes %d or more", g, g)})
	}
}

// judgeTreeShape checks, on every broadcast of the on side, that the root
// sent at most k copies and that every node took exactly one: by the acks
// (rtcluster.BroadcastResult.Once) and by the receivers' own counters.
func (r *Report) judgeTreeShape(add func(verdict.Verdict), t toggles.Toggle, groups []int) {
	k := r.opts.Fanout
	var roots, once []string
	rootOK, onceOK := true, true
	for _, g := range groups {
		s, ok := r.On.Group(g, "node")
		want := uint64(s.Count) * uint64(g-1)
		rootOK = rootOK && ok && s.Count > 0 && s.RootMax <= k
		onceOK = onceOK && ok && s.Count > 0 && s.Once == s.Count && s.Received == want
		roots = append(roots, fmt.Sprintf("%d: %d", g, s.RootMax))
		once = append(once, fmt.Sprintf("%d: %d/%d, %d/%d copies", g, s.Once, s.Count, s.Received, want))
	}
	add(verdict.Verdict{Source: srcGoal, Criterion: fmt.Sprintf("%s: the root sends ≤ k = %d copies (most per broadcast)", t.Name, k),
		Metric: "root sends", Target: float64(k), Unit: "count", Measured: strings.Join(roots, "; "), Status: status(rootOK)})
	add(verdict.Verdict{Source: srcGoal, Criterion: fmt.Sprintf("%s: every node reached exactly once (broadcasts once / all; copies taken / N−1 each)", t.Name),
		Metric: "reached once", Unit: "count", Measured: strings.Join(once, "; "), Status: status(onceOK)})
}

// judgeCrossover: on emulated links, for each group where the cost model
// predicts the tree at most toggles.CrossoverMargin of direct, the paired per-round
// broadcast p50 on/off must be below 1. The copy size is measured: the
// direct broadcast's wire bytes, over its 2(N−1) crossings (up the root's
// link, down each receiver's).
func (r *Report) judgeCrossover(add func(verdict.Verdict), t toggles.Toggle, groups []int) {
	l := r.opts.link
	for _, g := range groups {
		off, ok := r.Off.Group(g, "node")
		if !ok || off.Count == 0 || g < 2 {
			continue
		}
		size := int(off.WireBytes / float64(2*(g-1)))
		direct := broadcastModel(g, 0, l.Transfer(size), l.Latency, 0)
		tree := broadcastModel(g, r.opts.Fanout, l.Transfer(size), l.Latency, 0)
		target := fmt.Sprintf("%s: N=%d on %s links faster than direct (model: %s vs %s for %s copies)", t.Name, g, l,
			fmtDur(tree), fmtDur(direct), numfmt.Value(float64(size), "B"))
		if float64(tree) > toggles.CrossoverMargin*float64(direct) {
			add(verdict.Verdict{Source: srcGoal, Criterion: target, Scope: fmt.Sprintf("N=%d", g), Measured: "not judged", Status: verdict.Info,
				Reason: fmt.Sprintf("the model predicts no gain beyond %.0f %% here", (1-toggles.CrossoverMargin)*100)})
			continue
		}
		key := keyBroadcast(g)
		var a, b []float64
		for i := range min(len(r.offV), len(r.onV)) {
			x, okx := r.offV[i][key]
			y, oky := r.onV[i][key]
			if okx && oky {
				a, b = append(a, x), append(b, y)
			}
		}
		m := stats.Metric{Name: key, Better: stats.LowerIsBetter, Noise: 0.05}
		c := stats.ComparePaired(m, a, b, m.Noise)
		add(ratioVerdict(verdict.Verdict{Source: srcGoal, Criterion: target, Scope: fmt.Sprintf("N=%d", g)}, c, len(a) > 0, key, 1, true))
	}
}

// treeBudget is the tree's cost budget on broadcast time.
func treeBudget(t toggles.Toggle) toggles.Criterion {
	for _, u := range t.Costs {
		for _, c := range u.Criteria {
			if c.Kind == toggles.NotWorse && c.Metric == "ns/op" {
				return c
			}
		}
	}
	panic(fmt.Sprintf("cluster: %s has no time budget", t.Name)) // caught by the package's tests
}

func times(bound, d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f×", float64(bound)/float64(d))
}

// comparison finds the paired comparison of one round metric.
func (r *Report) comparison(metric string) (stats.Comparison, bool) {
	for _, c := range r.Comparisons {
		if c.Metric.Name == metric {
			return c, true
		}
	}
	return stats.Comparison{}, false
}

// ratioAtMost judges "on/off ≤ limit" on the paired CI of a metric's
// per-round ratios (lower is better for every metric judged so). A claimed
// improvement (improving) also needs the signed-rank test's p < 0.05.
func (r *Report) ratioAtMost(src, target, metric string, limit float64, improving bool) verdict.Verdict {
	c, ok := r.comparison(metric)
	return ratioVerdict(verdict.Verdict{Source: src, Criterion: target}, c, ok, metric, limit, improving)
}

// ratioVerdict judges "on/off ≤ limit" on comparison c (ok: it exists).
func ratioVerdict(v verdict.Verdict, c stats.Comparison, ok bool, metric string, limit float64, improving bool) verdict.Verdict {
	v.Metric, v.Target, v.Unit = metric+" on/off", limit, "×"
	if !ok || c.Paired == nil {
		v.Measured, v.Status = metric+": not measured", verdict.Inconclusive
		v.Reason = "no paired on/off ratio"
		if ok {
			v.Reason += ": " + c.Note
		}
		return v
	}
	p := c.Paired
	v.Estimate = p.Ratio
	if !p.HasCI {
		v.Measured = fmt.Sprintf("%s on/off %.3f (%s, no CI)", metric, p.Ratio, fmtPct(p.Ratio))
		v.Status, v.Reason = verdict.Inconclusive, fewRounds(p.N)
		return v
	}
	v.CI, v.P = &verdict.Interval{Lo: p.Lo, Hi: p.Hi}, verdict.PValue(p.Wilcoxon.P)
	v.Measured = fmt.Sprintf("%s on/off %.3f [%.3f, %.3f] (%s), %s, %d round pairs", metric, p.Ratio, p.Lo, p.Hi, fmtPct(p.Ratio), stats.PEquals(p.Wilcoxon.P), p.N)
	lim := fmt.Sprintf("%.3f", limit)
	switch {
	case p.Hi <= limit && (!improving || p.Wilcoxon.P < stats.Alpha):
		v.Status = verdict.Pass
	case p.Lo > limit:
		v.Status, v.Reason = verdict.Fail, fmt.Sprintf("the whole 95 %% CI of the paired ratio is above %s", lim)
	case p.Hi <= limit:
		v.Status, v.Reason = verdict.Inconclusive, fmt.Sprintf("the 95 %% CI meets %s but the signed-rank test gives %s", lim, stats.PEquals(p.Wilcoxon.P))
	default:
		v.Status, v.Reason = verdict.Inconclusive, fmt.Sprintf("the 95 %% CI of the paired ratio straddles %s: more rounds to tell", lim)
	}
	return v
}

// onBelow judges "on < bound" on the 95 % CI of the median of the on
// side's per-round values of key.
func (r *Report) onBelow(src, target, key, what string, bound time.Duration) verdict.Verdict {
	v := verdict.Verdict{Source: src, Criterion: target, Scope: "on", Metric: what, Target: float64(bound), Unit: "ns"}
	var on, off []float64
	for _, rv := range r.onV {
		if x, ok := rv[key]; ok {
			on = append(on, x)
		}
	}
	for _, rv := range r.offV {
		if x, ok := rv[key]; ok {
			off = append(off, x)
		}
	}
	if len(on) == 0 {
		v.Measured, v.Status, v.Reason = what+": not measured", verdict.Inconclusive, "no round measured it on the on side"
		return v
	}
	s, so := stats.Summarize(on), stats.Summarize(off)
	d := func(x float64) string { return numfmt.Value(x, "ns") }
	v.Estimate = s.Center
	if !s.HasCI {
		v.Measured = fmt.Sprintf("%s %s per round, median (off %s)", what, d(s.Center), d(so.Center))
		v.Status, v.Reason = verdict.Inconclusive, fewRounds(s.N)
		return v
	}
	v.CI = &verdict.Interval{Lo: s.Lo, Hi: s.Hi}
	v.Measured = fmt.Sprintf("%s %s [%s, %s] per round, median of %d (off %s)", what, d(s.Center), d(s.Lo), d(s.Hi), s.N, d(so.Center))
	b := float64(bound)
	switch {
	case s.Hi < b:
		v.Status = verdict.Pass
	case s.Lo >= b:
		v.Status, v.Reason = verdict.Fail, fmt.Sprintf("the whole 95 %% CI is at or above %s", fmtDur(bound))
	default:
		v.Status, v.Reason = verdict.Inconclusive, fmt.Sprintf("the 95 %% CI straddles %s: more rounds to tell", fmtDur(bound))
	}
	return v
}

// Missed lists the criteria of the failed verdicts.
func (r *Report) Missed() []string { return r.criteria(verdict.Fail) }

// Undecided lists the criteria of the inconclusive verdicts.
func (r *Report) Undecided() []string { return r.criteria(verdict.Inconclusive) }

// criteria lists the criteria of the verdicts with status s.
func (r *Report) criteria(s verdict.Status) []string {
	var out []string
	for _, v := range r.Verdicts {
		if v.Status == s {
			out = append(out, v.Criterion)
		}
	}
	return out
}
