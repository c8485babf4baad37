package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report"
)

// Helpers every command shares. A flag that several commands take has one
// constructor here; its default and limits come from the package that
// enforces them, so the help cannot promise what validation refuses.

func formatFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, markdown or json"}
}

// outFlag is --out, where a command writes its run.
func outFlag(value, usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "out", Value: value, Usage: usage}
}

// parseFormat reads --format; a command without the flag prints text.
func parseFormat(c *cli.Context) (report.Format, error) {
	if c.String("format") == "" {
		return report.Text, nil
	}
	f, err := report.ParseFormat(c.String("format"))
	if err != nil {
		return "", cmderr.BadInput(err)
	}
	return f, nil
}

// noArgs makes a command without ArgsUsage refuse positional arguments.
func noArgs(cmd *cli.Command) {
	if cmd.ArgsUsage != "" || cmd.Action == nil || len(cmd.Subcommands) > 0 {
		return
	}
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			return cmderr.BadInputf("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())
		}
		return action(c)
	}
}

// outcome is a finished run that a command writes to its directory and
// prints. It may also say what it wrote (Wrote, a line for stderr) and
// which criteria it failed (Failed, "" if none: see verdict).
type outcome interface {
	Write() error
	Print(w io.Writer, f report.Format) error
}

// runAndWrite is what every command that writes a run shares: check that
// dir can be written (exit 2 if not), run, write the run's files all or
// none, print it, say what was written, and give its verdict. A failed or
// interrupted run leaves nothing in dir.
func runAndWrite[O outcome](c *cli.Context, dir string, run func() (O, error)) (O, error) {
	var none O
	f, err := parseFormat(c)
	if err != nil {
		return none, err
	}
	// Fail at once, with exit 2, on an output directory that cannot be
	// written; cleanup removes what was created for a run that then fails.
	cleanup, err := atomicfile.PrepareDir(dir)
	if err != nil {
		return none, cmderr.BadInput(err)
	}
	out, err := run()
	if err == nil {
		err = out.Write()
	}
	if err != nil {
		cleanup()
		if errors.Is(err, context.Canceled) {
			return none, fmt.Errorf("interrupted: nothing was written to %s (files are only written once a run completes)", dir)
		}
		return none, err
	}
	if err := out.Print(c.App.Writer, f); err != nil {
		return out, err
	}
	if w, ok := any(out).(interface{ Wrote() string }); ok {
		fmt.Fprintf(c.App.ErrWriter, "perfbench: %s\n", w.Wrote())
	}
	return out, verdict(out)
}

// verdict is exit 3 for a run that failed a criterion: one whose Failed
// method gives the reason.
func verdict(run any) error {
	if j, ok := run.(interface{ Failed() string }); ok {
		if msg := j.Failed(); msg != "" {
			return cmderr.Criterion(errors.New(msg))
		}
	}
	return nil
}
