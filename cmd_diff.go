package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		ArgsUsage: "BASE.pb.gz NEW.pb.gz",
		Usage:     "diff two profiles through the pprof library and show the top movers",
		UsageText: "perfbench diff BASE.pb.gz NEW.pb.gz [-o DIFF.pb.gz] [--top N] [--format text|markdown|json]\n\n" +
			"Example:\n" +
			"   perfbench diff profiles/jit/route-match/cpu.off.pb.gz profiles/jit/route-match/cpu.on.pb.gz -o cpu.diff.pb.gz\n\n" +
			"The diff is NEW minus BASE, as go tool pprof -diff_base BASE NEW computes it. Any two profiles whose sample types " +
			"match can be diffed (block and mutex profiles too); others are refused.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "o", Usage: "write the diff profile to this file"},
			&cli.IntFlag{Name: "top", Value: 10, Usage: fmt.Sprintf("how many movers to show (1 to %d)", profiling.MaxTop)},
			formatFlag(),
		},
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	if c.NArg() != 2 {
		return usagef("diff needs two profile files, BASE and NEW, got %d argument(s)", c.NArg())
	}
	d, err := profiling.DiffFiles(c.Args().Get(0), c.Args().Get(1), c.Int("top"))
	if err != nil {
		return usageError{err}
	}
	if out := c.String("o"); out != "" {
		if err := profiling.Save(out, d.Diff); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %s\n", out)
	}
	if f == report.JSON {
		return report.WriteJSON(c.App.Writer, d)
	}
	fmt.Fprintf(c.App.Writer, "%s profile: %s → %s (flat, top %d by absolute change)\n", d.Kind, d.Base, d.New, c.Int("top"))
	return report.WriteMovers(c.App.Writer, f, report.MoverRows(d.Kind, d.Movers), d.Kind)
}
