package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/compare"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/worker"
	"github.com/perfbench/perfbench/workloads"
)

// workerCommand serves one side of compare over stdin/stdout (hidden).
func workerCommand() *cli.Command {
	return &cli.Command{Name: worker.Command, Hidden: true, Action: func(c *cli.Context) error {
		return worker.Serve(c.Context, c.App.Reader, c.App.Writer, workloads.Lookup)
	}}
}

func compareCommand() *cli.Command {
	return &cli.Command{
		Name:  "compare",
		Usage: "compare two builds (git refs, or a ref and the working tree) in interleaved rounds; exit 3 on a regression",
		UsageText: "perfbench compare --base REF [--head REF] [--opt NAME …] [--workload NAME …] [--rounds N] [--benchtime 50ms] " +
			"[--tags-base TAGS] [--tags-head TAGS] [--out DIR] [--format text|markdown|json]\n\nExample:\n" +
			"   perfbench compare --base main --opt jit --workload route-match",
		Description: compare.Doc,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "base", Usage: "git ref to compare against (required)"},
			&cli.StringFlag{Name: "head", Usage: "git ref to compare (default: the working tree as it is, recorded with its commit and dirty state)"},
			&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs (and the groups all, memory), as bench --opt"},
			&cli.StringSliceFlag{Name: "workload", Usage: "only the selected runs on these workloads"},
			&cli.IntFlag{Name: "rounds", Value: compare.DefaultRounds, Usage: "round pairs per case"},
			&cli.StringFlag{Name: "benchtime", Value: compare.DefaultBenchtime, Usage: "work per round: a duration or a count (5000x)"},
			&cli.DurationFlag{Name: "profiletime", Value: compare.DefaultProfileTime, Usage: "how long each profiling pass runs"},
			&cli.StringFlag{Name: "tags-base", Usage: "build tags for base"},
			&cli.StringFlag{Name: "tags-head", Usage: "build tags for head"},
			&cli.StringFlag{Name: "out", Value: "profiles/compare", Usage: "output directory"},
			formatFlag(),
		},
		Action: runCompare,
	}
}

func runCompare(c *cli.Context) error {
	o, err := compare.Request{
		Base: c.String("base"), Head: c.String("head"), Opts: c.StringSlice("opt"), Workloads: c.StringSlice("workload"),
		Rounds: c.Int("rounds"), Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profiletime"),
		TagsBase: c.String("tags-base"), TagsHead: c.String("tags-head"), Out: c.String("out"), Dir: ".",
	}.Options(toggles.All(), workloads.Lookup)
	if err != nil {
		return usageError{err}
	}
	o.Stderr = c.App.ErrWriter
	out, err := runAndWrite(c, o.Out, func() (*compare.Outcome, error) { return compare.Run(c.Context, o) })
	if errors.As(err, new(compare.InputError)) {
		return usageError{err}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %d files to %s\n", len(out.FileNames()), o.Out)
	if regs := out.Regressions(); len(regs) > 0 {
		return criteriaError{fmt.Sprintf("%d regression(s) of head against base", len(regs))}
	}
	return nil
}
