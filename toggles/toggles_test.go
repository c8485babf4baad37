package toggles

import (
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/workloads"
)

func TestRegistryMatchesFeaturesAndWorkloads(t *testing.T) {
	if !slices.Equal(Names(), features.Names()) {
		t.Fatalf("toggles %v, features %v", Names(), features.Names())
	}
	for _, tg := range All() {
		on := tg.Apply(features.Set{}, true)
		if got, _ := on.Get(tg.Name); !got || on.String() != tg.Name {
			t.Errorf("%s: Apply switched %v", tg.Name, on)
		}
		if len(tg.Workloads) == 0 || len(tg.Criteria) == 0 {
			t.Errorf("%s: no workloads or criteria", tg.Name)
		}
		for _, wn := range tg.Workloads {
			w, err := workloads.Lookup(wn)
			if err != nil {
				t.Errorf("%s: %v", tg.Name, err)
				continue
			}
			if !slices.Contains(w.Toggles, tg.Name) {
				t.Errorf("%s: primary workload %s does not exercise it", tg.Name, wn)
			}
		}
	}
}

func TestLookupNamesValid(t *testing.T) {
	_, err := Lookup("turbo")
	if err == nil || !strings.Contains(err.Error(), "fastpath, zerocopy, pooling, batching, jit, caching, xbatch, tree") {
		t.Fatalf("err = %v", err)
	}
}

// Every toggle is measured where it costs, on a workload the suite knows
// that runs the toggle's code path, with a budget that can fail.
func TestEveryToggleNamesACost(t *testing.T) {
	for _, tg := range All() {
		if len(tg.Costs) == 0 {
			t.Errorf("%s names no cost workload", tg.Name)
		}
		for _, u := range append(append([]Use(nil), tg.Costs...), tg.Controls...) {
			w, err := workloads.Lookup(u.Workload)
			if err != nil {
				t.Errorf("%s: %v", tg.Name, err)
				continue
			}
			if !slices.Contains(w.Toggles, tg.Name) {
				t.Errorf("%s: workload %s does not run its code path", tg.Name, u.Workload)
			}
			if len(u.Criteria) == 0 || u.Why == "" {
				t.Errorf("%s on %s: no criteria or no reason", tg.Name, u.Workload)
			}
		}
	}
}
