// Package workbench builds a perfbench binary of one's own: register the
// workloads that drive your code and the toggles that switch its
// optimizations, then call Main. Every perfbench command (list, profile,
// bench, baseline, compare …) then runs on your tables exactly as it runs
// on the built-in runtime, which registers itself through this same API
// (see the repository's main.go).
//
// A workload builds its instance from a Set and reads its toggle with
// Set.Get(name); a toggle the runtime does not know is carried by name, so
// no change outside your own package is needed.
package workbench

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/command"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

type (
	// Workload describes and builds one named workload.
	Workload = workloads.Workload
	// Instance is one built workload: Run(ctx, n) performs n operations.
	Instance = workloads.Instance
	// Set is the switchboard a workload is built with: Get(name) says
	// whether a toggle is on.
	Set = features.Set
	// Metric is a workload's own metric, as Instance.Run reports it.
	Metric = stats.Metric
	// Toggle is one optimization: its name, doc, workloads and criteria.
	Toggle = toggles.Toggle
	// Criterion is one target a toggle is judged by.
	Criterion = toggles.Criterion
	// Use is a workload a toggle runs on for another reason than its
	// targets: where it costs, a control, or an end-to-end view.
	Use = toggles.Use
)

// The kinds of criteria (see toggles.Kind).
const (
	Reduction = toggles.Reduction
	Speedup   = toggles.Speedup
	AtMost    = toggles.AtMost
	AtLeast   = toggles.AtLeast
	NotWorse  = toggles.NotWorse
)

// Workbench collects the tables of one perfbench binary. The zero value
// is empty and ready to use.
type Workbench struct {
	toggles   []Toggle
	workloads []Workload
}

// New returns an empty Workbench.
func New() *Workbench { return &Workbench{} }

// RegisterToggle adds toggles, in the order `perfbench list` shows them.
func (b *Workbench) RegisterToggle(ts ...Toggle) { b.toggles = append(b.toggles, ts...) }

// RegisterWorkload adds workloads.
func (b *Workbench) RegisterWorkload(ws ...Workload) { b.workloads = append(b.workloads, ws...) }

// Catalog checks the registered tables (unique kebab-case names, every
// workload a toggle names registered and exercising it) and returns them
// as the commands take them.
func (b *Workbench) Catalog() (catalog.Catalog, error) {
	return catalog.New(b.toggles, b.workloads)
}

// Main runs the perfbench command line on os.Args and returns the exit
// code, for main to pass to os.Exit: 0 ok, 1 error while running, 2 bad
// usage or input (an invalid table too), 3 a criterion failed.
func (b *Workbench) Main() int {
	cat, err := b.Catalog()
	if err != nil {
		return badTables(os.Stderr, err)
	}
	return command.MainCatalog(cat, os.Args, os.Stdout, os.Stderr)
}

// Run runs the command line in args (args[0] is the program) until it
// ends or ctx is done, and returns the exit code as Main does.
func (b *Workbench) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cat, err := b.Catalog()
	if err != nil {
		return badTables(stderr, err)
	}
	return command.RunCatalog(ctx, cat, args, stdout, stderr)
}

func badTables(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "perfbench: the registered tables are invalid:\n%v\n", err)
	return command.ExitUsage
}
