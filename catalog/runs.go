package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Lookup resolves a workload name. Production code passes
// Catalog.Workload; tests pass their own registry.
type Lookup func(name string) (workloads.Workload, error)

// Kind says what a run of the suite is for.
type Kind string

const (
	// Primary: one toggle off vs on, on one of its primary workloads.
	Primary Kind = "primary"
	// Cumulative: every toggle off vs every toggle on, on the mixed workload.
	Cumulative Kind = "cumulative"
	// VersusSingle: one toggle alone (off side) vs every toggle (on side),
	// on the mixed workload. Six of them decide whether all-on is at least
	// as good as the best single toggle.
	VersusSingle Kind = "versus-single"
	// MemoryAllocated: bytes allocated per signal processed (dispatch-local
	// B/op), all off vs all on.
	MemoryAllocated Kind = "memory-allocated"
	// MemoryRetained: bytes retained per live queued signal, all off vs all on.
	MemoryRetained Kind = "memory-retained"
	// Cost: one toggle off vs on where it costs, judged by the budget the
	// toggle states there (toggles.Toggle.Costs).
	Cost Kind = "cost"
	// Control: one toggle off vs on on a workload that checks that a
	// primary criterion can fail (toggles.Toggle.Controls).
	Control Kind = "control"
	// View: one toggle off vs on on a wider, end-to-end workload reported
	// beside its primary ones (toggles.Toggle.Views).
	View Kind = "view"
	// Credit: one toggle off vs on with every other toggle on (or all but
	// some), judged by the toggle's own criteria, so that it is not
	// credited with another toggle's work (toggles.Toggle.Credit).
	Credit Kind = "credit"
)

// Group names that --opt accepts besides toggle names.
const (
	GroupAll    = "all"    // the cumulative and all-vs-single runs on mixed
	GroupMemory = "memory" // the memory-per-signal runs
)

// MixedWorkload is where the toggles are combined.
const MixedWorkload = "mixed"

// memoryAllocatedWorkload is where bytes allocated per signal are measured.
const memoryAllocatedWorkload = "dispatch-local"

// Run is one off/on measurement of the suite.
type Run struct {
	// ID is unique in a suite and path-like: "zerocopy/signal-pass/map-64",
	// "all/mixed", "all-vs-jit/mixed", "memory/signal-memory",
	// "batching-over-others-but-fastpath/batch-throughput".
	ID string `json:"id"`
	// Opt is the first path element of ID: a toggle name, "all",
	// "all-vs-<toggle>", "<toggle>-over-others[-but-<toggles>]" or "memory".
	Opt      string       `json:"opt"`
	Workload string       `json:"workload"`
	Kind     Kind         `json:"kind"`
	Off      features.Set `json:"-"`
	On       features.Set `json:"-"`
	// Toggle is the toggle a Primary, Cost, Control or Credit run
	// switches, or the single toggle on the off side of a VersusSingle run.
	Toggle string `json:"toggle,omitempty"`
}

// MarshalJSON spells the two sides as features.Set.String does.
func (r Run) MarshalJSON() ([]byte, error) {
	type plain Run
	return json.Marshal(struct {
		plain
		Off string `json:"off"`
		On  string `json:"on"`
	}{plain(r), r.Off.String(), r.On.String()})
}

func newRun(opt, workload string, kind Kind, off, on features.Set, toggle string) Run {
	return Run{ID: opt + "/" + workload, Opt: opt, Workload: workload, Kind: kind, Off: off, On: on, Toggle: toggle}
}

