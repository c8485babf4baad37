// Package toggles is the registry of the runtime's optimizations as
// perfbench knows them: for each switch, what it does, the workloads where
// it helps and the targets the optimization plan set there, the workloads
// where it costs and the budget it must stay within there, and the runs that
// credit it only with its own work. The criteria are data; the bench command
// evaluates them against measured comparisons.
package toggles

import (
	"fmt"

	"github.com/perfbench/perfbench/runtime/features"
)

// Kind says how a criterion reads a comparison.
type Kind string

const (
	// Reduction: the on side's median is at least Target % below off's.
	Reduction Kind = "reduction"
	// Speedup: on's median divided by off's is at least Target.
	Speedup Kind = "speedup"
	// AtMost: on's median is at most Target.
	AtMost Kind = "at-most"
	// AtLeast: on's median is at least Target.
	AtLeast Kind = "at-least"
	// NotWorse: on is not worse than off by more than Target percent, in
	// the metric's own direction (a non-inferiority margin): the budget of
	// a cost.
	NotWorse Kind = "not-worse"
)

// Criterion is one target from the optimization plan.
type Criterion struct {
	Metric string  `json:"metric"` // a metric name the measurement reports, e.g. "B/op"
	Kind   Kind    `json:"kind"`
	Target float64 `json:"target"`
	Text   string  `json:"text"` // the plan's wording
	// WarnOnly: a miss is reported as WARN, not FAIL. Only for a cost the
	// design accepts knowingly (Text says why); the row still shows it.
	WarnOnly bool `json:"warn_only,omitempty"`
	// Workload limits a criterion to one of the toggle's primary
	// workloads, for a target the plan sets at some sizes only; empty
	// means all of them. (One string, so that Criterion stays comparable.)
	Workload string `json:"workload,omitempty"`
}

// Judges reports whether c applies to a run of workload.
func (c Criterion) Judges(workload string) bool { return c.Workload == "" || c.Workload == workload }

func (c Criterion) String() string {
	if c.Workload != "" {
		all := c
		all.Workload = ""
		return all.String() + " on " + c.Workload
	}
	switch c.Kind {
	case Reduction:
		return fmt.Sprintf("%s −%g %%", c.Metric, c.Target)
	case Speedup:
		return fmt.Sprintf("%s ≥ %g×", c.Metric, c.Target)
	case AtMost:
		return fmt.Sprintf("%s ≤ %g", c.Metric, c.Target)
	case AtLeast:
		return fmt.Sprintf("%s ≥ %g", c.Metric, c.Target)
	case NotWorse:
		return fmt.Sprintf("%s at most %g %% worse", c.Metric, c.Target)
	}
	return string(c.Kind)
}

// on scopes c to one workload.
func (c Criterion) on(workload string) Criterion {
	c.Workload = workload
	return c
}

// Toggle is one optimization.
type Toggle struct {
	Name      string      `json:"name"`
	Doc       string      `json:"doc"`
	Workloads []string    `json:"workloads"` // primary workloads, the first is the default
	Primary   Criterion   `json:"primary"`   // the plan's "≥ 50 % better on its primary metric"
	Criteria  []Criterion `json:"criteria"`  // the plan's specific targets
	// Costs are the workloads where the optimization does extra work or
	// can only lose, each judged against a budget: every toggle names at
	// least one.
	Costs []Use `json:"costs"`
	// Controls run beside the primary workloads and check that their
	// criteria can fail (e.g. the cache's hit rate on traffic that no
	// cache can serve well).
	Controls []Use `json:"controls,omitempty"`
	// Views measure the same switch on a wider workload, end to end, and
	// are reported beside the primary workloads: the primary metric's
	// target does not apply there, because work both sides do dilutes the
	// ratio. Why says what dilutes it. Their Criteria stay empty: a view is
	// shown, and flagged only when it got worse.
	Views []Use `json:"views,omitempty"`
	// AcrossNodes marks an optimization of traffic between node processes:
	// perfbench cluster measures it over NATS, beside its in-process
	// workloads.
	AcrossNodes bool `json:"across_nodes,omitempty"`
	// Credit lists other toggles to leave off in extra runs of the primary
	// workload against everything else on, so that the gain measured with
	// the others on is not another toggle's work: one run per entry, each
	// leaving off this toggle and the ones named (none: "everything on
	// except this toggle").
	Credit [][]string `json:"credit,omitempty"`
}

// The cross-node toggles' names, for the code that judges them by what
// they do (package cluster); everything else goes through the table.
const (
	XBatch = "xbatch"
	Tree   = "tree"
)

