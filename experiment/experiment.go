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
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Options is one validated profile request.
type Config struct {
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
func (o Config) Validate() error {
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
func (o Config) Estimate() time.Duration {
	return 2*time.Duration(o.Settings.Rounds)*max(o.Settings.Benchtime.D, 50*time.Millisecond) + 8*o.ProfileTime + time.Second
}

// Outcome is a finished run, held in memory until written.
type Outcome struct {
	Config      Config
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
func Perform(ctx context.Context, o Config, progress func(measure.Event)) (*Outcome, error) {
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
		Config: o, Env: machine.Current(), Measurement: res, Comparisons: res.Compare(),
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
func Execute(ctx context.Context, o Config, log io.Writer) (*Outcome, error) {
	pr := progress.New(log, o.Toggle.Name+"/"+o.Workload.Name, o.Estimate())
	defer pr.Done()
	return Perform(ctx, o, pr.Event)
}

// Defaults of a profile request; the limits are measure's and profiling's.
const (
	DefaultBenchtime   = "200ms"
	DefaultProfileTime = time.Second
	DefaultTop         = 5
)

// Options is a profile command as the user gave it.
type Options struct {
	Opt         string
	Workload    string // with WorkloadSet false, the toggle's primary workload
	WorkloadSet bool   // --workload was given, so an empty one is an error
	Rounds      int
	Benchtime   string
	ProfileTime time.Duration
	Out         string // output root; the run goes to Out/OPT/WORKLOAD
	Top         int
	Format      string    // of what Run prints: text (also ""), markdown or json
	Log         io.Writer // progress and what was written, if set
}

// Validate checks the request before anything runs. Every error is bad
// input (exit 2) and names what is valid.
func (r Options) Validate() error {
	if _, err := format(r.Format); err != nil {
		return err
	}
	_, err := r.Config()
	return err
}

// format reads --format; "" is text.
func format(s string) (report.Format, error) {
	if s == "" {
		return report.Text, nil
	}
	f, err := report.ParseFormat(s)
	return f, cmderr.BadInput(err)
}

// Config resolves the request against the registries and validates it.
func (r Options) Config() (Config, error) {
	c, err := r.config()
	return c, cmderr.BadInput(err)
}

func (r Options) config() (Config, error) {
	if r.Opt == "" {
		return Config{}, fmt.Errorf("--opt is required (valid: %s)", strings.Join(toggles.Names(), ", "))
	}
	if strings.TrimSpace(r.Out) == "" {
		return Config{}, fmt.Errorf("--out is empty: want the output root, e.g. profiles (the default)")
	}
	t, err := toggles.Lookup(r.Opt)
	if err != nil {
		return Config{}, err
	}
	if r.WorkloadSet && r.Workload == "" {
		return Config{}, fmt.Errorf("--workload is empty: give one of %s, or leave it out for %s", strings.Join(t.Workloads, ", "), t.Workloads[0])
	}
	if r.Workload == "" {
		r.Workload = t.Workloads[0]
	}
	w, err := workloads.Lookup(r.Workload)
	if err != nil {
		return Config{}, err
	}
	bt, err := measure.ParseBenchtime(r.Benchtime)
	if err != nil {
		return Config{}, err
	}
	o := Config{
		Toggle: t, Workload: w, Off: t.Apply(features.Set{}, false), On: t.Apply(features.Set{}, true),
		Settings:    measure.Settings{Rounds: r.Rounds, Benchtime: bt},
		ProfileTime: r.ProfileTime, Top: r.Top, Command: "profile",
		Dir: filepath.Join(r.Out, t.Name, w.Name),
	}
	return o, o.Validate()
}

// Run is `perfbench profile`: validate, measure and profile, write the run
// directory all or nothing, and print the run to out.
func Run(ctx context.Context, opts Options, out io.Writer) error {
	c, err := opts.Config()
	if err != nil {
		return err
	}
	f, err := format(opts.Format)
	if err != nil {
		return err
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	_, err = runout.Do(c.Dir, f, out, log, func() (*Outcome, error) { return Execute(ctx, c, log) })
	return err
}
