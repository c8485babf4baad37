package main

import (
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/numfmt"
)

func baselineCommand() *cli.Command { return newBaselineCommand(defaultSuiteDeps()) }

func newBaselineCommand(d suiteDeps) *cli.Command {
	return &cli.Command{
		Name:  "baseline",
		Usage: "save the suite as a committed baseline, or check the code against it (a regression gate for CI)",
		UsageText: "perfbench baseline save [--file perf/baseline.json] [--quick|--full]\n" +
			"perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--format text|markdown|json]\n\n" +
			"Example (CI):\n" +
			"   perfbench baseline save && git add perf/baseline.json   # on the reference commit\n" +
			"   perfbench baseline check                                # on every change: exit 3 on a regression",
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{baselineSaveCommand(d), baselineCheckCommand(d)},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown baseline subcommand %q (valid: save, check)", c.Args().First())
			}
			return usagef("baseline needs a subcommand: save or check (see perfbench baseline --help)")
		},
	}
}

func fileFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "file", Value: baseline.DefaultFile, Usage: "the baseline file"}
}

func baselineSaveCommand(d suiteDeps) *cli.Command {
	return &cli.Command{
		Name:        "save",
		Usage:       "run the suite (no profiles) and store every sample as the baseline",
		UsageText:   "perfbench baseline save [--file perf/baseline.json] [--quick|--full] [--opt NAME …] [--rounds N] [--benchtime D]",
		Description: baseline.SaveDoc,
		Flags: append([]cli.Flag{fileFlag(),
			&cli.IntFlag{Name: "passes", Value: 2, Usage: "run the suite this many times, one after the other: the drift between passes widens the check's tolerances (1: no drift measured; at most " + strconv.Itoa(baseline.MaxPasses) + ")"},
		}, presetFlags()...),
		Action: func(c *cli.Context) error { return runBaselineSave(c, d) },
	}
}

func runBaselineSave(c *cli.Context, d suiteDeps) error {
	preset, runs, _, err := parseSuite(c, d, baseline.MinRounds)
	if err != nil {
		return err
	}
	o := baseline.SaveOptions{Path: c.String("file"), Preset: preset, Runs: runs, Passes: c.Int("passes"), Lookup: d.lookup, Log: c.App.ErrWriter}
	if err := o.Validate(); err != nil {
		return usageError{err}
	}
	_, err = runAndWrite(c, filepath.Dir(o.Path), func() (*baseline.Saved, error) { return baseline.TakePasses(c.Context, o) })
	return err
}

func baselineCheckCommand(d suiteDeps) *cli.Command {
	def := baseline.DefaultTolerances()
	return &cli.Command{
		Name:  "check",
		Usage: "rerun what the baseline holds and fail (exit 3) on a regression",
		UsageText: "perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--alloc-tolerance 2%] " +
			"[--metric-tolerance NAME=PCT|off …] [--format text|markdown|json] [--all]",
		Description: baseline.CheckDoc,
		Flags: []cli.Flag{
			fileFlag(),
			&cli.StringFlag{Name: "tolerance", Value: numfmt.Pct(def.Time * 100), Usage: "tolerance of the metrics gated as time (see the list above) and of metrics without a gate of their own, with its % sign: 10%"},
			&cli.StringFlag{Name: "alloc-tolerance", Value: numfmt.Pct(def.Alloc * 100), Usage: "tolerance of the metrics gated as allocation (see the list above)"},
			&cli.StringSliceFlag{Name: "metric-tolerance", Usage: "per-metric override NAME=PCT (e.g. peak-heap-B=30%), or NAME=off to take it out of the gate; NAME is one of the baseline's metrics; repeatable"},
			formatFlag(),
			&cli.BoolFlag{Name: "all", Usage: "show every metric, not only those that moved"},
			&cli.BoolFlag{Name: "confirm", Value: true, Usage: "rerun the runs that regressed and keep only regressions that repeat (--confirm=false: one measurement decides)"},
		},
		Action: func(c *cli.Context) error { return runBaselineCheck(c, d) },
	}
}

func runBaselineCheck(c *cli.Context, d suiteDeps) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	tol, err := baseline.ParseTolerances(c.String("tolerance"), c.String("alloc-tolerance"), c.StringSlice("metric-tolerance"))
	if err != nil {
		return usageError{err}
	}
	path := c.String("file")
	b, unchecked, err := baseline.Open(path, d.toggles, d.lookup, tol)
	if err != nil {
		return usageError{err}
	}
	check, err := baseline.RunCheck(c.Context, b, baseline.CheckOptions{
		Path: path, Tolerances: tol, Confirm: c.Bool("confirm"), Unchecked: unchecked, Lookup: d.lookup, Log: c.App.ErrWriter,
	})
	if err != nil {
		return err
	}
	if err := check.Print(c.App.Writer, f, c.Bool("all")); err != nil {
		return err
	}
	if msg := check.Failed(); msg != "" {
		return criteriaError{msg}
	}
	return nil
}
