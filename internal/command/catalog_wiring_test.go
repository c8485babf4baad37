package command

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// TestCommandsLookUpInTheirCatalog: load, monitor and cluster name
// toggles and workloads of the catalog the command line runs over, not of
// the built-in tables: a built-in name is refused, exit 2, with the
// catalog's names listed.
func TestCommandsLookUpInTheirCatalog(t *testing.T) {
	w := workloads.Workload{Name: "half-work/1k", Op: "op", Toggles: []string{"half-work", "hop-batch"}, MinOps: 1,
		New: func(features.Set) (workloads.Instance, error) { return nil, nil }}
	cat, err := catalog.New([]toggles.Toggle{
		{Name: "half-work", Workloads: []string{w.Name}},
		{Name: "hop-batch", Workloads: []string{w.Name}, AcrossNodes: true},
	}, []workloads.Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"load", "--scenario", "sustained", "--opt", "jit", "--out", t.TempDir()}, `--opt: unknown toggle "jit" (valid: half-work, hop-batch)`},
		{[]string{"monitor", "--out", t.TempDir()}, `--workload: unknown workload "mixed" (valid: half-work/1k)`},
		{[]string{"monitor", "--workload", w.Name, "--opt", "jit", "--out", t.TempDir()}, `--opt: unknown toggle "jit" (valid: half-work, hop-batch)`},
		{[]string{"cluster", "--opt", "tree", "--out", t.TempDir()}, `unknown --opt "tree" (valid: hop-batch, all)`},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			var out, errb bytes.Buffer
			code := RunCatalog(context.Background(), cat, append([]string{"perfbench"}, tt.args...), &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), tt.want) || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out.String(), errb.String(), exitUsage, tt.want)
			}
		})
	}
}
