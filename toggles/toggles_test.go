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
