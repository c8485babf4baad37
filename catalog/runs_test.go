package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

func TestPlan(t *testing.T) {
	ts := toggles.All()
	runs, err := Plan(ts, nil, Builtin().Workload)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	kinds := map[Kind]int{}
	for _, r := range runs {
		if ids[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		kinds[r.Kind]++
		if _, err := Builtin().Workload(r.Workload); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
	}
	primary, costs, controls, credits, views := 0, 0, 0, 0, 0
	for _, tg := range ts {
		primary += len(tg.Workloads)
		costs += len(tg.Costs)
		controls += len(tg.Controls)
		credits += len(tg.Credit)
		views += len(tg.Views)
	}
	mixed, _ := Builtin().Workload(MixedWorkload)
	versus := 0
	for _, tg := range ts {
		if slices.Contains(mixed.Toggles, tg.Name) {
			versus++
		}
	}
	if versus == len(ts) || versus == 0 {
		t.Errorf("%d of %d toggles exercised by %s: the cross-node ones must not be", versus, len(ts), MixedWorkload)
	}
	if kinds[Primary] != primary || kinds[Cumulative] != 1 || kinds[VersusSingle] != versus || kinds[MemoryAllocated] != 1 || kinds[MemoryRetained] != 1 ||
		kinds[Cost] != costs || kinds[Control] != controls || kinds[Credit] != credits || kinds[View] != views || views == 0 {
		t.Errorf("kinds %v", kinds)
	}
	for _, r := range runs {
		switch r.Kind {
		case VersusSingle:
			if on, _ := r.Off.Get(r.Toggle); !on || r.Off.String() != r.Toggle || r.On != features.All() {
				t.Errorf("%s: off %s on %s", r.ID, r.Off, r.On)
			}
		case Primary, Cost, Control, View:
			if r.Off != (features.Set{}) || r.On.String() != r.Toggle {
				t.Errorf("%s: off %s on %s", r.ID, r.Off, r.On)
			}
		case Credit:
			// Only the toggle differs, and the others are on (but some).
			if off, _ := r.Off.Get(r.Toggle); off || r.Off != mustWith(t, r.On, r.Toggle, false) || r.On.String() == r.Toggle {
				t.Errorf("%s: off %s on %s", r.ID, r.Off, r.On)
			}
		}
	}
	if !ids["batching-over-others/batch-throughput"] || !ids["batching-over-others-but-fastpath/batch-throughput"] {
		t.Errorf("batching's credit runs missing: %v", ids)
	}

	some, err := Plan(ts, []string{"jit,memory"}, Builtin().Workload)
	if err != nil || len(some) != 4 || some[0].ID != "jit/route-match" || some[1].ID != "jit/route-churn" || some[3].ID != "memory/"+workloads.SignalMemoryName {
		t.Errorf("jit,memory: %+v %v", some, err)
	}
	if _, err := Plan(ts, []string{"turbo"}, Builtin().Workload); err == nil || !strings.Contains(err.Error(), "valid: fastpath, zerocopy, pooling, batching, jit, caching, xbatch, tree, all, memory") {
		t.Errorf("unknown opt: %v", err)
	}
}

func TestParseSet(t *testing.T) {
	half := mustWith(t, features.Set{JIT: true}, "half-work", true)
	for _, s := range []features.Set{{}, features.All(), {JIT: true, Caching: true}, half} {
		got, err := ParseSet(s.String())
		if err != nil || got != s {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "Turbo", "jit+", "jit+Turbo", "jit++caching", "none+jit"} {
		if _, err := ParseSet(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func mustWith(t *testing.T, s features.Set, name string, on bool) features.Set {
	t.Helper()
	out, err := s.With(name, on)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
