package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		ArgsUsage: "BASE.pb.gz NEW.pb.gz",
		Usage:     "diff two profiles through the pprof library and show the top movers",
		UsageText: profiling.DiffUsage,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "o", Usage: "write the diff profile to this file"},
			flags.Top(10, "how many movers to show"),
			flags.Format(),
		},
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	f, err := flags.ParseFormat(c)
	if err != nil {
		return err
	}
	if c.NArg() != 2 {
		return cmderr.BadInputf("diff needs two profile files, BASE and NEW, got %d argument(s)", c.NArg())
	}
	d, err := profiling.DiffFiles(c.Args().Get(0), c.Args().Get(1), c.Int("top"))
	if err != nil {
		return cmderr.BadInput(err)
	}
	if out := c.String("o"); out != "" {
		if err := profiling.Save(out, d.Diff); err != nil {
			return cmderr.BadInput(err)
		}
		fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %s\n", out)
	}
	return report.WriteFileDiff(c.App.Writer, f, d, c.Int("top"))
}
