package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// judged builds a report of n round pairs whose per-round values are
// given by off(i) and on(i), with broadcasts of every group in 300 µs p50
// and 2 ms p99 on both sides, and judges it.
func judged(t *testing.T, nodes, n int, off, on func(i int) map[string]float64) map[string]verdict.Verdict {
	t.Helper()
	return judgedAt(t, nodes, n, 0, off, on)
}

// judgedAt is judged at a given --rate (0: the default).
func judgedAt(t *testing.T, nodes, n int, rate float64, off, on func(i int) map[string]float64) map[string]verdict.Verdict {
	t.Helper()
	o, err := Options{Catalog: catalog.Builtin(), Nodes: nodes, Rounds: n, Rate: rate}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{opts: o}
	for i := range n {
		r.offV, r.onV = append(r.offV, off(i)), append(r.onV, on(i))
	}
	r.Comparisons, r.Ratios = compare(r.offV, r.onV)
	for _, s := range []*Side{&r.Off, &r.On} {
		s.Label, s.Rounds, s.SameHost = "x", n, true
		s.OneWay = Latency{Count: 1}
		s.Signals = Conservation{Sent: 100, Delivered: 100, Exact: true}
		for _, g := range o.groups() {
			s.Broadcast = append(s.Broadcast, GroupSummary{Group: g, Mode: "node", Count: 10, Complete: 10,
				P50: 300 * time.Microsecond, P99: 2 * time.Millisecond, Depth: treeDepthBound(g, o.Fanout),
				RootMax: min(o.Fanout, g-1), Once: 10, Received: 10 * uint64(g-1)})
		}
	}
	r.Off.Label, r.On.Label = "off", "on"
	r.judge()
	out := map[string]verdict.Verdict{}
	for _, v := range r.Verdicts {
		out[v.Criterion] = v
	}
	return out
}

// values: wire bytes, CPU and broadcast p50 scaled by the given factors of
// a base, varied a little per round; cross-node latency in ns.
func values(wire, cpu, bcast float64, mean, p50 float64) func(int) map[string]float64 {
	return func(i int) map[string]float64 {
		j := 1 + 0.01*float64(i%3)
		return map[string]float64{
			"wire-B/signal": 800 * wire * j, "cpu-ns/signal": 50000 * cpu * j, "bcast-p50-ns": 300000 * bcast * j,
			keyCrossMean: mean * j, keyCrossP50: p50 * j,
		}
	}
}

