package measure

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// MaxProfileStretch bounds how far CaptureProfiles lengthens a CPU or wall
// pass that falls short of profiling.TargetSamples: at most this many times
// the operations ProfileOps gave.
const MaxProfileStretch = 2

// ProbeDivisor sizes the first part of a counted pass: n/ProbeDivisor
// operations, a probe of the kind's sample rate. A side whose probe
// already reaches profiling.TargetSamples stops there; the others go on
// for as many operations as the rate says the target needs. A probe of
// an eighth of the profile time holds enough samples (about 40 at the
// CPU profiler's 100 Hz on one core) to size the rest within a few
// parts, where a first half overshot the target on every rich kind.
const ProbeDivisor = 8

// maxParts bounds the parts (probe included) a pass is made of.
const maxParts = 4

// ProfileOps is how many operations fill d on one side, from that side's
// median ns/op in the measurement. Each side fills d, so the faster side
// runs more operations and its profile is as rich as the other's
// (profiling.Compare scales both to equal work before diffing).
func (r *Result) ProfileOps(d time.Duration, side stats.Side) int {
	nsOp := r.median(side, NsPerOp)
	if nsOp <= 0 {
		return 1
	}
	return max(1, int(float64(d.Nanoseconds())/nsOp))
}

// median is the median of one metric on one side, 0 without values.
func (r *Result) median(side stats.Side, metric string) float64 {
	v := r.Values(side, metric)
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// CaptureProfiles takes one profile of every kind of one side, each in a
// pass of its own, on one freshly opened instance; only the operations of
// the pass are profiled. A pass is sized by its samples, with n (the
// operations that fill the profile time) as the yardstick: it runs a
// probe of n/ProbeDivisor operations, stops there if they left
// profiling.TargetSamples samples, and otherwise continues on the same
// instance for as many more operations as the samples so far say the
// target needs (10 % over, for the estimate's own noise), again while
// still short (at most maxParts parts), the parts merged. CPU and wall passes may grow to
// MaxProfileStretch·n; a memory pass stops at n, since a side that hardly
// allocates has little to show however long it runs. A pass with no
// sample yet completes n and stops. A pass of a kind whose samples are not
// counted (profiling.Modelled: block and mutex, which record every event)
// runs n/2 and stops; block and mutex share that pass when the side's
// instance can take both at once (ContentionProfiler). A kind that profiling.Derive makes from
// another (heap and allocs: one memory pass) costs no pass of its own.
// Passes come after the measured rounds so the profilers never touch the
// numbers.
func (p *Pair) CaptureProfiles(ctx context.Context, side stats.Side, n int, progress func(Event)) (map[profiling.Kind]profiling.Run, error) {
	return p.CaptureProfilesFrom(ctx, side, n, nil, progress)
}

// CaptureProfilesFrom is CaptureProfiles with profiles the side already
// has (have, e.g. the CPU profile of its measured rounds, Result.RoundCPU):
// a kind in have needs no probe; it is kept as it is when it holds
// profiling.TargetSamples samples, or when it ran at least the operations
// a pass of its own may run (passBound: it then holds as many samples as
// such a pass could have given), and otherwise topped up by a pass sized
// from its own sample rate, the pass's operations bounded as a pass's are
// (MaxProfileStretch·n), and merged into it.
func (p *Pair) CaptureProfilesFrom(ctx context.Context, side stats.Side, n int, have map[profiling.Kind]profiling.Run, progress func(Event)) (map[profiling.Kind]profiling.Run, error) {
	set := profiling.Set{}
	runs := map[profiling.Kind]profiling.Run{}
	// The side's passes share one freshly opened, warmed-up instance, each
	// profiling only its own operations: opening one per pass cost a
	// workload build and a warm-up each (a route table or a cluster of
	// nodes, tens of milliseconds) and showed nothing more.
	var inst Instance
	instance := func() (Instance, error) {
		if inst == nil {
			i, err := p.open(ctx, side)
			if err != nil {
				return nil, err
			}
			inst = i
		}
		return inst, nil
	}
	defer func() {
		if inst != nil {
			inst.Close()
		}
	}()
	for _, k := range p.ProfileKinds() {
		if from, d := profiling.Derive(set, k); d != nil {
			set[k], runs[k] = d, profiling.Run{Profile: d, Ops: runs[from].Ops}
			continue
		}
		if _, done := runs[k]; done {
			continue
		}
		if k == profiling.Block && have[profiling.Block].Profile == nil && have[profiling.Mutex].Profile == nil {
			if progress != nil {
				progress(Event{Phase: "profile block+mutex", Side: side})
			}
			block, mutex, ok, err := p.contentionPass(ctx, instance, n)
			if err != nil {
				return nil, fmt.Errorf("profile block and mutex %s: %w", side, err)
			}
			if ok {
				set[profiling.Block], runs[profiling.Block] = block.Profile, block
				set[profiling.Mutex], runs[profiling.Mutex] = mutex.Profile, mutex
				continue
			}
		}
		seed, seeded := have[k]
		if seeded && (seed.Profile == nil || seed.Ops < 1) {
			seeded = false
		}
		if seeded && (!profiling.Modelled(k) || float64(profiling.SampleCount(seed.Profile, k)) >= profiling.TargetSamples || seed.Ops >= passBound(k, n)) {
			set[k], runs[k] = seed.Profile, seed
			continue
		}
		if progress != nil {
			progress(Event{Phase: "profile " + string(k), Side: side})
		}
		var run profiling.Run
		var err error
		if seeded {
			run, err = p.topUp(ctx, instance, k, n, seed)
		} else {
			run, err = p.profilePass(ctx, instance, k, n)
		}
		if err != nil {
			return nil, fmt.Errorf("profile %s %s: %w", k, side, err)
		}
		set[k], runs[k] = run.Profile, run
	}
	return runs, nil
}

// WithProfileKinds makes CaptureProfiles take only kinds (in Kinds
// order, unknown ones ignored): a caller that shows fewer kinds need not
// pay for the passes of the others. Heap and allocs share one pass, so
// asking for either costs the memory pass.
func (p *Pair) WithProfileKinds(kinds []profiling.Kind) *Pair {
	p.kinds = nil
	for _, k := range profiling.Kinds() {
		if slices.Contains(kinds, k) {
			p.kinds = append(p.kinds, k)
		}
	}
	return p
}

// ProfileKinds are the kinds CaptureProfiles takes, in Kinds order.
func (p *Pair) ProfileKinds() []profiling.Kind {
	if p.kinds == nil {
		return profiling.Kinds()
	}
	return p.kinds
}

func (p *Pair) profilePass(ctx context.Context, instance func() (Instance, error), k profiling.Kind, n int) (profiling.Run, error) {
	inst, err := instance()
	if err != nil {
		return profiling.Run{}, err
	}
	if !profiling.Modelled(k) {
		first := max(1, n/2)
		prof, err := inst.Profile(ctx, k, first)
		return profiling.Run{Profile: prof, Ops: int64(first)}, err
	}
	first := max(1, n/ProbeDivisor)
	prof, err := inst.Profile(ctx, k, first)
	if err != nil {
		return profiling.Run{}, err
	}
	return grow(ctx, inst, k, n, profiling.Run{Profile: prof, Ops: int64(first)}, 0, maxParts-1)
}

// contentionPass takes the block and the mutex profile of a side in one
// pass of n/2 operations (what each kind's own pass runs), when the side's
// instance can (ContentionProfiler); ok is false when it cannot.
func (p *Pair) contentionPass(ctx context.Context, instance func() (Instance, error), n int) (block, mutex profiling.Run, ok bool, err error) {
	inst, err := instance()
	if err != nil {
		return block, mutex, false, err
	}
	cp, ok := inst.(ContentionProfiler)
	if !ok {
		return block, mutex, false, nil
	}
	ops := max(1, n/2)
	b, m, err := cp.ProfileContention(ctx, ops)
	if err != nil {
		return block, mutex, false, err
	}
	return profiling.Run{Profile: b, Ops: int64(ops)}, profiling.Run{Profile: m, Ops: int64(ops)}, true, nil
}

// topUp continues a profile the side already has (seed) in a pass of its
// own, for as many operations as the seed's sample rate says the target
// needs.
func (p *Pair) topUp(ctx context.Context, instance func() (Instance, error), k profiling.Kind, n int, seed profiling.Run) (profiling.Run, error) {
	inst, err := instance()
	if err != nil {
		return profiling.Run{}, err
	}
	return grow(ctx, inst, k, n, seed, seed.Ops, maxParts-1)
}

// passBound is the most operations a pass of kind k with yardstick n
// runs: MaxProfileStretch·n for CPU and wall, n for the others.
func passBound(k profiling.Kind, n int) int64 {
	if k == profiling.CPU || k == profiling.Wall {
		return MaxProfileStretch * int64(n)
	}
	return int64(n)
}

// grow adds parts to run on inst while it is short of the kind's target
// (at most parts of them): each as many operations as the samples so far
// say are missing, 10 % over. The operations run here, beyond the base
// that run held before the pass, stay within the pass's bound: n for
// memory, MaxProfileStretch·n for CPU and wall.
func grow(ctx context.Context, inst Instance, k profiling.Kind, n int, run profiling.Run, base int64, parts int) (profiling.Run, error) {
	limit := base + passBound(k, n)
	want := 1.1 * profiling.TargetSamples
	for range parts {
		got := float64(profiling.SampleCount(run.Profile, k))
		if got >= profiling.TargetSamples || run.Ops >= limit {
			break
		}
		more := base + int64(n) - run.Ops // no sample yet: the rate is unknown
		if got > 0 {
			more = int64(math.Ceil(float64(run.Ops) * (want - got) / got))
		} else if more < 1 {
			break // a whole yardstick gave no sample: more would not either
		}
		more = max(1, min(limit-run.Ops, more))
		rest, err := inst.Profile(ctx, k, int(more))
		if err != nil {
			return profiling.Run{}, err
		}
		if run.Profile, err = profiling.Merge(run.Profile, rest); err != nil {
			return profiling.Run{}, err
		}
		run.Ops += more
	}
	return run, nil
}

// Profile profiles both sides after a measurement: each side's passes fill
// d (CaptureProfiles), then each kind's two profiles are made comparable,
// diffed and their top movers tested (profiling.Compare, keeping top). It
// returns the profiles as they are written — each kind's sides scaled to
// one operation count, and their diff — with what each kind rests on.
func (p *Pair) Profile(ctx context.Context, res *Result, d time.Duration, top int, progress func(Event)) (profiling.Sets, map[profiling.Kind]*profiling.Comparison, error) {
	var runs [2]map[profiling.Kind]profiling.Run
	for _, side := range stats.Sides() {
		have, err := res.RoundProfiles(side)
		if err != nil {
			return profiling.Sets{}, nil, err
		}
		if runs[side], err = p.CaptureProfilesFrom(ctx, side, res.ProfileOps(d, side), have, progress); err != nil {
			return profiling.Sets{}, nil, err
		}
	}
	return CompareProfiles(runs, top)
}

// CompareProfiles makes each kind's two captured profiles comparable,
// diffs them and tests their top movers (profiling.Compare, keeping top).
// The sides may come from different passes of identical configurations:
// profiling.Compare scales each to one operation count.
func CompareProfiles(runs [2]map[profiling.Kind]profiling.Run, top int) (profiling.Sets, map[profiling.Kind]*profiling.Comparison, error) {
	sets := profiling.Sets{Off: profiling.Set{}, On: profiling.Set{}, Diff: profiling.Set{}}
	cmps := map[profiling.Kind]*profiling.Comparison{}
	for _, k := range profiling.Kinds() {
		off, on := runs[stats.Off][k], runs[stats.On][k]
		if off.Profile == nil || on.Profile == nil {
			continue
		}
		c, err := profiling.Compare(off, on, top)
		if err != nil {
			return profiling.Sets{}, nil, fmt.Errorf("compare %s profiles: %w", k, err)
		}
		sets.Off[k], sets.On[k], sets.Diff[k] = c.OffProfile, c.OnProfile, c.Diff
		cmps[k] = c
	}
	return sets, cmps, nil
}
