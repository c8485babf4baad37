// Package toggles is the registry of the runtime's optimizations as
// perfbench knows them: for each switch, what it does, which workloads show
// its effect, and the targets the optimization plan set for it. The
// criteria are data; the bench command evaluates them against measured
// comparisons.
package toggles

import (
	"fmt"
	"strings"

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
)

// Criterion is one target from the optimization plan.
type Criterion struct {
	Metric string  `json:"metric"` // a metric name the measurement reports, e.g. "B/op"
	Kind   Kind    `json:"kind"`
	Target float64 `json:"target"`
	Text   string  `json:"text"` // the plan's wording
}

func (c Criterion) String() string {
	switch c.Kind {
	case Reduction:
		return fmt.Sprintf("%s −%g %%", c.Metric, c.Target)
	case Speedup:
		return fmt.Sprintf("%s ≥ %g×", c.Metric, c.Target)
	case AtMost:
		return fmt.Sprintf("%s ≤ %g", c.Metric, c.Target)
	case AtLeast:
		return fmt.Sprintf("%s ≥ %g", c.Metric, c.Target)
	}
	return string(c.Kind)
}

// Toggle is one optimization.
type Toggle struct {
	Name      string      `json:"name"`
	Doc       string      `json:"doc"`
	Workloads []string    `json:"workloads"` // primary workloads, the first is the default
	Primary   Criterion   `json:"primary"`   // the plan's "≥ 50 % better on its primary metric"
	Criteria  []Criterion `json:"criteria"`  // the plan's specific targets
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
	return []Toggle{
		{
			Name: "fastpath", Doc: "state queries read a lock-free snapshot instead of a mailbox round trip",
			Workloads: []string{"state-query"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "ns/op", Kind: AtMost, Target: 10000, Text: "< 10 µs per simple query"}},
		},
		{
			Name: "zerocopy", Doc: "local deliveries share one immutable signal instead of deep-copying it",
			Workloads: []string{"signal-pass/64", "signal-pass/1k", "signal-pass/64k"}, Primary: half("B/op"),
			Criteria: []Criterion{{Metric: "B/op", Kind: Reduction, Target: 80, Text: "−80 % bytes allocated"}},
		},
		{
			Name: "pooling", Doc: "instructions and mailbox envelopes are reused from pools",
			Workloads: []string{"instruction-churn"}, Primary: half("gc/op"),
			Criteria: []Criterion{{Metric: "gc/op", Kind: Reduction, Target: 50, Text: "−50 % GC pressure (GC cycles)"}},
		},
		{
			Name: "batching", Doc: "signals are handed over and drained in batches",
			Workloads: []string{"batch-throughput"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "ops/s", Kind: Speedup, Target: 3, Text: "3–5× throughput"}},
		},
		{
			Name: "jit", Doc: "routes are compiled into an allocation-free plan instead of walked per signal",
			Workloads: []string{"route-match"}, Primary: half("cpu-ns/op"),
			Criteria: []Criterion{{Metric: "cpu-ns/op", Kind: Reduction, Target: 30, Text: "−30 % CPU per op"}},
		},
		{
			Name: "caching", Doc: "route lookups are cached by signal type",
			Workloads: []string{"route-match"}, Primary: half("ns/op"),
			Criteria: []Criterion{{Metric: "cache-hit-%", Kind: AtLeast, Target: 80, Text: "≥ 80 % hit rate"}},
		},
		{
			Name: "xbatch", Doc: "cross-node signals are batched per peer and sent zstd-compressed (NATS)",
			Workloads: []string{"cluster-stream"}, Primary: half("wire-B/op"),
			Criteria: []Criterion{
				{Metric: "wire-B/op", Kind: Reduction, Target: 60, Text: "−60 % network bytes"},
				{Metric: "ns/op", Kind: Reduction, Target: 50, Text: "cross-node batching > 50 % better"},
			},
		},
		{
			Name: "tree", Doc: "a broadcast travels down a k-ary tree of nodes instead of N−1 sends from the root (NATS)",
			Workloads: []string{"cluster-broadcast"}, Primary: half("ns/op"),
			Criteria: []Criterion{
				{Metric: "ns/op", Kind: AtMost, Target: 8 * 10e6, Text: "broadcast within N × 10 ms (N = 8)"},
			},
		},
	}
}

// Names lists the toggle names.
func Names() []string {
	var ns []string
	for _, t := range All() {
		ns = append(ns, t.Name)
	}
	return ns
}

// Lookup finds a toggle; the error lists the valid names.
func Lookup(name string) (Toggle, error) {
	for _, t := range All() {
		if t.Name == name {
			return t, nil
		}
	}
	return Toggle{}, fmt.Errorf("unknown toggle %q (valid: %s)", name, strings.Join(Names(), ", "))
}
