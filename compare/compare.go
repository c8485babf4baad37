// Package compare is the work behind `perfbench compare`: it builds
// perfbench at two git refs (or the working tree), runs both builds as
// worker processes through the engine's side interface, interleaved in ABBA
// order, and judges every metric on the paired round-by-round ratios of
// head to base against the gate's tolerance. It writes the run directory
// (results.json, summary.md, base→head pprof diffs) all-or-nothing and says
// whether head regressed.
package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/worker"
)

// Defaults and limits of the settings (every knob has a maximum).
//
// A round is 50 ms, though shorter ones finish sooner: each round-side
// costs about 24 ms beyond its work, and most of a round's spread is the
// host's, not its length's (sd of log ns/op per round pair over
// whole-suite A/A compares: 0.142 at 25 ms, 0.132 at 30 ms, 0.124 at
// 50 ms), so the whole suite took 113–128 s at 25–30 ms and 162–189 s at
// 50 ms. But batch-throughput, whose rounds keep both cores busy, reads
// apart enough at 30 ms that the family A/A of scripts/gate-power.sh was
// bad in 5 of 20 compares (its goal is at most 1), against 0 of 20 at
// 50 ms in the same hour; see the README.
const (
	DefaultRounds      = 20
	DefaultBenchtime   = "50ms"
	DefaultProfileTime = 100 * time.Millisecond
	MaxRounds          = measure.MaxRounds
	MaxBenchtime       = 10 * time.Second
	MaxBenchtimeCount  = 1_000_000_000 // operations per round
	MaxProfileTime     = 10 * time.Second
)

// Request is a compare command as the user gave it.
type Request struct {
	Base, Head         string // Head "" is the working tree as it is
	Opts, Workloads    []string
	Rounds             int
	Benchtime          string
	ProfileTime        time.Duration
	TagsBase, TagsHead string
	Out                string
	Dir                string // the perfbench module directory ("." normally)
	// Timing is --max-time (split across the cases) and --trace-time.
	Timing timing.Request
}

// Plan is a validated request: the cases to measure and how.
type Plan struct {
	Request
	Settings measure.Settings
	Runs     []catalog.Run
	Cases    []Case
	Build    Builder // GoBuild unless a test says otherwise
	// Cache keeps built commits between runs (nil: build every time);
	// buildcache.Default unless a test says otherwise.
	Cache  *buildcache.Cache
	Stderr io.Writer // progress and the workers' stderr
	// MaxTime is the budget of the cases' measuring, split across them
	// (0: none); TraceTime prints each case's time breakdown on Stderr.
	MaxTime   time.Duration
	TraceTime bool
	// Env is added to every worker's environment (tests only).
	Env []string
}

// Case is one workload under one feature set, measured on both builds.
// Runs of the suite that share a side share its case.
type Case struct {
	results.CompareCase
	metrics []stats.Metric
	minOps  int // the workload's MinOps: the fewest operations a round may have
	set     features.Set
}

