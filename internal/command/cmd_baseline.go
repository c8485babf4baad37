package command

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/numfmt"
)

func baselineCommand(cat catalog.Catalog) *cli.Command { return newBaselineCommand(depsOf(cat)) }

func newBaselineCommand(d suiteDeps) *cli.Command {
	return &cli.Command{
		Name:            "baseline",
		Usage:           "save the suite as a committed baseline, or check the code against it (a regression gate for CI)",
		UsageText:       baseline.Usage,
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{baselineSaveCommand(d), baselineCheckCommand(d)},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmderr.BadInputf("unknown baseline subcommand %q (valid: save, check)", c.Args().First())
			}
			return cmderr.BadInputf("baseline needs a subcommand: save or check (see perfbench baseline --help)")
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
		UsageText:   baseline.SaveUsage,
		Description: baseline.SaveDoc,
		Flags: append([]cli.Flag{fileFlag(),
			&cli.IntFlag{Name: "passes", Value: 2, Usage: "run the suite this many times, one after the other: the drift between passes widens the check's tolerances (1: no drift measured; at most " + strconv.Itoa(baseline.MaxPasses) + ")"},
		}, flags.Preset(baseline.MinRounds)...),
		Action: func(c *cli.Context) error {
			return baseline.RunSave(c.Context, baseline.SaveOptions{
				PresetRequest: flags.PresetRequest(c), Path: c.String("file"), Passes: c.Int("passes"),
				Toggles: d.toggles, Lookup: d.lookup, Log: c.App.ErrWriter,
			}, c.App.Writer)
		},
	}
}

func baselineCheckCommand(d suiteDeps) *cli.Command {
	def := baseline.DefaultTolerances()
	return &cli.Command{
		Name:        "check",
		Usage:       "rerun what the baseline holds and fail (exit 3) on a regression",
		UsageText:   baseline.CheckUsage,
		Description: baseline.CheckDoc(d.workloads),
		Flags: []cli.Flag{
			fileFlag(),
			&cli.StringFlag{Name: "tolerance", Value: numfmt.Pct(def.Time * 100), Usage: "tolerance of the metrics gated as time (see the list above) and of metrics without a gate of their own, with its % sign: 10%"},
			&cli.StringFlag{Name: "alloc-tolerance", Value: numfmt.Pct(def.Alloc * 100), Usage: "tolerance of the metrics gated as allocation (see the list above)"},
			&cli.StringSliceFlag{Name: "metric-tolerance", Usage: "per-metric override NAME=PCT (e.g. peak-heap-B=30%), or NAME=off to take it out of the gate; NAME is one of the baseline's metrics; repeatable"},
			flags.Format(),
			&cli.BoolFlag{Name: "all", Usage: "show every metric, not only those that moved"},
			&cli.BoolFlag{Name: "confirm", Value: true, Usage: "rerun the runs that regressed and keep only regressions that repeat (--confirm=false: one measurement decides)"},
		},
		Action: func(c *cli.Context) error { return runBaselineCheck(c, d) },
	}
}

func runBaselineCheck(c *cli.Context, d suiteDeps) error {
	return baseline.RunCheck(c.Context, baseline.CheckOptions{
		Path: c.String("file"), Tolerance: c.String("tolerance"), AllocTolerance: c.String("alloc-tolerance"),
		MetricTolerances: c.StringSlice("metric-tolerance"), Confirm: c.Bool("confirm"), Format: c.String("format"), All: c.Bool("all"),
		Toggles: d.toggles, Lookup: d.lookup, Log: c.App.ErrWriter,
	}, c.App.Writer)
}