func TestVerdictsComeFromCIsOverRounds(t *testing.T) {
	off := values(1, 1, 1, 3e6, 3e5)
	const (
		mean   = "cross-node mean < 5.00 ms (on)"
		wire60 = "xbatch: −60 % network bytes (wire B/signal)"
		cpu50  = "xbatch: cross-node batching > 50 % better (CPU/signal)"
		p50    = "cross-node p50 < 1.00 ms (on) at 20.0k signals/s"
		p50at  = "cross-node p50 < 1.00 ms (on) at 10.0k signals/s"
		wire80 = "xbatch: goal: −80 % network bytes (wire B/signal)"
		flat   = "tree: N=4 broadcast p50 at most 10 % worse (flat at fanout 3: broadcast to 3 nodes ≤ 10 % slower)"
		deep   = "tree: N=8 broadcast p50 −50 % (≥ 50 % better on its primary metric)"
		bound4 = "tree: N=4 broadcast ≤ 40.0 ms (p99, all complete)"
		ledger = "on: ledger exact, counters agree, none lost"
		goal16 = "tree: 16-node broadcast < 5.00 ms (p50)"
	)
	for _, tc := range []struct {
		name   string
		nodes  int
		rounds int
		rate   float64 // --rate; 0: the default, 20 000
		on     func(int) map[string]float64
		want   map[string]verdict.Status
		reason map[string]string // target → a part of its reason
	}{
		{
			name: "2 rounds decide nothing, however clear", nodes: 4, rounds: 2, on: values(0.1, 0.1, 0.5, 1e6, 1e5),
			want: map[string]verdict.Status{mean: verdict.Inconclusive, wire60: verdict.Inconclusive, cpu50: verdict.Inconclusive, p50: verdict.Info,
				wire80: verdict.Info, flat: verdict.Inconclusive, bound4: verdict.Info, ledger: verdict.Pass},
			reason: map[string]string{wire60: "needs at least 6 rounds (--rounds 6); got 2", mean: "needs at least 6 rounds (--rounds 6); got 2",
				flat: "needs at least 6 rounds (--rounds 6); got 2"},
		},
		{
			name: "1 round neither", nodes: 4, rounds: 1, on: values(2, 2, 2, 9e6, 9e5),
			want:   map[string]verdict.Status{mean: verdict.Inconclusive, wire60: verdict.Inconclusive, cpu50: verdict.Inconclusive, wire80: verdict.Info, flat: verdict.Inconclusive},
			reason: map[string]string{cpu50: "needs at least 6 rounds (--rounds 6); got 1"},
		},
		{
			name: "at 10 k signals/s 2 rounds decide no p50 either", nodes: 4, rounds: 2, rate: 10000, on: values(0.1, 0.1, 0.5, 1e6, 1e5),
			want:   map[string]verdict.Status{p50at: verdict.Inconclusive},
			reason: map[string]string{p50at: "needs at least 6 rounds (--rounds 6); got 2"},
		},
		{
			name: "6 rounds: the whole CI decides", nodes: 4, rounds: 6, on: values(0.25, 0.9, 1, 1e6, 1.5e6),
			want: map[string]verdict.Status{mean: verdict.Pass, wire60: verdict.Pass, cpu50: verdict.Fail, p50: verdict.Info, wire80: verdict.Info, flat: verdict.Pass, bound4: verdict.Info,
				goal16: verdict.Info},
			reason: map[string]string{cpu50: "the whole 95 % CI of the paired ratio is above 0.500", p50: "the goal is set at up to 10000 signals/s",
				wire80: "judged on cluster-stream only", bound4: "earns no PASS alone", goal16: "judge it with --nodes 16 or more"},
		},
		{
			name: "6 rounds at 10 k signals/s: p50 judged", nodes: 4, rounds: 6, rate: 10000, on: values(0.25, 0.9, 1, 1e6, 1.5e6),
			want:   map[string]verdict.Status{p50at: verdict.Fail},
			reason: map[string]string{p50at: "the whole 95 % CI is at or above 1.00 ms"},
		},
		{
			name: "6 rounds at 10 k signals/s: p50 met", nodes: 4, rounds: 6, rate: 10000, on: values(0.25, 0.9, 1, 1e6, 0.8e6),
			want: map[string]verdict.Status{p50at: verdict.Pass},
		},
		{
			name: "6 rounds: a CI across the target is inconclusive", nodes: 4, rounds: 6,
			on: func(i int) map[string]float64 {
				v := values(0.25, 0.4, 1.5, 5e6, 1e6)(i)
				if i%2 == 0 { // ratios alternate either side of 0.20, 0.50, 5 ms and 1 ms
					v["wire-B/signal"], v["cpu-ns/signal"], v[keyCrossMean], v[keyCrossP50] = 800*0.15, 50000*0.6, 4e6, 0.75e6
				}
				return v
			},
			want:   map[string]verdict.Status{wire80: verdict.Info, cpu50: verdict.Inconclusive, mean: verdict.Inconclusive, p50: verdict.Info, flat: verdict.Fail},
			reason: map[string]string{cpu50: "straddles 0.500", mean: "straddles 5.00 ms"},
		},
		{
			name: "6 rounds at 10 k signals/s: a p50 CI across 1 ms is inconclusive", nodes: 4, rounds: 6, rate: 10000,
			on: func(i int) map[string]float64 {
				v := values(0.25, 0.4, 1.5, 5e6, 1e6)(i)
				if i%2 == 0 { // ratios alternate either side of 0.20, 0.50, 5 ms and 1 ms
					v["wire-B/signal"], v["cpu-ns/signal"], v[keyCrossMean], v[keyCrossP50] = 800*0.15, 50000*0.6, 4e6, 0.75e6
				}
				return v
			},
			want:   map[string]verdict.Status{p50at: verdict.Inconclusive},
			reason: map[string]string{p50at: "straddles 1.00 ms"},
		},
		{
			name: "a deep tree must be 50 % faster", nodes: 8, rounds: 6, on: values(0.25, 0.4, 0.9, 1e6, 1e5),
			want: map[string]verdict.Status{deep: verdict.Fail},
		},
		{
			name: "and passes when it is", nodes: 8, rounds: 6, on: values(0.25, 0.4, 0.3, 1e6, 1e5),
			want: map[string]verdict.Status{deep: verdict.Pass, cpu50: verdict.Pass, wire80: verdict.Info},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgedAt(t, tc.nodes, tc.rounds, tc.rate, off, tc.on)
			for target, want := range tc.want {
				v, ok := got[target]
				if !ok {
					t.Errorf("no verdict %q; have %v", target, keys(got))
					continue
				}
				if v.Status != want {
					t.Errorf("%q: %s (%s; %s), want %s", target, v.Status, v.Measured, v.Reason, want)
				}
			}
			for target, part := range tc.reason {
				if v := got[target]; !strings.Contains(v.Reason, part) {
					t.Errorf("%q: reason %q, want it to say %q", target, v.Reason, part)
				}
			}
			// Below 6 rounds only exact facts pass: the ledger, the error
			// count, the tree's depth and the run's own time.
			if tc.rounds < 6 {
				for _, v := range got {
					fact := v.Source == srcRun || strings.Contains(v.Criterion, "error rate") || strings.Contains(v.Criterion, "depth") || strings.Contains(v.Criterion, "finishes") ||
						strings.Contains(v.Criterion, "root sends") || strings.Contains(v.Criterion, "exactly once")
					if v.Status == verdict.Pass && !fact {
						t.Errorf("%q passed on %d rounds", v.Criterion, tc.rounds)
					}
				}
			}
		})
	}
}

