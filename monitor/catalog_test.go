package monitor

import (
	"context"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

type nopInstance struct{}

func (nopInstance) Run(context.Context, int) (map[string]float64, error) { return nil, nil }
func (nopInstance) Close() error                                         { return nil }

// TestNamesFromCatalog: --workload and --opt name a workload and toggles of
// the catalog given, not of the built-in tables, and an unknown name lists
// that catalog's names.
func TestNamesFromCatalog(t *testing.T) {
	w := workloads.Workload{Name: "half-work/1k", Op: "op", Toggles: []string{"half-work"}, MinOps: 1,
		New: func(features.Set) (workloads.Instance, error) { return nopInstance{}, nil }}
	cat, err := catalog.New([]toggles.Toggle{{Name: "half-work", Workloads: []string{w.Name}}}, []workloads.Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	on, err := features.Set{}.With("half-work", true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		workload string
		opts     []string
		wantErr  string // "" for valid
		want     features.Set
	}{
		{"test toggle", w.Name, []string{"half-work"}, "", on},
		{"all", w.Name, []string{AllOpt}, "", on},
		{"none", w.Name, nil, "", features.Set{}},
		{"built-in workload", DefaultWorkload, nil, `--workload: unknown workload "mixed" (valid: half-work/1k)`, features.Set{}},
		{"built-in toggle", w.Name, []string{"jit"}, `--opt: unknown toggle "jit" (valid: half-work)`, features.Set{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			o.Catalog, o.Workload, o.Opts = cat, tt.workload, tt.opts
			s, err := o.validate()
			if tt.wantErr != "" {
				if !cmderr.IsBadInput(err) || err.Error() != tt.wantErr {
					t.Fatalf("validate: %v, want bad input %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			if s.workload.Name != w.Name || s.features != tt.want {
				t.Errorf("workload %q features %s, want %q %s", s.workload.Name, s.features, w.Name, tt.want)
			}
		})
	}
}