// CrossNodeP50 is xbatch's goal for the median cross-node latency with it
// on, in ns, at up to CrossNodeP50Rate signals/s over the cluster: a batch
// may wait, but a typical signal must still cross in under 1 ms. A batch's
// signals wait about half the batch delay each when they arrive steadily,
// so the goal bounds the delay: under twice 1 ms less the transit.
const (
	CrossNodeP50     = 1e6
	CrossNodeP50Rate = 10000
)

// BroadcastPerNode is the plan's bound on a broadcast per node in the
// group: N × 10 ms for N nodes, in ns.
const BroadcastPerNode = 10e6

// Use is a workload run for a reason other than the plan's targets, with
// the criteria it is judged by there.
type Use struct {
	Workload string      `json:"workload"`
	Why      string      `json:"why"`
	Criteria []Criterion `json:"criteria"`
}

// Apply returns s with this toggle switched.
func (t Toggle) Apply(s features.Set, on bool) features.Set {
	out, err := s.With(t.Name, on)
	if err != nil {
		// The registry only holds names features knows; a mismatch is a bug
		// caught by the package's tests, not an input error.
		panic(err)
	}
	return out
}

// All returns the toggles in the plan's order.
func All() []Toggle {
	half := func(metric string) Criterion {
		return Criterion{Metric: metric, Kind: Reduction, Target: 50, Text: "≥ 50 % better on its primary metric"}
	}
	// budget is a cost's limit: on at most pct % worse than off on metric.
	budget := func(metric string, pct float64, text string) Criterion {
		return Criterion{Metric: metric, Kind: NotWorse, Target: pct, Text: "cost: " + text}
	}
	// The plan's zero-copy target, for the sizes where a BEAM send copies
	// the payload.
	copies := Criterion{Metric: "B/op", Kind: Reduction, Target: 80,
		Text: "−80 % bytes allocated per delivery (where a BEAM send copies the payload)"}
	return []Toggle{
		{
			Name: "fastpath", Doc: "state queries read a shared snapshot (copied by the first reader after a change) instead of a mailbox round trip",
			Workloads: []string{"state-query"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "ns/op", Kind: AtMost, Target: 10000, Text: "< 10 µs per simple query"}},
			Costs: []Use{{
				Workload: "dispatch-local",
				Why:      "cast-heavy and nobody reads: the snapshot's upkeep is pure cost to writers",
				Criteria: []Criterion{
					budget("ns/op", 10, "writers ≤ 10 % slower"),
					budget("allocs/op", 1, "writers allocate no more"),
				},
			}},
		},
		{
			Name: "zerocopy", Doc: "local deliveries share one immutable signal instead of copying it as a BEAM send does",
			// The plan's benchmark, one delivery at its three sizes. Its −80 %
			// is for the sizes where a BEAM send copies the payload; at 64 KiB
			// the BEAM shares the binary too, and only ≥ 50 % applies.
			Workloads: []string{"signal-deliver/map-64", "signal-deliver/map-1k", "signal-deliver/bin-64k"}, Primary: half("B/op"),
			Criteria: []Criterion{copies.on("signal-deliver/map-64"), copies.on("signal-deliver/map-1k")},
			Views:    zeroCopyViews(),
			Costs: []Use{{
				Workload: "signal-memory",
				Why: "sharing's known cost on the BEAM is retention: what is shared lives as long as its last holder; " +
					"queued signals show whether sharing keeps more alive per signal than copying",
				Criteria: []Criterion{budget("B/live-signal", 2, "retains no more per queued signal")},
			}},
		},
		{
			Name: "pooling", Doc: "instructions and mailbox envelopes are reused from pools",
			Workloads: []string{"instruction-churn"}, Primary: half("gc/op"),
			Criteria: []Criterion{{Metric: "gc/op", Kind: Reduction, Target: 50, Text: "−50 % GC pressure (GC cycles)"}},
			Costs: []Use{{
				Workload: "dispatch-local",
				Why: "one small instruction and one envelope per signal: the least garbage to save, so the pool's " +
					"get, put and clearing show undiluted",
				Criteria: []Criterion{budget("ns/op", 10, "≤ 10 % slower where there is little to reuse")},
			}},
		},
		{
			Name: "batching", Doc: "signals are handed over and drained in batches",
			Workloads: []string{"batch-throughput"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "ops/s", Kind: Speedup, Target: 3, Text: "3–5× throughput"}},
			Costs: []Use{{
				Workload: "cast-latency",
				Why:      "one signal in flight: nothing to batch, so only the batching mailbox's overhead is left",
				Criteria: []Criterion{budget("ns/op", 10, "latency at a low rate ≤ 10 % worse")},
			}},
			// Batching amortizes per-wake-up costs of the others (with
			// fastpath on, the state snapshot is committed once per batch
			// rather than once per signal): judge it over everything else
			// on, and over everything but fastpath too, so that fastpath's
			// saving is not credited to batching.
			Credit: [][]string{{}, {"fastpath"}},
		},
		{
			Name: "jit", Doc: "routes are compiled into an allocation-free plan instead of walked per signal",
			Workloads: []string{"route-match"}, Primary: half("cpu-ns/op"),
			Criteria: []Criterion{{Metric: "cpu-ns/op", Kind: Reduction, Target: 30, Text: "−30 % CPU per op"}},
			Costs: []Use{{
				Workload: "route-churn",
				Why:      "every route change recompiles the whole plan on the next lookup",
				Criteria: []Criterion{{Metric: "ns/op", Kind: NotWorse, Target: 10, WarnOnly: true,
					Text: "cost: route changes ≤ 10 % slower (accepted: routes change rarely; WARN, not FAIL)"}},
			}},
		},
		{
			Name: "caching", Doc: "route lookups are cached by signal type",
			Workloads: []string{"route-cache/zipf"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "cache-hit-%", Kind: AtLeast, Target: 80, Text: "≥ 80 % hit rate (bypassed lookups count as misses)"}},
			Controls: []Use{{
				Workload: "route-cache/uniform",
				Why: "the same type universe, 4× the cache, drawn uniformly: no cache can serve it well, so a hit rate " +
					"near 100 % here would mean the universe fits the cache and the criterion above passes by construction",
				Criteria: []Criterion{{Metric: "cache-hit-%", Kind: AtMost, Target: 35,
					Text: "control: hit rate ≤ 35 % (cache/universe = 25 %)"}},
			}},
			Costs: []Use{{
				Workload: "route-churn",
				Why:      "every route change invalidates the cached types its pattern matches: a lookup after a change checks the entry against the change, misses and stores",
				Criteria: []Criterion{budget("ns/op", 10, "route changes ≤ 10 % slower")},
			}},
		},
		{
			Name: XBatch, AcrossNodes: true, Doc: "cross-node signals are batched per peer and sent zstd-compressed (NATS)",
			Workloads: []string{"cluster-stream"}, Primary: half("wire-B/op"),
			Criteria: []Criterion{
				{Metric: "wire-B/op", Kind: Reduction, Target: 60, Text: "−60 % network bytes"},
				// Full batches, as bench's unpaced stream fills them; at a
				// paced rate a batch holds what arrives within the delay.
				Criterion{Metric: "wire-B/op", Kind: Reduction, Target: 80, Text: "goal: −80 % network bytes"}.on("cluster-stream"),
				{Metric: "ns/op", Kind: Reduction, Target: 50, Text: "cross-node batching > 50 % better"},
			},
			Costs: []Use{{
				Workload: "cluster-latency",
				Why:      "one signal in flight: nothing to batch, so a signal waits for the outbox's time-based flush",
				Criteria: []Criterion{{Metric: "ns/op", Kind: NotWorse, Target: 10, WarnOnly: true,
					Text: "cost: cross-node latency at a low rate ≤ 10 % worse (accepted: the flush interval bounds the wait; WARN, not FAIL)"}},
			}},
		},
		{
			Name: Tree, AcrossNodes: true, Doc: "a broadcast travels down a k-ary tree of nodes instead of N−1 sends from the root (NATS)",
			Workloads: []string{"cluster-broadcast"}, Primary: half("ns/op"),
			// The design's exact properties at N = 8, fanout 3. The plan's
			// "within N × 10 ms" is not among them: on loopback both sides
			// meet it about 100× over, so it cannot fail; cluster judges it
			// on emulated links.
			Criteria: []Criterion{
				{Metric: "root-msgs/op", Kind: AtMost, Target: 3, Text: "the root sends ≤ k = 3 copies"},
				{Metric: "depth", Kind: AtMost, Target: 2, Text: "depth ≤ ⌈log_k N⌉ = 2 (N = 8, k = 3)"},
				{Metric: "once-%", Kind: AtLeast, Target: 100, Text: "every node reached exactly once"},
			},
			Costs: []Use{{
				Workload: "cluster-broadcast/3",
				Why:      "3 nodes: with fanout 3 the tree is the root's direct sends, so only its own overhead is left",
				Criteria: []Criterion{budget("ns/op", 10, "broadcast to 3 nodes ≤ 10 % slower")},
			}},
		},
	}
}

// zeroCopyViews are the end-to-end signal-pass runs, one per size of the
// plan's benchmark.
func zeroCopyViews() []Use {
	why := "end to end: one publish is 4 deliveries (the bus log and 3 mailboxes) plus each agent's routing, " +
		"instruction and action, which cost the same on both sides except the params and context ZeroCopy shares; " +
		"that processing dilutes the ratio of the delivery alone (signal-deliver)"
	var vs []Use
	for _, size := range []string{"map-64", "map-1k", "bin-64k"} {
		vs = append(vs, Use{Workload: "signal-pass/" + size, Why: why})
	}
	return vs
}
