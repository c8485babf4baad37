// Package experiment is the pipeline behind `perfbench profile`, and behind
// every run of `perfbench bench`: measure one workload off against on, take
// each side's profiles in passes of their own, diff them, build the run's
// results document and write the run directory all-or-nothing. Commands
// call Run, then Write and Print; nothing here parses flags.
package experiment

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Options is one validated profile request.
type Options struct {
	Toggle      toggles.Toggle
	Workload    workloads.Workload
	Off, On     features.Set
	Settings    measure.Settings
	ProfileTime time.Duration // yardstick of each profiling pass (measure.Pair.CaptureProfiles)
	Dir         string        // the run directory
	Top         int           // top movers kept per profile kind
	Command     string        // "profile" or "bench", for the results header
}

// Validate rejects options no run can satisfy.
func (o Options) Validate() error {
	if err := o.Settings.Validate(); err != nil {
		return err
	}
	if err := measure.CheckProfileTime(o.ProfileTime); err != nil {
		return err
	}
	if err := profiling.CheckTop(o.Top); err != nil {
		return err
	}
	if o.Dir == "" {
		return fmt.Errorf("no output directory")
	}
	return atomicfile.CheckTargets(o.Targets()...)
}

// Estimate is roughly how long Run takes, for progress display.
func (o Options) Estimate() time.Duration {
	return 2*time.Duration(o.Settings.Rounds)*max(o.Settings.Benchtime.D, 50*time.Millisecond) + 8*o.ProfileTime + time.Second
}

// Outcome is a finished run, held in memory until written.
type Outcome struct {
	Options     Options
	Env         machine.Env
	Measurement *measure.Result
	Comparisons []stats.Comparison
	Profiles    profiling.Sets // as written: each side scaled to equal work
	// Sampling is what each kind's profiles rest on: operations and samples
	// per side, the common operation count, thin sides.
	Sampling map[profiling.Kind]*profiling.Comparison
	Movers   map[profiling.Kind][]profiling.Mover
	Elapsed  time.Duration
	Created  time.Time // when the run finished: results.json's time stamp
}

// Run measures, then profiles each side, then diffs. It writes nothing.
func Run(ctx context.Context, o Options, progress func(measure.Event)) (*Outcome, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	pair := measure.NewLocalPair(o.Workload, o.Off, o.On)
	res, err := pair.Measure(ctx, o.Settings, progress)
	if err != nil {
		return nil, err
	}
	out := &Outcome{
		Options: o, Env: machine.Current(), Measurement: res, Comparisons: res.Compare(),
		Movers: map[profiling.Kind][]profiling.Mover{},
	}
	if out.Profiles, out.Sampling, err = pair.Profile(ctx, res, o.ProfileTime, o.Top, progress); err != nil {
		return nil, err
	}
	for k, c := range out.Sampling {
		out.Movers[k] = c.Movers
	}
	out.Elapsed = time.Since(start)
	out.Created = time.Now().UTC()
	return out, nil
}

// Execute is Run with its progress shown on log: a status line on a
// terminal, a line per phase otherwise.
func Execute(ctx context.Context, o Options, log io.Writer) (*Outcome, error) {
	pr := progress.New(log, o.Toggle.Name+"/"+o.Workload.Name, o.Estimate())
	defer pr.Done()
	return Run(ctx, o, pr.Event)
}

// Defaults of a profile request; the limits are measure's and profiling's.
const (
	DefaultBenchtime   = "200ms"
	DefaultProfileTime = time.Second
	DefaultTop         = 5
)

// Request is a profile command as the user gave it, before validation.
type Request struct {
	Opt, Workload string // Workload "" picks the toggle's primary workload
	Rounds        int
	Benchtime     string
	ProfileTime   time.Duration
	Out           string // output root; the run goes to Out/OPT/WORKLOAD
	Top           int
}

// Options validates the request. Every error is about the input and names
// what is valid.
func (r Request) Options() (Options, error) {
	if r.Opt == "" {
		return Options{}, fmt.Errorf("--opt is required (valid: %s)", strings.Join(toggles.Names(), ", "))
	}
	if strings.TrimSpace(r.Out) == "" {
		return Options{}, fmt.Errorf("--out is empty: want the output root, e.g. profiles (the default)")
	}
	t, err := toggles.Lookup(r.Opt)
	if err != nil {
		return Options{}, err
	}
	if r.Workload == "" {
		r.Workload = t.Workloads[0]
	}
	w, err := workloads.Lookup(r.Workload)
	if err != nil {
		return Options{}, err
	}
	bt, err := measure.ParseBenchtime(r.Benchtime)
	if err != nil {
		return Options{}, err
	}
	o := Options{
		Toggle: t, Workload: w, Off: t.Apply(features.Set{}, false), On: t.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: r.Rounds, Benchtime: bt},
		ProfileTime: r.ProfileTime, Top: r.Top, Command: "profile",
		Dir: filepath.Join(r.Out, t.Name, w.Name),
	}
	return o, o.Validate()
}
