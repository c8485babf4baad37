package catalog

import (
	"context"
	"io"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// ListOptions is a `perfbench list`: the format, and the registries to
// list.
type ListOptions struct {
	Format    string // text, markdown or json
	Toggles   []toggles.Toggle
	Workloads []workloads.Workload
}

// Validate refuses an unknown format, naming the valid ones.
func (o ListOptions) Validate() error {
	_, err := report.ParseFormat(o.Format)
	return cmderr.BadInput(err)
}

// RunList prints the toggles and workloads to out (see Write).
func RunList(_ context.Context, o ListOptions, out io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f, _ := report.ParseFormat(o.Format)
	return Write(out, f, o.Toggles, o.Workloads)
}
