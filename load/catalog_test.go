package load

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

// testCatalog holds only a toggle and a workload this test defines.
func testCatalog(t *testing.T) catalog.Catalog {
	t.Helper()
	w := workloads.Workload{Name: "half-work/1k", Op: "op", Toggles: []string{"half-work"}, MinOps: 1,
		New: func(features.Set) (workloads.Instance, error) { return nopInstance{}, nil }}
	c, err := catalog.New([]toggles.Toggle{{Name: "half-work", Workloads: []string{w.Name}}}, []workloads.Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOptFromCatalog: --opt names a toggle of the catalog given, not of the
// built-in table, and an unknown name lists that catalog's toggles.
func TestOptFromCatalog(t *testing.T) {
	on, err := features.Set{}.With("half-work", true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opt     string
		wantErr string // "" for valid
		want    []VariantSpec
	}{
		{"half-work", "", []VariantSpec{{Label: "off", Set: features.Set{}}, {Label: "on", Set: on}}},
		{AllOpt, "", []VariantSpec{{Label: "all-on", Set: on}}},
		{"", "", []VariantSpec{{Label: "all-on", Set: on}, {Label: "all-off", Set: features.Set{}, Reference: true}}},
		{"jit", `--opt: unknown toggle "jit" (valid: half-work)`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.opt, func(t *testing.T) {
			o := Options{Scenario: "sustained", Multiplier: 1, Agents: 1, Opt: tt.opt, Out: t.TempDir(), Catalog: testCatalog(t)}
			err := o.Validate()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !cmderr.IsBadInput(err) {
					t.Fatalf("Validate() = %v, want bad input %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := o.validated()
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Variants) != len(tt.want) {
				t.Fatalf("variants %+v, want %+v", p.Variants, tt.want)
			}
			for i := range tt.want {
				if p.Variants[i] != tt.want[i] {
					t.Errorf("variant %d = %+v, want %+v", i, p.Variants[i], tt.want[i])
				}
			}
		})
	}
}
