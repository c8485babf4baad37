package main

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/report"
)

// Helpers every command shares.

func formatFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, markdown or json"}
}

func parseFormat(c *cli.Context) (report.Format, error) {
	f, err := report.ParseFormat(c.String("format"))
	if err != nil {
		return "", usageError{err}
	}
	return f, nil
}

// noArgs refuses positional arguments to a command that takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())
	}
	return nil
}

// prepareDir makes sure an output directory can be written before any work
// starts, so a bad --out fails at once with exit 2. The returned cleanup
// removes what it created if the run then fails.
func prepareDir(dir string) (cleanup func(), err error) {
	cleanup, err = atomicfile.PrepareDir(dir)
	if err != nil {
		return nil, usageError{err}
	}
	return cleanup, nil
}