// Plan lists the runs of the suite for the given toggles, in the order
// they run: each toggle on its primary workloads, its controls, its
// end-to-end views, its credit
// runs (off vs on with the others on) and its cost workloads; then all
// toggles on vs all off on mixed, then all on vs each single toggle on
// mixed, then the memory-per-signal runs.
//
// only restricts the suite to some toggles (all their runs) and the groups
// "all" and "memory"; empty means everything. An unknown name is an error
// that lists the valid ones. lookup finds the groups' workloads: a group
// whose workloads it lacks (a table of one's own without the runtime's
// mixed blend) is not offered.
func Plan(ts []toggles.Toggle, only []string, lookup Lookup) ([]Run, error) {
	valid := []string{}
	for _, t := range ts {
		valid = append(valid, t.Name)
	}
	mixed, errMixed := lookup(MixedWorkload)
	hasAll := errMixed == nil
	_, errAlloc := lookup(memoryAllocatedWorkload)
	_, errRetained := lookup(workloads.SignalMemoryName)
	hasMemory := errAlloc == nil && errRetained == nil
	if hasAll {
		valid = append(valid, GroupAll)
	}
	if hasMemory {
		valid = append(valid, GroupMemory)
	}
	want := map[string]bool{}
	for _, n := range only {
		for _, part := range strings.Split(n, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !slices.Contains(valid, part) {
				return nil, fmt.Errorf("unknown --opt %q (valid: %s)", part, strings.Join(valid, ", "))
			}
			want[part] = true
		}
	}
	sel := func(name string) bool { return len(want) == 0 || want[name] }

	var runs []Run
	none, all := features.Set{}, features.Set{}
	for _, t := range ts {
		all = t.Apply(all, true)
	}
	for _, t := range ts {
		if !sel(t.Name) {
			continue
		}
		on := t.Apply(none, true)
		for _, w := range t.Workloads {
			runs = append(runs, newRun(t.Name, w, Primary, none, on, t.Name))
		}
		for _, u := range t.Controls {
			runs = append(runs, newRun(t.Name, u.Workload, Control, none, on, t.Name))
		}
		for _, u := range t.Views {
			runs = append(runs, newRun(t.Name, u.Workload, View, none, on, t.Name))
		}
		for _, without := range t.Credit {
			others, opt := all, t.Name+"-over-others"
			if len(without) > 0 {
				opt += "-but-" + strings.Join(without, "-")
			}
			for _, name := range without {
				var err error
				if others, err = others.With(name, false); err != nil {
					return nil, fmt.Errorf("toggle %s: credit: %w", t.Name, err)
				}
			}
			if len(t.Workloads) > 0 {
				runs = append(runs, newRun(opt, t.Workloads[0], Credit, t.Apply(others, false), t.Apply(others, true), t.Name))
			}
		}
		for _, u := range t.Costs {
			runs = append(runs, newRun(t.Name, u.Workload, Cost, none, on, t.Name))
		}
	}
	if hasAll && sel(GroupAll) && len(ts) > 0 {
		runs = append(runs, newRun(GroupAll, MixedWorkload, Cumulative, none, all, ""))
		for _, t := range ts {
			// All-vs-one is only meaningful for a toggle the blend exercises:
			// the cross-node ones never run in it.
			if !slices.Contains(mixed.Toggles, t.Name) {
				continue
			}
			runs = append(runs, newRun(GroupAll+"-vs-"+t.Name, MixedWorkload, VersusSingle, t.Apply(none, true), all, t.Name))
		}
	}
	if hasMemory && sel(GroupMemory) {
		runs = append(runs,
			newRun(GroupMemory, memoryAllocatedWorkload, MemoryAllocated, none, all, ""),
			newRun(GroupMemory, workloads.SignalMemoryName, MemoryRetained, none, all, ""))
	}
	return runs, nil
}

// Preset is a named set of suite settings.
type Preset struct {
	Name        string
	Rounds      int               // per side
	Benchtime   measure.Benchtime // per round
	ProfileTime time.Duration     // per profiling pass (bench only)
}

// Quick fits the whole suite, profiles included, in about two minutes on a
// 2-core machine (2m16s measured for 26 runs on a loaded one): 10 rounds
// (enough for a 95 % CI) of 50 ms.
func Quick() Preset {
	return Preset{Name: "quick", Rounds: 10, Benchtime: measure.Benchtime{D: 50 * time.Millisecond}, ProfileTime: 100 * time.Millisecond}
}

// Full takes more and longer rounds for tighter intervals. With 30 runs
// it took 6 m 43 s on a 2-core machine, past the plan's five minutes for
// the whole suite; the quick preset (1 m 54 s) is the one within it.
func Full() Preset {
	return Preset{Name: "full", Rounds: 20, Benchtime: measure.Benchtime{D: 150 * time.Millisecond}, ProfileTime: 300 * time.Millisecond}
}

// Settings is the measurement part of the preset.
func (p Preset) Settings() measure.Settings {
	return measure.Settings{Rounds: p.Rounds, Benchtime: p.Benchtime}
}

