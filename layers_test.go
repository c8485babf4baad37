package main

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestImportLayers holds the layering docs/architecture.md draws: the
// commands that only replay or look up runs reach them through catalog,
// monitor paces its probe with openloop, so none of them is coupled to
// another command's package, and the shared results and verdict types
// depend on no command. go list reports the real, transitive imports.
func TestImportLayers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	const mod = "github.com/perfbench/perfbench/"
	var commands []string
	for _, p := range []string{"suite", "experiment", "load", "cluster", "compare", "baseline", "monitor", "report/htmlpage", "catalog", "measure", "internal/command"} {
		commands = append(commands, mod+p)
	}
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"./monitor", []string{mod + "load"}},
		{"./compare", []string{mod + "suite"}},
		{"./worker", []string{mod + "suite"}},
		{"./baseline", []string{mod + "suite"}},
		{"./openloop", []string{mod + "load", mod + "monitor"}},
		// The tables sit below every command that looks a name up in them.
		{"./catalog", []string{mod + "suite", mod + "load", mod + "monitor", mod + "cluster", mod + "baseline"}},
		// The results.json types and the verdict shape sit below every
		// writer and reader, so both can use them.
		{"./results", commands},
		{"./verdict", commands},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "go", "list", "-deps", tt.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tt.pkg, err)
			}
			deps := strings.Fields(string(out))
			for _, f := range tt.forbidden {
				if slices.Contains(deps, f) {
					t.Errorf("%s depends on %s", tt.pkg, f)
				}
			}
		})
	}
}
