package compare

import (
	"context"
	"io"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/toggles"
)

// Options is a `perfbench compare` as the user gave it, with the
// registries it is resolved against.
type Options struct {
	Request
	Format  string // text, markdown or json
	Toggles []toggles.Toggle
	Lookup  catalog.Lookup
	Log     io.Writer // progress and the workers' stderr
}

// Validate resolves the options without running anything; every error is
// bad input naming what is valid.
func (o Options) Validate() error {
	_, _, err := o.resolve()
	return err
}

func (o Options) resolve() (Plan, report.Format, error) {
	f := report.Text
	if o.Format != "" {
		var err error
		if f, err = report.ParseFormat(o.Format); err != nil {
			return Plan{}, f, cmderr.BadInput(err)
		}
	}
	p, err := o.Request.Plan(o.Toggles, o.Lookup)
	if err != nil {
		return p, f, cmderr.BadInput(err)
	}
	p.Stderr = o.Log
	return p, f, nil
}

// Run compares the builds, writes the run directory all or nothing,
// prints the tables to out, and returns cmderr's criterion error when head
// regressed.
func Run(ctx context.Context, o Options, out io.Writer) error {
	p, f, err := o.resolve()
	if err != nil {
		return err
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	_, err = runout.Do(p.Out, f, out, log, func() (*Outcome, error) { return Measure(ctx, p) })
	return err
}