// Result is one finished run.
type Result struct {
	Run         Run                `json:"run"`
	Measurement *measure.Result    `json:"measurement"`
	Comparisons []stats.Comparison `json:"comparisons"`
	Elapsed     time.Duration      `json:"-"`
	// Stopped says why the run ended before its planned rounds ("" when
	// it did not): its criteria are then INCONCLUSIVE, never judged on
	// less evidence than planned.
	Stopped string `json:"-"`
}

// Comparison finds one metric's comparison.
func (r Result) Comparison(metric string) (stats.Comparison, bool) {
	for _, c := range r.Comparisons {
		if c.Metric.Name == metric {
			return c, true
		}
	}
	return stats.Comparison{}, false
}

// Measure builds the run's workload on both sides and measures it in
// alternating rounds; it takes no profiles.
func Measure(ctx context.Context, r Run, lookup Lookup, s measure.Settings, progress func(measure.Event)) (Result, error) {
	start := time.Now()
	w, err := lookup(r.Workload)
	if err != nil {
		return Result{}, err
	}
	res, err := measure.NewLocalPair(w, r.Off, r.On).Measure(ctx, s, progress)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", r.ID, err)
	}
	return Result{Run: r, Measurement: res, Comparisons: res.Compare(), Elapsed: time.Since(start)}, nil
}

// ParseSet reads features.Set.String back: "none" or names joined by "+".
func ParseSet(s string) (features.Set, error) {
	var set features.Set
	if s == "none" {
		return set, nil
	}
	if s == "" {
		return set, fmt.Errorf("empty feature set (want \"none\" or names joined by +, e.g. jit+caching)")
	}
	for _, n := range strings.Split(s, "+") {
		var err error
		if set, err = set.With(n, true); err != nil {
			return features.Set{}, err
		}
	}
	return set, nil
}

// PresetRequest is the preset flags and --opt as the user gave them.
type PresetRequest struct {
	Quick, Full    bool
	Rounds         int
	RoundsSet      bool
	Benchtime      string // "" keeps the preset's
	ProfileTime    time.Duration
	ProfileTimeSet bool
	MinRounds      int      // the least the command can judge with
	Opts           []string // --opt: the runs to select (all when empty)
}

// Resolve settles the preset and selects the runs of Opts with their
// workloads (see Select): all a suite command needs before anything runs.
// Every error is about the input.
func (r PresetRequest) Resolve(ts []toggles.Toggle, lookup Lookup) (Preset, []Run, map[string]workloads.Workload, error) {
	p, err := r.Preset()
	if err != nil {
		return p, nil, nil, err
	}
	runs, ws, err := Select(ts, r.Opts, lookup)
	return p, runs, ws, err
}

// Preset picks quick (the default) or full and applies the overrides. Every
// error is about the input.
func (r PresetRequest) Preset() (Preset, error) {
	if r.Quick && r.Full {
		return Preset{}, fmt.Errorf("--quick and --full exclude each other")
	}
	p := Quick()
	if r.Full {
		p = Full()
	}
	if r.RoundsSet {
		p.Rounds = r.Rounds
	}
	if r.Benchtime != "" {
		bt, err := measure.ParseBenchtime(r.Benchtime)
		if err != nil {
			return Preset{}, err
		}
		p.Benchtime = bt
	}
	if err := measure.CheckRounds(p.Rounds, max(r.MinRounds, measure.MinRounds)); err != nil {
		return Preset{}, err
	}
	if err := p.Settings().Validate(); err != nil {
		return Preset{}, err
	}
	if r.ProfileTimeSet {
		if err := measure.CheckProfileTime(r.ProfileTime); err != nil {
			return Preset{}, err
		}
		p.ProfileTime = r.ProfileTime
	}
	return p, nil
}

// Select plans the runs --opt names (every run when opts is empty) and
// resolves every workload before anything runs, so that a bad name fails
// with nothing measured. Every error is about the input.
func Select(ts []toggles.Toggle, opts []string, lookup Lookup) ([]Run, map[string]workloads.Workload, error) {
	runs, err := Plan(ts, opts, lookup)
	if err != nil {
		return nil, nil, err
	}
	if len(runs) == 0 {
		return nil, nil, fmt.Errorf("nothing to run: no toggle has a primary workload")
	}
	ws := map[string]workloads.Workload{}
	for _, r := range runs {
		w, err := lookup(r.Workload)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
		ws[r.Workload] = w
	}
	return runs, ws, nil
}
