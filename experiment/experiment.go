// Package experiment is the pipeline behind `perfbench profile`, and behind
// every run of `perfbench bench`: measure one workload off against on, take
// each side's profiles in passes of their own, diff them, build the run's
// results document and write the run directory all-or-nothing. Commands
// call Run, then Write and Print; nothing here parses flags.
package experiment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/perfbench/perfbench/catalog"
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
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Config is one validated profile request.
type Config struct {
	Toggle      toggles.Toggle
	Workload    workloads.Workload
	Off, On     features.Set
	Settings    measure.Settings
	ProfileTime time.Duration // yardstick of each profiling pass (measure.Pair.CaptureProfiles)
	Dir         string        // the run directory
	Top         int           // top movers kept per profile kind
	Command     string        // "profile" or "bench", for the results header
	// Shared, if set, lends each side the profiles an earlier run took of
	// the identical configuration (see SharedProfiles).
	Shared *SharedProfiles
	// TraceTime adds the run's time breakdown to what Wrote says.
	TraceTime bool
	// Budget is the run's share of a time budget, recorded with it (0:
	// none). Settings.Deadline is where it ends.
	Budget time.Duration
	// Kinds, if set, are the only profile kinds the run takes and writes
	// (nil: every kind), and KindsWhy says why, in the run's files.
	Kinds    []profiling.Kind
	KindsWhy string
	// Measured, if set, is the run's measurement, already taken (a suite
	// measures the runs that share a side together: measure.Group):
	// Perform goes straight to the profiles with it.
	Measured *Measured
}

// Measured is a run's measurement taken before the run, with the time it
// is charged for it (calibration and rounds, per side), which its timing
// record starts with.
type Measured struct {
	Result *measure.Result
	Time   timing.Breakdown
}

// SharedProfiles holds the profiling passes of each configuration a suite
// has profiled, so that a side that recurs — all on of mixed is the on
// side of the cumulative run and of every all-vs-one run — is profiled
// once. Only profiles are shared, never measured rounds: a paired ratio
// needs both of its sides in the same rounds, interleaved ABBA, and a side
// measured in another run's rounds shares none of this run's drift. A
// profile is not paired: each side's passes run on their own instance,
// after the rounds, sized from that side's ns/op, and profiling.Compare
// scales each side to one operation count, so a pass of an identical
// configuration (same workload, feature set and profile time) taken in
// another run is as good as a new one.
//
// The passes are kept encoded (gzipped protobuf, as written to disk): a
// suite's worth of parsed profiles held in memory raises the live heap
// every later run is measured under, and the GC paces itself by the live
// heap, so the runs' own gc/op would fall with the store's size (an
// instruction-churn run counted 0.00148 gc/op alone and 0.000444 after
// nine runs of parsed profiles).
type SharedProfiles struct {
	passes map[string]map[profiling.Kind]sharedPass
}

// sharedPass is one profiling pass as the store keeps it.
type sharedPass struct {
	data []byte // the profile, encoded
	ops  int64
}

// NewSharedProfiles is an empty store.
func NewSharedProfiles() *SharedProfiles {
	return &SharedProfiles{passes: map[string]map[profiling.Kind]sharedPass{}}
}

// key identifies a side's profiling passes: workload, feature set, yardstick.
func sharedKey(o Config, side features.Set) string {
	return o.Workload.Name + "\x00" + side.String() + "\x00" + o.ProfileTime.String()
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
	// Timing is the run's rounds and time breakdown; its report phase is
	// only known once Write is done, so results.json has it without it.
	Timing timing.Record
	// Reused lists the sides whose profiles came from SharedProfiles.
	Reused []stats.Side
}

// Run measures, then profiles each side, then diffs. It writes nothing.
func Perform(ctx context.Context, o Config, progress func(measure.Event)) (*Outcome, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	rec := timing.NewRecorder(nil)
	event := func(e measure.Event) {
		rec.Mark(phaseOf(e), e.Side.String())
		if progress != nil {
			progress(e)
		}
	}
	pair := measure.NewLocalPair(o.Workload, o.Off, o.On)
	if o.Kinds != nil {
		pair.WithProfileKinds(o.Kinds)
	}
	var res *measure.Result
	var measured timing.Breakdown
	if o.Measured != nil {
		res, measured = o.Measured.Result, o.Measured.Time
		pair.MeasuredBy(res)
	} else {
		var err error
		if res, err = pair.Measure(ctx, o.Settings, event); err != nil {
			return nil, err
		}
	}
	out := &Outcome{
		Config: o, Env: machine.Current(), Measurement: res, Comparisons: res.Compare(),
		Movers: map[profiling.Kind][]profiling.Mover{}, Sampling: map[profiling.Kind]*profiling.Comparison{},
		Timing: timing.Record{RoundsUsed: res.RoundsUsed},
	}
	if o.Budget > 0 {
		out.Timing.Budget = o.Budget.Round(time.Millisecond).String()
	}
	if res.Stopped {
		out.Timing.Stopped = fmt.Sprintf("budget reached after %d of %d rounds", res.RoundsUsed, res.Rounds)
	}
	// A run out of budget takes no profiles: its share is spent.
	if !res.Stopped && !o.Settings.BudgetReached() {
		if err := out.profile(ctx, pair, rec, event); err != nil {
			return nil, err
		}
	}
	rec.Stop()
	out.Timing.Time = measured
	out.Timing.Time.Merge(rec.Breakdown())
	out.Elapsed = time.Since(start) + time.Duration(measured.Total()*float64(time.Second))
	out.Created = time.Now().UTC()
	return out, nil
}