// Plan validates the request against the given registries. Every error
// is about the input and names what is valid.
func (r Request) Plan(ts []toggles.Toggle, lookup catalog.Lookup) (Plan, error) {
	cache, err := buildcache.Default(os.Getenv)
	if err != nil {
		return Plan{Request: r}, err
	}
	o := Plan{Request: r, Build: GoBuild, Cache: cache}
	if r.Base == "" {
		return o, errors.New("--base is required: a git ref (commit, branch, tag, HEAD~1 …) to compare against")
	}
	if r.Rounds < stats.MinSamplesForCI || r.Rounds > MaxRounds {
		return o, fmt.Errorf("invalid --rounds %d: want %d to %d round pairs (%d for a 95 %% CI of the paired ratio)",
			r.Rounds, stats.MinSamplesForCI, MaxRounds, stats.MinSamplesForCI)
	}
	bt, err := measure.ParseBenchtime(r.Benchtime)
	if err != nil {
		return o, err
	}
	if bt.D > MaxBenchtime || bt.N > MaxBenchtimeCount {
		return o, fmt.Errorf("invalid --benchtime %s: at most %s or %dx", bt, MaxBenchtime, MaxBenchtimeCount)
	}
	if r.ProfileTime <= 0 || r.ProfileTime > MaxProfileTime {
		return o, fmt.Errorf("invalid --profile-time %s: want a positive duration up to %s", r.ProfileTime, MaxProfileTime)
	}
	if o.MaxTime, err = r.Timing.Budget(); err != nil {
		return o, err
	}
	o.TraceTime = r.Timing.Trace
	o.Settings = measure.Settings{Rounds: r.Rounds, Benchtime: bt, Decided: Decided}
	runs, _, err := catalog.Select(ts, r.Opts, lookup)
	if err != nil {
		return o, err
	}
	if len(r.Workloads) > 0 {
		have := map[string]bool{}
		var kept []catalog.Run
		for _, run := range runs {
			have[run.Workload] = true
		}
		want := map[string]bool{}
		for _, w := range splitList(r.Workloads) {
			if _, err := lookup(w); err != nil {
				return o, err
			}
			if !have[w] {
				return o, fmt.Errorf("no selected run uses workload %q (the runs selected by --opt use: %s)", w, strings.Join(sortedKeys(have), ", "))
			}
			want[w] = true
		}
		for _, run := range runs {
			if want[run.Workload] {
				kept = append(kept, run)
			}
		}
		runs = kept
	}
	o.Runs = runs
	byID := map[string]int{}
	for _, run := range runs {
		w, err := lookup(run.Workload)
		if err != nil {
			return o, err
		}
		for _, set := range []features.Set{run.Off, run.On} {
			id := run.Workload + "@" + set.String()
			if i, ok := byID[id]; ok {
				if !slices.Contains(o.Cases[i].Runs, run.ID) {
					o.Cases[i].Runs = append(o.Cases[i].Runs, run.ID)
				}
				continue
			}
			byID[id] = len(o.Cases)
			o.Cases = append(o.Cases, Case{CompareCase: results.CompareCase{ID: id, Workload: run.Workload, Features: set.String(), Runs: []string{run.ID}}, metrics: w.Metrics, minOps: w.MinOps, set: set})
		}
	}
	return o, nil
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// CaseResult is one case measured and judged.
type CaseResult struct {
	Case
	Measurement *measure.Result    `json:"measurement"` // Off is base, On is head
	Comparisons []stats.Comparison `json:"comparisons"`
	// Verdicts judge each comparison (see Judge), in the same order.
	Verdicts []verdict.Verdict `json:"verdicts"`
	// Regressions are the gated metrics whose whole 95 % CI of the
	// head/base ratio is worse than their tolerance: the FAIL verdicts.
	Regressions []string       `json:"regressions,omitempty"`
	Profiles    profiling.Sets `json:"-"` // Off base, On head, Diff head − base
	// Timing is the case's rounds used and where its time went.
	Timing  timing.Record `json:"-"`
	Elapsed time.Duration `json:"-"`
}

// Outcome is a finished compare, held in memory until written.
type Outcome struct {
	Plan  Plan
	Env   machine.Env
	Base  Build
	Head  Build
	Cases []CaseResult
	// Skipped are the selected cases one build cannot run: its workload
	// or a toggle is new in head, or gone from it.
	Skipped []Skipped
	Elapsed time.Duration
	Created time.Time
}

// Regressions lists "case: metric" for every regression.
func (o *Outcome) Regressions() []string {
	var out []string
	for _, c := range o.Cases {
		for _, m := range c.Regressions {
			out = append(out, c.ID+": "+m)
		}
	}
	return out
}

// Failed names the regressions as an error message, or "" when head did
// not regress.
func (o *Outcome) Failed() string {
	if regs := o.Regressions(); len(regs) > 0 {
		return fmt.Sprintf("%d regression(s) of head against base", len(regs))
	}
	return ""
}

// Tolerance is the band a metric's change is judged against, and whether
// a Worse verdict is a regression: the gate's tolerance (10 % for time,
// 2 % for allocations) for gated metrics, the noise band for the others.
func Tolerance(m stats.Metric) (band float64, gated bool) {
	tol, gated := baseline.DefaultTolerances().For(m)
	if !gated {
		return m.Noise, false
	}
	return tol, true
}

// Judge gives the verdict on one metric of case caseID: FAIL when the
// metric is gated and its whole 95 % CI of head/base is worse than its
// tolerance, PASS when it is gated and not, INFO for a metric outside the
// gate (judged against its noise band, shown, never a regression), and
// INCONCLUSIVE when the rounds could not bound the change.
func Judge(caseID string, cmp stats.Comparison) verdict.Verdict {
	band, gated := Tolerance(cmp.Metric)
	v := verdict.Verdict{
		Criterion: fmt.Sprintf("%s of head no worse than base beyond %s", cmp.Metric.Name, numfmt.Pct(band*100)),
		Source:    "compare", Scope: caseID, Metric: cmp.Metric.Name, Target: band * 100, Unit: "%",
		Estimate: cmp.DeltaPct, P: verdict.PValue(cmp.P), Measured: fmt.Sprintf("%+.1f %%", cmp.DeltaPct),
		Status: verdict.Pass, Reason: cmp.Note,
	}
	if cmp.DeltaLoPct != cmp.DeltaPct || cmp.DeltaHiPct != cmp.DeltaPct {
		v.CI = &verdict.Interval{Lo: cmp.DeltaLoPct, Hi: cmp.DeltaHiPct}
	}
	switch {
	case !gated:
		v.Criterion = cmp.Metric.Name + " shown against its noise band, not gated"
		v.Status = verdict.Info
	case cmp.Change == stats.Unknown:
		v.Status = verdict.Inconclusive
	case cmp.Change == stats.Worse:
		v.Status = verdict.Fail
	}
	return v
}

// Measure builds both sides and measures every case. It writes nothing but
// temporary files, which it removes on every path, cancellation included.
func Measure(ctx context.Context, o Plan) (out *Outcome, err error) {
	start := time.Now()
	stderr := o.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	r, err := openRepo(ctx, o.Dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := r.remove(); rerr != nil && err == nil {
			err = fmt.Errorf("remove temporary worktrees: %w", rerr)
		}
	}()
	out = &Outcome{Plan: o, Env: machine.Current()}
	head := o.Head
	if head == "" {
		head = "the working tree"
	}
	bd := builder{run: o.Build, cache: o.Cache}
	if o.Cache != nil {
		if bd.toolchain, err = Toolchain(ctx); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(stderr, "perfbench compare: building base %s and head %s\n", o.Base, head)
	var cached [2]bool
	if out.Base, out.Head, cached, err = r.buildBoth(ctx, bd, o); err != nil {
		return nil, err
	}
	for i, b := range []Build{out.Base, out.Head} {
		if cached[i] {
			fmt.Fprintf(stderr, "perfbench compare: %s: %s from the build cache %s\n", []string{"base", "head"}[i], b.Label(), o.Cache.Dir)
		}
	}
	// The rounds carry the CPU profiler when both workers can take it
	// (measure.Settings.ProfileCPU), so no CPU pass follows them, and warm
	// up without a collection first when both can (FreshWarmUp); an older
	// build's worker cannot, and both sides must run alike.
	profileRounds, freshWarm := true, true
	for _, b := range []*Build{&out.Base, &out.Head} {
		h, err := worker.Probe(ctx, b.Bin, o.Env)
		if err != nil {
			if errors.Is(err, worker.ErrNotWorker) {
				return nil, cmderr.BadInputf("%s cannot be compared: %w", b.Label(), err)
			}
			return nil, err
		}
		b.Go = h.GoVersion
		if !h.Can(worker.CapRunProfiled) {
			profileRounds = false
			fmt.Fprintf(stderr, "perfbench compare: %s cannot profile its measured rounds (a build from before that): each case takes a CPU profiling pass per side after its rounds\n", b.Label())
		}
		if !h.Can(worker.CapWarm) {
			freshWarm = false
			fmt.Fprintf(stderr, "perfbench compare: %s cannot warm up without measuring (a build from before that): every warm-up of both sides starts with a collection\n", b.Label())
		}
	}
	if out.Base.Go != out.Head.Go {
		return nil, fmt.Errorf("the builds run on different Go versions (base %s, head %s): their numbers are not comparable", out.Base.Go, out.Head.Go)
	}
	baseKnows, err := knownOf(ctx, "base", out.Base, o.Env)
	if err != nil {
		return nil, err
	}
	headKnows, err := knownOf(ctx, "head", out.Head, o.Env)
	if err != nil {
		return nil, err
	}
	cases, skipped := runnable(o.Cases, baseKnows, headKnows)
	out.Skipped = skipped
	for _, line := range skippedLines(skipped) {
		fmt.Fprintf(stderr, "perfbench compare: %s\n", line)
	}
	if len(cases) == 0 {
		return nil, cmderr.BadInputf("none of the %d selected cases runs on both builds (%s): select a workload and toggles both base and head know (see `perfbench list` at each ref)",
			len(o.Cases), strings.Join(skippedLines(skipped), "; "))
	}
	// Every case costs about the same (same rounds, benchtime and
	// profile time), so each gets an equal part of what is left; a case
	// that stops early leaves its saving to the ones after it.
	settings := o.Settings
	settings.ProfileCPU, settings.FreshWarmUp = profileRounds, freshWarm
	measuring := time.Now()
	costs := make([]time.Duration, len(cases))
	for i := range costs {
		costs[i] = caseEstimate(o)
	}
	for i, c := range cases {
		fmt.Fprintf(stderr, "perfbench compare: [%d/%d] %s: base vs head, up to %d rounds each, ABBA\n", i+1, len(cases), c.ID, o.Settings.Rounds)
		share := time.Duration(-1)
		if o.MaxTime > 0 {
			share = timing.Share(o.MaxTime-time.Since(measuring), costs, i)
		}
		cr, err := measureCase(ctx, o, out.Base, out.Head, c, share, settings, stderr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.ID, err)
		}
		out.Cases = append(out.Cases, cr)
	}
	if o.TraceTime {
		fmt.Fprintln(stderr, out.TraceTable())
		fmt.Fprintf(stderr, "perfbench compare: before the cases, %s (builds, worker probes, what each build knows)\n",
			measuring.Sub(start).Round(time.Millisecond))
	}
	out.Elapsed = time.Since(start)
	out.Created = time.Now().UTC()
	return out, nil
}

// workerStart is what opening a side costs beyond its work: a worker
// process started and its workload built, for the budget's split only.
const workerStart = 50 * time.Millisecond

// caseEstimate is what one case is expected to take at most: calibration,
// every round pair, and the CPU profiling pass of each side.
func caseEstimate(o Plan) time.Duration {
	round := workerStart + o.Settings.Benchtime.D*11/10
	return 2*(workerStart+3*o.Settings.Benchtime.D) + time.Duration(2*o.Settings.Rounds)*round + profileReserve(o)
}

// profileReserve is the part of a case's share kept for its profiling
// passes (a CPU pass per side may stretch to twice the profile time).
func profileReserve(o Plan) time.Duration {
	return 2 * (workerStart + measure.MaxProfileStretch*o.ProfileTime)
}

// phaseOf is the timing phase a measure event starts.
func phaseOf(e measure.Event) string {
	if e.Phase == "round" {
		return timing.Rounds
	}
	return e.Phase
}

// measureCase measures one case, judges it and profiles it. With a share
// of the budget (share ≥ 0; -1 for none), its rounds may run until the share less the
// profiling reserve; a case stopped there is judged INCONCLUSIVE on every
// gated metric, whatever its rounds show, and takes no profiles. settings
// are o.Settings as both builds can run them: with ProfileCPU, every
// measured round of both sides is CPU-profiled, and those profiles seed
// the CPU profile of each side.
func measureCase(ctx context.Context, o Plan, base, head Build, c Case, share time.Duration, settings measure.Settings, stderr io.Writer) (CaseResult, error) {
	start := time.Now()
	side := func(b Build, name string) worker.Target {
		return worker.Target{Bin: b.Bin, Name: name, Workload: c.Workload, Features: c.set, Stderr: stderr, Env: o.Env,
			Spares: new(worker.Spares)}
	}
	rec := timing.NewRecorder(nil)
	event := func(e measure.Event) { rec.Mark(phaseOf(e), e.Side.String()) }
	// Both sides start every round alike: each round is a worker process
	// of its own (the pair opens a fresh instance per round; the engine
	// starts the next one's process, and lets the last one exit, while a
	// side opens and warms up, never during a measured run), and EqualOps
	// gives both the same warm-up and operation count, on which per-op
	// allocations and GC figures depend.
	pair := measure.NewPair(c.ID, c.metrics, c.minOps, side(base, "base"), side(head, "head")).EqualOps()
	if share >= 0 {
		settings.Deadline = start.Add(share - profileReserve(o))
	}
	res, err := pair.Measure(ctx, settings, event)
	if err != nil {
		return CaseResult{}, err
	}
	cr := CaseResult{Case: c, Measurement: res, Timing: timing.Record{RoundsUsed: res.RoundsUsed}}
	if share >= 0 {
		cr.Timing.Budget = share.Round(time.Millisecond).String()
	}
	cr.Comparisons = res.CompareWithin(func(m stats.Metric) float64 { b, _ := Tolerance(m); return b })
	if res.Stopped {
		cr.Timing.Stopped = fmt.Sprintf("budget reached after %d of %d rounds", res.RoundsUsed, res.Rounds)
	}
	for _, cmp := range cr.Comparisons {
		v := Judge(c.ID, cmp)
		if res.Stopped && v.Status != verdict.Info {
			v.Status = verdict.Inconclusive
			v.Reason = fmt.Sprintf("the case's time budget ran out after %d of %d round pairs: not judged on partial evidence", res.RoundsUsed, res.Rounds)
		}
		cr.Verdicts = append(cr.Verdicts, v)
		if v.Status == verdict.Fail {
			cr.Regressions = append(cr.Regressions, cmp.Metric.Name)
		}
	}
	// The outputs show the CPU profiles of every case (its pprof hint and
	// flame graph) and the other kinds only where head regressed. A case
	// out of budget takes none: its share is spent.
	if !res.Stopped {
		if len(cr.Regressions) == 0 {
			pair.WithProfileKinds([]profiling.Kind{profiling.CPU})
		}
		if cr.Profiles, _, err = pair.Profile(ctx, res, o.ProfileTime, 0, event); err != nil {
			return cr, err
		}
	}
	rec.Stop()
	cr.Timing.Time = rec.Breakdown()
	cr.Elapsed = time.Since(start)
	return cr, nil
}
