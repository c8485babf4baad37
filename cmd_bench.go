package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/suite"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// suiteDeps are the registries the suite commands work from. The commands
// get them as a value (never from globals) so tests can run the real CLI
// on toggles and workloads of their own.
type suiteDeps struct {
	toggles []toggles.Toggle
	lookup  catalog.Lookup
}

func defaultSuiteDeps() suiteDeps {
	return suiteDeps{toggles: toggles.All(), lookup: workloads.Lookup}
}

func benchCommand() *cli.Command { return newBenchCommand(defaultSuiteDeps()) }

// presetFlags are the flags of a suite command: the preset, its overrides
// (at least least rounds) and --opt.
func presetFlags(least int) []cli.Flag {
	q, f := catalog.Quick(), catalog.Full()
	return []cli.Flag{
		&cli.BoolFlag{Name: "quick", Usage: fmt.Sprintf("quick suite (default): %d rounds of %s per side, about two minutes", q.Rounds, q.Benchtime)},
		&cli.BoolFlag{Name: "full", Usage: fmt.Sprintf("full suite: %d rounds of %s per side, tighter intervals (about 7 minutes here)", f.Rounds, f.Benchtime)},
		&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs, plus the groups \"all\" (all on vs off and vs each single toggle, on mixed) and \"memory\"; repeat or comma-separate (default: everything)"},
		flags.Rounds(0, least, fmt.Sprintf("override the preset's rounds per side, quick %d, full %d", q.Rounds, f.Rounds)),
		flags.Benchtime("", "override the preset's work per round", measure.MaxBenchtime, measure.MaxBenchtimeCount),
	}
}

// presetRequest reads presetFlags (and --profile-time, where a command has it).
func presetRequest(c *cli.Context) catalog.PresetRequest {
	return catalog.PresetRequest{
		Quick: c.Bool("quick"), Full: c.Bool("full"), Rounds: c.Int("rounds"), RoundsSet: c.IsSet("rounds"),
		Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profile-time"), ProfileTimeSet: c.IsSet("profile-time"),
		Opts: c.StringSlice("opt"),
	}
}

func newBenchCommand(d suiteDeps) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "bench",
		Usage:       "run the whole suite against the plan's targets: one criteria table, PASS / FAIL / INCONCLUSIVE",
		UsageText:   suite.BenchUsage,
		Description: suite.BenchDoc,
		Flags: append(presetFlags(measure.MinRounds),
			flags.ProfileTime(0, fmt.Sprintf("override how long each profiling pass runs, quick %s, full %s", catalog.Quick().ProfileTime, catalog.Full().ProfileTime), measure.MaxProfileTime),
			formatFlag(),
			outFlag(filepath.Join("profiles", "bench"), "output root"),
			&cli.BoolFlag{Name: "strict", Usage: "also fail (exit 3) on INCONCLUSIVE criteria"},
			flags.Top(5, "top movers per profile kind in each run's summary"),
		),
		Action: func(c *cli.Context) error { return runBench(c, d) },
	}, flags.Rename{Old: "profiletime", New: "profile-time"})
}

func runBench(c *cli.Context, d suiteDeps) error {
	o, err := suite.BenchRequest{
		PresetRequest: presetRequest(c), Strict: c.Bool("strict"), Root: c.String("out"), Top: c.Int("top"), Log: c.App.ErrWriter,
	}.Options(d.toggles, d.lookup)
	if err != nil {
		return cmderr.BadInput(err)
	}
	_, err = runAndWrite(c, o.Root, func() (*suite.Bench, error) { return suite.RunBench(c.Context, o) })
	return err
}
