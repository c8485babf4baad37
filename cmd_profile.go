package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/experiment"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
)

func profileCommand() *cli.Command {
	return &cli.Command{
		Name:  "profile",
		Usage: "run a workload with a toggle off and on; compare, profile and diff",
		UsageText: "perfbench profile --opt=NAME --workload=NAME [--rounds N] [--benchtime 200ms|5000x] [--profiletime 1s] [--out DIR] [--format text|markdown|json]\n\n" +
			"Example:\n" +
			"   perfbench profile --opt=zerocopy --workload=mixed\n" +
			"   go tool pprof -top -diff_base profiles/zerocopy/mixed/cpu.off.pb.gz profiles/zerocopy/mixed/cpu.on.pb.gz",
		Description: "Both sides are calibrated, then measured in alternating rounds (off, on, off, on …); each round builds its side afresh and warms it up, so only one side's runtime is alive while it is measured. " +
			"CPU, heap+allocs, fgprof wall-clock, block and mutex profiles are taken afterwards, each in a pass of its own on each side (the block and mutex rates are on during their own pass only), sized by its samples: half of --profiletime, continued until 300 samples (cpu and wall up to twice --profiletime, memory up to once); " +
			"each kind's off and on files are scaled to one operation count, so -diff_base compares equal work, and top movers are tested against sampling noise (~ when within it). " +
			"Writes DIR/OPT/WORKLOAD/{cpu,heap,allocs,wall,block,mutex}.{off,on,diff}.pb.gz, results.json, bench.txt, summary.md and report.html (one self-contained page: charts of every round, flame graphs of every diff).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "opt", Usage: "toggle to compare (see perfbench list)"},
			&cli.StringFlag{Name: "workload", Usage: "workload to run (default: the toggle's primary workload)"},
			&cli.IntFlag{Name: "rounds", Value: measure.DefaultRounds, Usage: fmt.Sprintf("measured rounds per side (%d to %d; ≥ %d for a confidence interval)", measure.MinRounds, measure.MaxRounds, measure.CIRounds)},
			&cli.StringFlag{Name: "benchtime", Value: "200ms", Usage: fmt.Sprintf("work per round: a duration (200ms, at most %s) or a count (5000x, at most %dx)", measure.MaxBenchtime, measure.MaxBenchtimeCount)},
			&cli.DurationFlag{Name: "profiletime", Value: time.Second, Usage: fmt.Sprintf("yardstick of each side's profiling pass: half of it, more until 300 samples, at most twice (at most %s)", measure.MaxProfileTime)},
			&cli.StringFlag{Name: "out", Value: "profiles", Usage: "output root"},
			&cli.IntFlag{Name: "top", Value: 5, Usage: fmt.Sprintf("top movers shown per profile kind (1 to %d)", profiling.MaxTop)},
			formatFlag(),
		},
		Action: runProfile,
	}
}

func runProfile(c *cli.Context) error {
	o, err := experiment.Request{
		Opt: c.String("opt"), Workload: c.String("workload"), Rounds: c.Int("rounds"), Benchtime: c.String("benchtime"),
		ProfileTime: c.Duration("profiletime"), Out: c.String("out"), Top: c.Int("top"),
	}.Options()
	if err != nil {
		return usageError{err}
	}
	out, err := runAndWrite(c, o.Dir, func() (*experiment.Outcome, error) {
		pr := progress.New(c.App.ErrWriter, o.Toggle.Name+"/"+o.Workload.Name, o.Estimate())
		defer pr.Done()
		return experiment.Run(c.Context, o, pr.Event)
	})
	if err == nil {
		fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %d files to %s\n", len(out.FileNames()), o.Dir)
	}
	return err
}
