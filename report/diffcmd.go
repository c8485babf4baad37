package report

import (
	"context"
	"fmt"
	"io"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/profiling"
)

// DiffOptions is a `perfbench diff BASE NEW`: two profile files, how many
// movers to show, and where to save the diff profile ("" for nowhere).
type DiffOptions struct {
	Files  []string // BASE and NEW
	Out    string
	Top    int
	Format string    // text, markdown or json
	Log    io.Writer // the line saying what was written
}

// Validate checks the options before any file is read; every error is bad
// input naming what is valid.
func (o DiffOptions) Validate() error {
	if _, err := ParseFormat(o.Format); err != nil {
		return cmderr.BadInput(err)
	}
	if len(o.Files) != 2 {
		return cmderr.BadInputf("diff needs two profile files, BASE and NEW, got %d argument(s)", len(o.Files))
	}
	return cmderr.BadInput(profiling.CheckTop(o.Top))
}

// RunDiff diffs the two profiles through the pprof library, saves the diff
// when asked, and prints the top movers to out. A profile that cannot be
// read, or a diff that cannot be saved, is bad input.
func RunDiff(_ context.Context, o DiffOptions, out io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f, _ := ParseFormat(o.Format)
	d, err := profiling.DiffFiles(o.Files[0], o.Files[1], o.Top)
	if err != nil {
		return cmderr.BadInput(err)
	}
	if o.Out != "" {
		if err := profiling.Save(o.Out, d.Diff); err != nil {
			return cmderr.BadInput(err)
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "perfbench: wrote %s\n", o.Out)
		}
	}
	return WriteFileDiff(out, f, d, o.Top)
}
