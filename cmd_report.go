package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/report/htmlpage"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "re-render a saved run (profile, bench suite, load, monitor history) as one self-contained HTML page, Markdown, text or JSON",
		ArgsUsage: "PATH",
		UsageText: "perfbench report PATH [--format html|markdown|text|json] [-o FILE]\n\n" +
			"Examples:\n" +
			"   perfbench report profiles/zerocopy/mixed -o zerocopy.html\n" +
			"   perfbench report profiles/bench/results.json --format markdown",
		Description: "PATH is a run directory or its results.json, or a monitor's directory or its history.jsonl; nothing is rerun. The HTML page is one file with everything inline " +
			"(verdict table, charts of every round and paired ratio, latency percentiles, pprof's flame graph of each profile diff): " +
			"it opens from disk and fetches nothing. Kinds of run: " + strings.Join(htmlpage.Kinds(), ", ") + ".",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "html", Usage: "output format: " + strings.Join(htmlpage.Formats, ", ")},
			&cli.StringFlag{Name: "o", Usage: "write to FILE (atomically) instead of stdout"},
		},
		Action: runReport,
	}
}

func runReport(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("report needs one PATH (a run directory or its results.json, or a monitor's history.jsonl), got %d: %q", c.NArg(), c.Args().Slice())
	}
	format, out := c.String("format"), c.String("o")
	run, err := htmlpage.Open(c.Args().First())
	if err == nil && out != "" {
		err = atomicfile.Write(out, func(w io.Writer) error { return run.Write(w, format) })
	} else if err == nil {
		err = run.Write(c.App.Writer, format)
	}
	var bad *htmlpage.BadInputError
	if errors.As(err, &bad) {
		return usageError{err}
	}
	if err == nil && out != "" {
		fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %s\n", out)
	}
	return err
}
