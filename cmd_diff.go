package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "diff two profiles of one kind through the pprof library and show the top movers",
		UsageText: "perfbench diff [-o DIFF.pb.gz] [--top N] [--format text|markdown|json] BASE.pb.gz NEW.pb.gz\n\n" +
			"Example:\n" +
			"   perfbench diff -o cpu.diff.pb.gz profiles/jit/route-match/cpu.off.pb.gz profiles/jit/route-match/cpu.on.pb.gz\n\n" +
			"Flags go before the two files. The diff is NEW minus BASE, as go tool pprof -diff_base BASE NEW computes it.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "o", Usage: "write the diff profile to this file"},
			&cli.IntFlag{Name: "top", Value: 10, Usage: "how many movers to show"},
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
	if c.Int("top") < 1 {
		return usagef("invalid --top %d: want at least 1", c.Int("top"))
	}
	basePath, newPath := c.Args().Get(0), c.Args().Get(1)
	base, err := profiling.Load(basePath)
	if err != nil {
		return usageError{err}
	}
	newer, err := profiling.Load(newPath)
	if err != nil {
		return usageError{err}
	}
	kb, err := profiling.KindOf(base)
	if err != nil {
		return usagef("%s: %v", basePath, err)
	}
	kn, err := profiling.KindOf(newer)
	if err != nil {
		return usagef("%s: %v", newPath, err)
	}
	if kb != kn {
		return usagef("cannot diff a %s profile (%s) against a %s profile (%s): both must be of one kind", kb, basePath, kn, newPath)
	}
	d, err := profiling.Diff(base, newer)
	if err != nil {
		return usageError{err}
	}
	movers, err := profiling.TopMovers(base, newer, kb, c.Int("top"))
	if err != nil {
		return err
	}
	if out := c.String("o"); out != "" {
		if err := profiling.Save(out, d); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %s\n", out)
	}
	var rows []report.MoverRow
	for _, m := range movers {
		rows = append(rows, report.MoverRow{Kind: string(kb), Function: m.Function, Unit: moverUnit(m.Unit),
			Base: float64(m.Base), New: float64(m.New), Delta: float64(m.Delta)})
	}
	if f == report.JSON {
		return report.WriteJSON(c.App.Writer, struct {
			Kind   profiling.Kind    `json:"kind"`
			Base   string            `json:"base"`
			New    string            `json:"new"`
			Movers []profiling.Mover `json:"movers"`
		}{kb, basePath, newPath, movers})
	}
	fmt.Fprintf(c.App.Writer, "%s profile: %s → %s (flat, top %d by absolute change)\n", kb, basePath, newPath, c.Int("top"))
	return report.WriteMovers(c.App.Writer, f, rows, string(kb))
}
