package command

import (
	"github.com/urfave/cli/v2"

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
	return report.RunDiff(c.Context, report.DiffOptions{
		Files: c.Args().Slice(), Out: c.String("o"), Top: c.Int("top"), Format: c.String("format"), Log: c.App.ErrWriter,
	}, c.App.Writer)
}
