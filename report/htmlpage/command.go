package htmlpage

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report"
)

// Options is a `perfbench report PATH`: the saved run, the format, and
// the file to write ("" for out).
type Options struct {
	Paths  []string // exactly one: a run directory, its results.json, or a monitor's history.jsonl
	Format string   // one of Formats
	Out    string
	Log    io.Writer // the line saying what was written
}

// Validate checks the options before anything is read; every error is bad
// input naming what is valid.
func (o Options) Validate() error {
	if len(o.Paths) != 1 {
		return cmderr.BadInputf("report needs one PATH (a run directory or its results.json, or a monitor's history.jsonl), got %q", o.Paths)
	}
	if !slices.Contains(Formats, o.Format) {
		if f, err := report.ParseFormat(o.Format); err != nil || f == report.JSON {
			return cmderr.BadInputf("unknown format %q (valid: %s)", o.Format, strings.Join(Formats, ", "))
		}
	}
	return nil
}

// RunReport re-renders the saved run (see Rerender), to o.Out or else to out.
func RunReport(_ context.Context, o Options, out io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := Rerender(o.Paths[0], o.Format, o.Out, out); err != nil {
		return err
	}
	if o.Out != "" && o.Log != nil {
		fmt.Fprintf(o.Log, "perfbench: wrote %s\n", o.Out)
	}
	return nil
}