func keys(m map[string]verdict.Verdict) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// The cluster command reads its toggles, their criteria and the budget it
// judges by from the registry, and has a measure for each.
func TestClusterReadsTheRegistry(t *testing.T) {
	if got := fmt.Sprint(Opts(catalog.Builtin())); got != "[xbatch tree all]" {
		t.Errorf("Opts() = %s", got)
	}
	if got := OptUsage(catalog.Builtin()); got != "xbatch, tree or all" {
		t.Errorf("OptUsage(catalog.Builtin()) = %q", got)
	}
	for _, tg := range crossNode(catalog.Builtin()) {
		if tg.Name == toggles.XBatch {
			for _, c := range tg.Criteria {
				if _, ok := toggles.XBatchMeasures()[c.Metric]; !ok || c.Kind != toggles.Reduction {
					t.Errorf("xbatch criterion %s has no cluster measure", c)
				}
			}
		}
	}
	if c := treeBudget(mustToggle(catalog.Builtin(), toggles.Tree)); c.Target != 10 {
		t.Errorf("tree budget %s", c)
	}
}

// The tree's exact properties fail on one broadcast that breaks them: a
// root that sent more than k copies, a broadcast that reached a node twice,
// a receiver that counted a copy no ack reported.
func TestTreeShapeVerdictsCanFail(t *testing.T) {
	const (
		root = "tree: the root sends ≤ k = 3 copies (most per broadcast)"
		once = "tree: every node reached exactly once (broadcasts once / all; copies taken / N−1 each)"
	)
	for _, c := range []struct {
		name string
		bend func(g *GroupSummary)
		want map[string]verdict.Status
	}{
		{"as designed", func(*GroupSummary) {}, map[string]verdict.Status{root: verdict.Pass, once: verdict.Pass}},
		{"root sent 4", func(g *GroupSummary) { g.RootMax = 4 }, map[string]verdict.Status{root: verdict.Fail, once: verdict.Pass}},
		{"a duplicate", func(g *GroupSummary) { g.Once = 9 }, map[string]verdict.Status{root: verdict.Pass, once: verdict.Fail}},
		{"a stray copy", func(g *GroupSummary) { g.Received++ }, map[string]verdict.Status{root: verdict.Pass, once: verdict.Fail}},
	} {
		o, err := Options{Catalog: catalog.Builtin(), Nodes: 8}.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		r := &Report{opts: o}
		for _, g := range o.groups() {
			s := GroupSummary{Group: g, Mode: "node", Count: 10, Complete: 10, RootMax: min(3, g-1), Once: 10, Received: 10 * uint64(g-1)}
			if g == 8 {
				c.bend(&s)
			}
			r.On.Broadcast = append(r.On.Broadcast, s)
		}
		got := map[string]verdict.Status{}
		r.judgeTreeShape(func(v verdict.Verdict) { got[v.Criterion] = v.Status }, mustToggle(catalog.Builtin(), toggles.Tree), o.groups())
		for target, want := range c.want {
			if got[target] != want {
				t.Errorf("%s: %q = %s, want %s", c.name, target, got[target], want)
			}
		}
	}
}

func TestTreeDepthBoundOfAChain(t *testing.T) {
	for _, c := range []struct{ n, k, want int }{{2, 3, 1}, {4, 3, 2}, {8, 3, 2}, {9, 3, 2}, {10, 3, 3}, {32, 3, 4}, {5, 1, 4}, {8, 2, 3}} {
		if got := treeDepthBound(c.n, c.k); got != c.want {
			t.Errorf("treeDepthBound(%d, %d) = %d, want %d", c.n, c.k, got, c.want)
		}
	}
}

// The link flags: off unless given, bad input named, bounds checked.
func TestLinkOptions(t *testing.T) {
	for _, c := range []struct {
		bw   string
		lat  time.Duration
		want string // the link, or "" for an input error
	}{
		{"", 0, "off"},
		{"1Gbit", 100 * time.Microsecond, "1Gbit, 100µs one way"},
		{"fast", 0, ""},
		{"10kbit", 0, ""},
		{"1Gbit", 2 * time.Second, ""},
	} {
		o, err := Options{Catalog: catalog.Builtin(), LinkBandwidth: c.bw, LinkLatency: c.lat}.Normalize()
		var in *cmderr.BadInputError
		if c.want == "" {
			if !errors.As(err, &in) {
				t.Errorf("%q %v: %v, want bad input", c.bw, c.lat, err)
			}
			continue
		}
		if err != nil || o.link.String() != c.want {
			t.Errorf("%q %v: link %s, %v; want %s", c.bw, c.lat, o.link, err, c.want)
		}
	}
}
