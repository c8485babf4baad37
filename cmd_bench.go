package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/suite"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// suiteDeps are the registries the suite commands work from. The commands
// get them as a value (never from globals) so tests can run the real CLI
// on toggles and workloads of their own.
type suiteDeps struct {
	toggles []toggles.Toggle
	lookup  suite.Lookup
}

func defaultSuiteDeps() suiteDeps {
	return suiteDeps{toggles: toggles.All(), lookup: workloads.Lookup}
}

func benchCommand() *cli.Command { return newBenchCommand(defaultSuiteDeps()) }

func presetFlags() []cli.Flag {
	q, f := suite.Quick(), suite.Full()
	return []cli.Flag{
		&cli.BoolFlag{Name: "quick", Usage: fmt.Sprintf("quick suite (default): %d rounds of %s per side, about a minute", q.Rounds, q.Benchtime)},
		&cli.BoolFlag{Name: "full", Usage: fmt.Sprintf("full suite: %d rounds of %s per side, tighter intervals, within five minutes", f.Rounds, f.Benchtime)},
		&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs, plus the groups \"all\" (all on vs off and vs each single toggle, on mixed) and \"memory\"; repeat or comma-separate (default: everything)"},
		&cli.IntFlag{Name: "rounds", Usage: fmt.Sprintf("override the preset's rounds per side (quick %d, full %d; at most %d)", q.Rounds, f.Rounds, measure.MaxRounds)},
		&cli.StringFlag{Name: "benchtime", Usage: fmt.Sprintf("override the preset's work per round: a duration (50ms, at most %s) or a count (5000x, at most %dx)", measure.MaxBenchtime, measure.MaxBenchtimeCount)},
	}
}

// parseSuite reads the preset flags and --opt: the settings, the runs and
// their workloads, all resolved before anything runs.
func parseSuite(c *cli.Context, d suiteDeps, minRounds int) (suite.Preset, []suite.Run, map[string]workloads.Workload, error) {
	p, err := suite.PresetRequest{
		Quick: c.Bool("quick"), Full: c.Bool("full"), Rounds: c.Int("rounds"), RoundsSet: c.IsSet("rounds"),
		Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profiletime"), ProfileTimeSet: c.IsSet("profiletime"),
		MinRounds: minRounds,
	}.Preset()
	if err != nil {
		return p, nil, nil, usageError{err}
	}
	runs, ws, err := suite.Select(d.toggles, c.StringSlice("opt"), d.lookup)
	if err != nil {
		return p, nil, nil, usageError{err}
	}
	return p, runs, ws, nil
}

func newBenchCommand(d suiteDeps) *cli.Command {
	flags := append(presetFlags(),
		&cli.DurationFlag{Name: "profiletime", Usage: fmt.Sprintf("override how long each profiling pass runs (quick 100ms, full 300ms; at most %s)", measure.MaxProfileTime)},
		formatFlag(),
		&cli.StringFlag{Name: "out", Value: filepath.Join("profiles", "bench"), Usage: "output root"},
		&cli.BoolFlag{Name: "strict", Usage: "also fail (exit 3) on INCONCLUSIVE criteria"},
		&cli.IntFlag{Name: "top", Value: 5, Usage: fmt.Sprintf("top movers per profile kind in each run's summary (1 to %d)", profiling.MaxTop)},
	)
	return &cli.Command{
		Name:  "bench",
		Usage: "run the whole suite against the plan's targets: one criteria table, PASS / FAIL / INCONCLUSIVE",
		UsageText: "perfbench bench [--quick|--full] [--opt NAME …] [--format text|markdown|json] [--out DIR] [--strict]\n\n" +
			"Example:\n" +
			"   perfbench bench --quick\n" +
			"   benchstat -col toggle profiles/bench/bench.txt",
		Description: suite.BenchDoc,
		Flags:       flags,
		Action:      func(c *cli.Context) error { return runBench(c, d) },
	}
}

func runBench(c *cli.Context, d suiteDeps) error {
	preset, runs, ws, err := parseSuite(c, d, measure.MinRounds)
	if err != nil {
		return err
	}
	root, stderr := c.String("out"), c.App.ErrWriter
	o := suite.BenchOptions{
		Preset: preset, Opts: c.StringSlice("opt"), Strict: c.Bool("strict"), Root: root, Top: c.Int("top"),
		Toggles: d.toggles, Runs: runs, Workloads: ws,
		Progress: func(i, n int, r suite.Run, est time.Duration) (func(measure.Event), func()) {
			return progress.Run(stderr, "bench", i, n, fmt.Sprintf("%s: off=%s on=%s", r.ID, r.Off, r.On), est)
		},
	}
	if err := o.Validate(); err != nil {
		return usageError{err}
	}
	b, err := runAndWrite(c, root, func() (*suite.Bench, error) { return suite.RunBench(c.Context, o) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "perfbench: suite of %d runs took %s; wrote %s and %d run directories under %s\n",
		len(b.Runs), b.Elapsed.Round(100*time.Millisecond), strings.Join(suite.BenchFiles, ", "), len(b.Runs), root)
	if msg := b.Failing(); msg != "" {
		return criteriaError{msg}
	}
	return nil
}
