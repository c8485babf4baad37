package toggles

import (
	"fmt"
	"slices"
	"testing"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/workloads"
)

// workload finds a workload of workloads.All; catalog.Catalog.Workload is
// the lookup the commands use.
func workload(name string) (workloads.Workload, error) {
	for _, w := range workloads.All() {
		if w.Name == name {
			return w, nil
		}
	}
	return workloads.Workload{}, fmt.Errorf("no workload %q", name)
}

// toggle finds a toggle of All.
func toggle(name string) (Toggle, error) {
	for _, t := range All() {
		if t.Name == name {
			return t, nil
		}
	}
	return Toggle{}, fmt.Errorf("no toggle %q", name)
}

func TestRegistryMatchesFeaturesAndWorkloads(t *testing.T) {
	var names []string
	for _, tg := range All() {
		names = append(names, tg.Name)
	}
	if !slices.Equal(names, features.Names()) {
		t.Fatalf("toggles %v, features %v", names, features.Names())
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
			w, err := workload(wn)
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

// Every toggle is measured where it costs, on a workload the suite knows
// that runs the toggle's code path, with a budget that can fail.
func TestEveryToggleNamesACost(t *testing.T) {
	for _, tg := range All() {
		if len(tg.Costs) == 0 {
			t.Errorf("%s names no cost workload", tg.Name)
		}
		for _, u := range append(append([]Use(nil), tg.Costs...), tg.Controls...) {
			w, err := workload(u.Workload)
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

// A view runs the toggle's code path, says what dilutes its ratio and
// states no criterion (it is reported, not judged); a criterion scoped to
// a workload names one of the toggle's primary workloads, and leaves at
// least one criterion applying to each of them.
func TestViewsAndScopedCriteria(t *testing.T) {
	for _, tg := range All() {
		for _, u := range tg.Views {
			w, err := workload(u.Workload)
			if err != nil {
				t.Errorf("%s: view: %v", tg.Name, err)
				continue
			}
			if !slices.Contains(w.Toggles, tg.Name) || u.Why == "" || len(u.Criteria) != 0 {
				t.Errorf("%s: view %s: exercised %v, why %q, criteria %v", tg.Name, u.Workload, slices.Contains(w.Toggles, tg.Name), u.Why, u.Criteria)
			}
			if slices.Contains(tg.Workloads, u.Workload) {
				t.Errorf("%s: %s is both primary and a view", tg.Name, u.Workload)
			}
		}
		for _, c := range append([]Criterion{tg.Primary}, tg.Criteria...) {
			if c.Workload != "" && !slices.Contains(tg.Workloads, c.Workload) {
				t.Errorf("%s: criterion %s scoped to %s, not a primary workload", tg.Name, c, c.Workload)
			}
		}
		if tg.Primary.Workload != "" {
			t.Errorf("%s: the primary criterion applies to every primary workload, not only %s", tg.Name, tg.Primary.Workload)
		}
	}
	zc, err := toggle("zerocopy")
	if err != nil {
		t.Fatal(err)
	}
	// The plan's −80 % applies where a BEAM send copies the payload, not
	// at 64 KiB, where it shares the binary.
	var scoped []string
	for _, c := range zc.Criteria {
		if c.Metric == "B/op" && c.Kind == Reduction && c.Target == 80 {
			scoped = append(scoped, c.Workload)
		}
	}
	if want := []string{"signal-deliver/map-64", "signal-deliver/map-1k"}; !slices.Equal(scoped, want) {
		t.Errorf("zerocopy −80 %% on %v, want %v", scoped, want)
	}
	if got := zc.Criteria[0].String(); got != "B/op −80 % on signal-deliver/map-64" {
		t.Errorf("String = %q", got)
	}
}
