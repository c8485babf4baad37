package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

func TestBuiltinIsValid(t *testing.T) {
	c := Builtin()
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(c.ToggleNames(), ","), strings.Join(features.Names(), ","); got != want {
		t.Errorf("toggles %s, want the runtime's switches %s", got, want)
	}
	if c.AllOn() != features.All() {
		t.Errorf("AllOn() = %s, want %s", c.AllOn(), features.All())
	}
	if _, err := c.Toggle("turbo"); err == nil || !strings.Contains(err.Error(), "valid: fastpath, zerocopy") {
		t.Errorf("Toggle(turbo): %v", err)
	}
	if _, err := c.Workload("nope"); err == nil || !strings.Contains(err.Error(), "valid: batch-throughput, cast-latency") {
		t.Errorf("Workload(nope): %v", err)
	}
}

type nopInstance struct{}

func (nopInstance) Run(context.Context, int) (map[string]float64, error) { return nil, nil }
func (nopInstance) Close() error                                         { return nil }

func TestCheck(t *testing.T) {
	w := func(name string, ts ...string) workloads.Workload {
		return workloads.Workload{Name: name, Op: "op", Toggles: ts, MinOps: 1,
			New: func(features.Set) (workloads.Instance, error) { return nopInstance{}, nil }}
	}
	tg := func(name string, primary ...string) toggles.Toggle {
		return toggles.Toggle{Name: name, Workloads: primary, Costs: []toggles.Use{{Workload: "cost-w"}}}
	}
	good := func() ([]toggles.Toggle, []workloads.Workload) {
		return []toggles.Toggle{tg("half-work", "work/1k")}, []workloads.Workload{w("work/1k", "half-work"), w("cost-w", "half-work")}
	}
	tests := []struct {
		name   string
		change func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload)
		want   string // "" for valid
	}{
		{"valid", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			return ts, ws
		}, ""},
		{"toggle twice", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			return append(ts, ts[0]), ws
		}, `toggle "half-work" is registered twice`},
		{"workload twice", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			return ts, append(ws, ws[0])
		}, `workload "work/1k" is registered twice`},
		{"toggle not kebab-case", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ts[0].Name = "Half_Work"
			return ts, ws
		}, `invalid feature name "Half_Work"`},
		{"workload not kebab-case", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			return ts, append(ws, w("work//x"))
		}, `invalid workload name "work//x": want kebab-case parts joined by /`},
		{"toggle named as a group", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			return append(ts, toggles.Toggle{Name: "all", Workloads: []string{"work/1k"}}), ws
		}, `toggle "all": the name is a group of --opt`},
		{"unknown primary", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ts[0].Workloads = []string{"work/2k"}
			return ts, ws
		}, `toggle "half-work": primary workload "work/2k" is not registered`},
		{"no primary", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ts[0].Workloads = nil
			return ts, ws
		}, `toggle "half-work" has no primary workload`},
		{"primary does not exercise", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ws[0].Toggles = []string{"other"}
			return ts, ws
		}, `toggle "half-work": primary workload "work/1k" does not exercise it (its Toggles: other)`},
		{"cost does not exercise", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ws[1].Toggles = nil
			return ts, ws
		}, `toggle "half-work": cost workload "cost-w" does not exercise it`},
		{"unknown view", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ts[0].Views = []toggles.Use{{Workload: "wide"}}
			return ts, ws
		}, `toggle "half-work": view workload "wide" is not registered`},
		{"unknown credit", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ts[0].Credit = [][]string{{"turbo"}}
			return ts, ws
		}, `toggle "half-work": credit names unknown toggle "turbo"`},
		{"workload without New", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ws[0].New = nil
			return ts, ws
		}, `workload "work/1k" has no New`},
		{"workload without MinOps", func(ts []toggles.Toggle, ws []workloads.Workload) ([]toggles.Toggle, []workloads.Workload) {
			ws[0].MinOps = 0
			return ts, ws
		}, `workload "work/1k": MinOps 0, want at least 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.change(good()))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(c.WorkloadNames(), ","); got != "cost-w,work/1k" {
					t.Errorf("workloads %s, want sorted cost-w,work/1k", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestPlanOwnTable: a table without the runtime's mixed blend and memory
// workloads offers only its toggles to --opt, and plans their runs.
func TestPlanOwnTable(t *testing.T) {
	w := workloads.Workload{Name: "work", Toggles: []string{"half-work"}, MinOps: 1,
		New: func(features.Set) (workloads.Instance, error) { return nopInstance{}, nil }}
	c, err := New([]toggles.Toggle{{Name: "half-work", Workloads: []string{"work"}, Costs: []toggles.Use{{Workload: "work"}}}}, []workloads.Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := Plan(c.Toggles(), nil, c.Workload)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID+":"+r.Off.String()+">"+r.On.String())
	}
	if got := strings.Join(ids, " "); got != "half-work/work:none>half-work half-work/work:none>half-work" {
		t.Errorf("runs %s", got)
	}
	if _, err := Plan(c.Toggles(), []string{"all"}, c.Workload); err == nil || !strings.Contains(err.Error(), `unknown --opt "all" (valid: half-work)`) {
		t.Errorf("--opt all on a table without mixed: %v", err)
	}
}

// A Set carries any well-formed name; the table refuses the ones that are
// not its toggles, naming the valid ones.
func TestCatalogParseSet(t *testing.T) {
	c := Builtin()
	for _, tc := range []struct{ in, want, err string }{
		{"none", "none", ""},
		{"jit+caching", "jit+caching", ""},
		{"jit+bogus", "", `unknown toggle "bogus" in feature set "jit+bogus" (valid: fastpath, zerocopy`},
		{"", "", "empty feature set"},
	} {
		set, err := c.ParseSet(tc.in)
		switch {
		case tc.err == "" && (err != nil || set.String() != tc.want):
			t.Errorf("ParseSet(%q) = %s, %v; want %s", tc.in, set, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseSet(%q) error %v, want one containing %q", tc.in, err, tc.err)
		}
	}
}
