package command

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
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
	toggles   []toggles.Toggle
	workloads []workloads.Workload
	lookup    catalog.Lookup
}

func depsOf(cat catalog.Catalog) suiteDeps {
	return suiteDeps{toggles: cat.Toggles(), workloads: cat.Workloads(), lookup: cat.Workload}
}

func benchCommand(cat catalog.Catalog) *cli.Command { return newBenchCommand(depsOf(cat)) }

func newBenchCommand(d suiteDeps) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "bench",
		Usage:       "run the whole suite against the plan's targets: one criteria table, PASS / FAIL / INCONCLUSIVE",
		UsageText:   suite.BenchUsage,
		Description: suite.BenchDoc,
		Flags: append(append(flags.Preset(measure.MinRounds), flags.Timing(true)...),
			flags.ProfileTime(0, fmt.Sprintf("override how long each profiling pass runs, quick %s, full %s", catalog.Quick().ProfileTime, catalog.Full().ProfileTime), measure.MaxProfileTime),
			flags.Format(),
			flags.Out(filepath.Join("profiles", "bench"), "output root"),
			&cli.BoolFlag{Name: "strict", Usage: "also fail (exit 3) on INCONCLUSIVE criteria"},
			flags.Top(5, "top movers per profile kind in each run's summary"),
		),
		Action: func(c *cli.Context) error { return runBench(c, d) },
	}, flags.Rename{Old: "profiletime", New: "profile-time"})
}

func runBench(c *cli.Context, d suiteDeps) error {
	return suite.Run(c.Context, suite.Options{
		PresetRequest: flags.PresetRequest(c), Strict: c.Bool("strict"), Root: c.String("out"), Top: c.Int("top"),
		Format: c.String("format"), Log: c.App.ErrWriter, Toggles: d.toggles, Lookup: d.lookup, Timing: flags.TimingRequest(c),
	}, c.App.Writer)
}
