// Package runout is what every command that writes a run shares: check
// the output directory, run, write the run's files all or none, print it,
// and turn a failed criterion into cmderr's criterion error.
package runout

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/report"
)

// Outcome is a finished run that a command writes to its directory and
// prints. It may also say what it wrote (Wrote, a line for stderr) and
// which criteria it failed (Failed, "" if none: see Verdict).
type Outcome interface {
	Write() error
	Print(w io.Writer, f report.Format) error
}

// Write checks that dir can be written (exit 2 if not), runs, writes the
// run's files all or none, prints it, says what was written, and gives its
// verdict. A failed or interrupted run leaves nothing in dir.
func Write[O Outcome](c *cli.Context, dir string, run func() (O, error)) (O, error) {
	f, err := flags.ParseFormat(c)
	if err != nil {
		var none O
		return none, err
	}
	return Run(dir, f, c.App.Writer, c.App.ErrWriter, run)
}

// Run is Write for a command package that has its format and writers
// already: the report goes to out in format f, what was written to log.
func Run[O Outcome](dir string, f report.Format, out, log io.Writer, run func() (O, error)) (O, error) {
	var none O
	// Fail at once, with exit 2, on an output directory that cannot be
	// written; cleanup removes what was created for a run that then fails.
	cleanup, err := atomicfile.PrepareDir(dir)
	if err != nil {
		return none, cmderr.BadInput(err)
	}
	res, err := run()
	if err == nil {
		err = res.Write()
	}
	if err != nil {
		cleanup()
		if errors.Is(err, context.Canceled) {
			return none, fmt.Errorf("interrupted: nothing was written to %s (files are only written once a run completes)", dir)
		}
		return none, err
	}
	if err := res.Print(out, f); err != nil {
		return res, err
	}
	if w, ok := any(res).(interface{ Wrote() string }); ok {
		fmt.Fprintf(log, "perfbench: %s\n", w.Wrote())
	}
	return res, Verdict(res)
}

// Verdict is exit 3 for a run that failed a criterion: one whose Failed
// method gives the reason.
func Verdict(run any) error {
	if j, ok := run.(interface{ Failed() string }); ok {
		if msg := j.Failed(); msg != "" {
			return cmderr.Criterion(errors.New(msg))
		}
	}
	return nil
}