// profile takes each side's passes, or borrows them from o.Shared, then
// diffs them.
func (out *Outcome) profile(ctx context.Context, pair *measure.Pair, rec *timing.Recorder, event func(measure.Event)) error {
	o := out.Config
	var runs [2]map[profiling.Kind]profiling.Run
	for _, side := range stats.Sides() {
		set := o.Off
		if side == stats.On {
			set = o.On
		}
		key := sharedKey(o, set)
		r, ok, err := o.Shared.lookup(key, pair.ProfileKinds())
		if err != nil {
			return err
		}
		if ok {
			runs[side] = r
			out.Reused = append(out.Reused, side)
			continue
		}
		have, err := out.Measurement.RoundProfiles(side)
		if err != nil {
			return err
		}
		r, err = pair.CaptureProfilesFrom(ctx, side, out.Measurement.ProfileOps(o.ProfileTime, side), have, event)
		if err != nil {
			return err
		}
		runs[side] = r
		if err := o.Shared.store(key, r); err != nil {
			return err
		}
	}
	out.Measurement.ReleaseRoundProfiles()
	rec.Mark(timing.Diff, "")
	sets, cmps, err := measure.CompareProfiles(runs, o.Top)
	if err != nil {
		return err
	}
	out.Profiles, out.Sampling = sets, cmps
	for k, c := range cmps {
		out.Movers[k] = c.Movers
	}
	return nil
}

// lookup lends the passes of key's side when they hold every kind asked
// for, and only those: a run that took fewer kinds cannot serve one that
// wants more, and one that took more serves one that wants fewer.
func (s *SharedProfiles) lookup(key string, kinds []profiling.Kind) (map[profiling.Kind]profiling.Run, bool, error) {
	if s == nil {
		return nil, false, nil
	}
	r, ok := s.passes[key]
	if !ok {
		return nil, false, nil
	}
	for _, k := range kinds {
		if _, ok := r[k]; !ok {
			return nil, false, nil
		}
	}
	out := map[profiling.Kind]profiling.Run{}
	for _, k := range kinds {
		run := profiling.Run{Ops: r[k].ops}
		if len(r[k].data) > 0 {
			p, err := profile.ParseData(r[k].data)
			if err != nil {
				return nil, false, fmt.Errorf("shared %s profile: %w", k, err)
			}
			run.Profile = p
		}
		out[k] = run
	}
	return out, true, nil
}

// store keeps r for key, encoded, unless the passes kept already hold more
// kinds.
func (s *SharedProfiles) store(key string, r map[profiling.Kind]profiling.Run) error {
	if s == nil || len(r) < len(s.passes[key]) {
		return nil
	}
	kept := map[profiling.Kind]sharedPass{}
	for k, run := range r {
		var b bytes.Buffer
		if run.Profile != nil {
			if err := run.Profile.Write(&b); err != nil {
				return fmt.Errorf("keep %s profile: %w", k, err)
			}
		}
		kept[k] = sharedPass{data: b.Bytes(), ops: run.Ops}
	}
	s.passes[key] = kept
	return nil
}

// phaseOf names an engine event's phase as timing keys it.
func phaseOf(e measure.Event) string {
	if e.Phase == "round" {
		return timing.Rounds
	}
	return e.Phase
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
	Catalog     catalog.Catalog // the toggles and workloads Opt and Workload name
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
	TraceTime   bool      // --trace-time: print where the time went
}

// Validate checks the request before anything runs. Every error is bad
// input (exit 2) and names what is valid.
func (r Options) Validate() error {
	if _, err := report.ParseFormat(r.Format); err != nil {
		return err
	}
	_, err := r.Config()
	return err
}

// Config resolves the request against the registries and validates it.
func (r Options) Config() (Config, error) {
	c, err := r.config()
	return c, cmderr.BadInput(err)
}

func (r Options) config() (Config, error) {
	if r.Opt == "" {
		return Config{}, fmt.Errorf("--opt is required (valid: %s)", strings.Join(r.Catalog.ToggleNames(), ", "))
	}
	if strings.TrimSpace(r.Out) == "" {
		return Config{}, fmt.Errorf("--out is empty: want the output root, e.g. profiles (the default)")
	}
	t, err := r.Catalog.Toggle(r.Opt)
	if err != nil {
		return Config{}, err
	}
	if r.WorkloadSet && r.Workload == "" {
		return Config{}, fmt.Errorf("--workload is empty: give one of %s, or leave it out for %s", strings.Join(t.Workloads, ", "), t.Workloads[0])
	}
	if r.Workload == "" {
		r.Workload = t.Workloads[0]
	}
	w, err := r.Catalog.Workload(r.Workload)
	if err != nil {
		return Config{}, err
	}
	bt, err := measure.ParseBenchtime(r.Benchtime)
	if err != nil {
		return Config{}, err
	}
	o := Config{
		Toggle: t, Workload: w, Off: t.Apply(features.Set{}, false), On: t.Apply(features.Set{}, true),
		// The CPU profile is taken in the measured rounds, which both
		// sides carry alike; a pass tops it up only when it is short.
		Settings:    measure.Settings{Rounds: r.Rounds, Benchtime: bt, ProfileCPU: true},
		ProfileTime: r.ProfileTime, Top: r.Top, Command: "profile", TraceTime: r.TraceTime,
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
	f, err := report.ParseFormat(opts.Format)
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
