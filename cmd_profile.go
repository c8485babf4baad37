package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiles"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
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
			"CPU, heap, allocs, fgprof wall-clock, block and mutex profiles are taken afterwards, each in a pass of its own (the block and mutex rates are on during their own pass only). " +
			"Writes DIR/OPT/WORKLOAD/{cpu,heap,allocs,wall,block,mutex}.{off,on,diff}.pb.gz, results.json, bench.txt, summary.md and report.html (one self-contained page: charts of every round, flame graphs of every diff).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "opt", Usage: "toggle to compare (see perfbench list)"},
			&cli.StringFlag{Name: "workload", Usage: "workload to run (default: the toggle's primary workload)"},
			&cli.IntFlag{Name: "rounds", Value: measure.DefaultRounds, Usage: "measured rounds per side (≥ 2; ≥ 6 for a confidence interval)"},
			&cli.StringFlag{Name: "benchtime", Value: "200ms", Usage: "work per round: a duration (200ms) or a count (5000x)"},
			&cli.DurationFlag{Name: "profiletime", Value: time.Second, Usage: "how long each profiling pass runs"},
			&cli.StringFlag{Name: "out", Value: "profiles", Usage: "output root"},
			&cli.IntFlag{Name: "top", Value: 5, Usage: "top movers shown per profile kind"},
			formatFlag(),
		},
		Action: runProfileCmd,
	}
}

// profileOptions is one validated profile request.
type profileOptions struct {
	toggle      toggles.Toggle
	workload    workloads.Workload
	off, on     features.Set
	settings    measure.Settings
	profileTime time.Duration
	dir         string // output directory of this run
	top         int
	command     string
}

func parseProfileOptions(c *cli.Context) (profileOptions, error) {
	if c.NArg() > 0 {
		return profileOptions{}, usagef("profile takes no arguments, got %q (flags must come before arguments)", c.Args().Slice())
	}
	if c.String("opt") == "" {
		return profileOptions{}, usagef("--opt is required (valid: %s)", strings.Join(toggles.Names(), ", "))
	}
	t, err := toggles.Lookup(c.String("opt"))
	if err != nil {
		return profileOptions{}, usageError{err}
	}
	wname := c.String("workload")
	if wname == "" {
		wname = t.Workloads[0]
	}
	w, err := workloads.Lookup(wname)
	if err != nil {
		return profileOptions{}, usageError{err}
	}
	bt, err := measure.ParseBenchtime(c.String("benchtime"))
	if err != nil {
		return profileOptions{}, usageError{err}
	}
	s := measure.Settings{Rounds: c.Int("rounds"), Benchtime: bt}
	if err := s.Validate(); err != nil {
		return profileOptions{}, usageError{err}
	}
	if c.Duration("profiletime") <= 0 {
		return profileOptions{}, usagef("invalid --profiletime %s: want a positive duration", c.Duration("profiletime"))
	}
	if c.Int("top") < 1 {
		return profileOptions{}, usagef("invalid --top %d: want at least 1", c.Int("top"))
	}
	return profileOptions{
		toggle: t, workload: w,
		off: t.Apply(features.Set{}, false), on: t.Apply(features.Set{}, true),
		settings: s, profileTime: c.Duration("profiletime"),
		dir: filepath.Join(c.String("out"), t.Name, w.Name), top: c.Int("top"),
		command: "profile",
	}, nil
}

func runProfileCmd(c *cli.Context) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	o, err := parseProfileOptions(c)
	if err != nil {
		return err
	}
	cleanup, err := prepareDir(o.dir)
	if err != nil {
		return err
	}
	est := 2*time.Duration(o.settings.Rounds)*max(o.settings.Benchtime.D, 50*time.Millisecond) + 8*o.profileTime + 2*time.Second
	pr := newProgress(c.App.ErrWriter, o.toggle.Name+"/"+o.workload.Name, est)
	out, err := runProfile(c.Context, o, pr.event)
	pr.done()
	if err != nil {
		cleanup()
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: nothing was written to %s (files are only written once a run completes)", o.dir)
		}
		return err
	}
	files, err := out.write()
	if err != nil {
		return err
	}
	if err := out.print(c.App.Writer, f); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %d files to %s\n", len(files), o.dir)
	return nil
}

// prepareDir makes sure the output directory can be written before any
// work starts, so a bad --out fails at once with exit 2. The returned
// cleanup removes what it created if the run then fails.
func prepareDir(dir string) (cleanup func(), err error) {
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == "." || d == "/" || d == filepath.Dir(d) {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, usagef("output directory %s is not writable: %v", dir, err)
	}
	cleanup = func() {
		for _, d := range created {
			os.Remove(d) // only succeeds while empty
		}
	}
	probe, err := os.CreateTemp(dir, ".perfbench-probe-*")
	if err != nil {
		cleanup()
		return nil, usagef("output directory %s is not writable: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return cleanup, nil
}

// profileOutcome is a finished profile run, held in memory until written.
type profileOutcome struct {
	opts        profileOptions
	env         report.Env
	res         *measure.Result
	comparisons []report.Comparison
	sets        map[profiles.Side]profiles.Set
	movers      map[profiles.Kind][]profiles.Mover
	elapsed     time.Duration
}

// runProfile measures, then profiles each side, then diffs.
func runProfile(ctx context.Context, o profileOptions, progress func(measure.Event)) (*profileOutcome, error) {
	start := time.Now()
	pair, err := measure.NewPair(o.workload, o.off, o.on)
	if err != nil {
		return nil, err
	}
	defer pair.Close()
	res, err := pair.Measure(ctx, o.settings, progress)
	if err != nil {
		return nil, err
	}
	out := &profileOutcome{
		opts: o, env: report.CurrentEnv(), res: res, comparisons: res.Compare(),
		sets:   map[profiles.Side]profiles.Set{},
		movers: map[profiles.Kind][]profiles.Mover{},
	}
	for _, side := range []measure.Side{measure.Off, measure.On} {
		set, err := pair.CaptureProfiles(ctx, side, res.ProfileOps(o.profileTime), progress)
		if err != nil {
			return nil, err
		}
		out.sets[profiles.Side(side.String())] = set
	}
	diff, err := profiles.DiffSet(out.sets[profiles.SideOff], out.sets[profiles.SideOn])
	if err != nil {
		return nil, err
	}
	out.sets[profiles.SideDiff] = diff
	for _, k := range profiles.Kinds() {
		m, err := profiles.TopMovers(out.sets[profiles.SideOff][k], out.sets[profiles.SideOn][k], k, o.top)
		if err != nil {
			return nil, fmt.Errorf("top movers %s: %w", k, err)
		}
		out.movers[k] = m
	}
	out.elapsed = time.Since(start)
	return out, nil
}
