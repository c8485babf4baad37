// Package measure is the engine between workloads and reports. It reaches
// each side of a comparison through a Target (in this process, or a worker
// process built from another commit), calibrates and warms both up, then runs
// them in interleaved rounds in ABBA order — off, on, on, off … — so that
// drift on a shared machine hits both sides alike and each round pairs an
// off with an on run taken back to back, and records per round the time, CPU,
// allocation and GC figures each side measured with its workload's own
// metrics. Profiles are taken by CaptureProfiles in passes of their own,
// after the rounds; the one exception is the CPU profile, which
// Settings.ProfileCPU takes during every measured round of both sides
// alike, so that its cost is paid by both sides of each paired ratio.
package measure

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

// Rounds limits: a p-value needs 4 per side, a 95 % CI 6; fewer than
// MinRounds cannot compare anything.
const (
	MinRounds     = 2
	DefaultRounds = 10
	CIRounds      = 6
)

// Settings control one measurement.
type Settings struct {
	Rounds    int       `json:"rounds"` // per side: the most a run takes
	Benchtime Benchtime `json:"-"`
	// Decided, if set, makes the rounds sequential: at each look of
	// stats.SequentialDesign(Rounds, stats.Alpha) that can stop, it is
	// given the rounds so far (judged at the look's level by
	// Result.Compare) and the run ends when it returns true. Without it
	// every run takes Rounds pairs and is judged at stats.Confidence.
	Decided func(interim *Result) bool `json:"-"`
	// Deadline, if set, is when the run's share of a time budget ends:
	// Measure starts no ABBA block of two rounds that its clock says would
	// end past it (see Measure), and stops with the rounds it had.
	Deadline time.Time `json:"-"`
	// Now is the clock Deadline is read on (time.Now when nil).
	Now func() time.Time `json:"-"`
	// ProfileCPU takes a CPU profile of every measured round of both
	// sides (Result.RoundProfiles), so that no pass of its own is needed
	// for it. Every round of both sides carries the profiler, in the same
	// ABBA order: its cost per CPU-second is the same on both sides, and
	// a paired ratio of two profiled rounds is the ratio of two unprofiled
	// ones. Calibration runs unprofiled, as do the rounds of a run
	// without it.
	ProfileCPU bool `json:"-"`
	// FreshWarmUp runs the warm-up of every measured round as Warmer.Warm:
	// its operations alone, with no collection before them. It is for
	// sides whose every round is a fresh process (compare's workers):
	// there, the collection Run starts with frees only what building the
	// instance left, and pays the process's first GC (~5 ms on a 2-core
	// machine); without it a warm-up took 12.2 ms, not 15.4, about 3 % of
	// a whole-suite compare. The collection before the measured run
	// stays, so the run starts from a collected heap as before, with the
	// pools the warm-up filled in the victim cache. Both sides must warm
	// up alike: compare sets it only when both builds' workers can
	// (worker.CapWarm).
	FreshWarmUp bool `json:"-"`
}

// clock is s.Now, or time.Now.
func (s Settings) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// BudgetReached says whether the budget of s (if any) has run out.
func (s Settings) BudgetReached() bool {
	return !s.Deadline.IsZero() && !s.clock().Before(s.Deadline)
}

// Validate rejects settings that cannot produce a comparison.
func (s Settings) Validate() error {
	if err := CheckRounds(s.Rounds, MinRounds); err != nil {
		return err
	}
	if _, err := ParseBenchtime(s.Benchtime.String()); err != nil {
		return fmt.Errorf("invalid benchtime %s: want a positive duration of at most %s or a count of at most %dx", s.Benchtime, MaxBenchtime, MaxBenchtimeCount)
	}
	return nil
}

// Round is one measured run of one side.
type Round struct {
	Side   stats.Side         `json:"side"`
	Index  int                `json:"index"`
	Ops    int                `json:"ops"`
	Values map[string]float64 `json:"values"`
}

// Result is everything one measurement produced.
type Result struct {
	Workload  string         `json:"workload"`
	Off       string         `json:"off"` // Target.String of each side
	On        string         `json:"on"`
	Rounds    int            `json:"rounds"`
	Benchtime string         `json:"benchtime"`
	Metrics   []stats.Metric `json:"metrics"`
	Samples   []Round        `json:"samples"`
	// RoundsUsed is the round pairs measured: Rounds, or fewer when a
	// sequential run stopped at a look or its
	// time budget ran out (Stopped).
	RoundsUsed int `json:"rounds_used"`
	// Look is the sequential look the run ended at, whose level every
	// interval of Compare takes; nil for a fixed-size run (stats.Confidence).
	Look    *stats.Look `json:"look,omitempty"`
	Stopped bool        `json:"-"`
	// roundCPU is each side's CPU profile of its measured rounds, merged,
	// with the operations they ran (Settings.ProfileCPU), kept encoded:
	// a suite holds the results of runs measured together (a Group) until
	// each run's turn, and parsed profiles are megabytes of live heap,
	// which the GC paces itself by, so that every run measured meanwhile
	// would count fewer collections per op.
	roundCPU [2]keptRun
}

// keptRun is a profile of some operations, held encoded.
type keptRun struct {
	data []byte
	ops  int64
}

// keep encodes a profile to be held (gzipped protobuf, as written to disk).
func keep(p *profile.Profile) ([]byte, error) {
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// mergeKept parses and merges profiles held encoded, and encodes the
// merge.
func mergeKept(kept [][]byte) ([]byte, error) {
	parsed := make([]*profile.Profile, 0, len(kept))
	for i, b := range kept {
		p, err := profile.ParseData(b)
		if err != nil {
			return nil, fmt.Errorf("profile %d: %w", i+1, err)
		}
		parsed = append(parsed, p)
	}
	merged, err := profile.Merge(parsed)
	if err != nil {
		return nil, err
	}
	return keep(merged)
}

// RoundProfiles is what a side's measured rounds were profiled for (the
// CPU profile of all of them, merged: Settings.ProfileCPU), nil when they
// were not.
func (r *Result) RoundProfiles(side stats.Side) (map[profiling.Kind]profiling.Run, error) {
	if r == nil || r.roundCPU[side].data == nil {
		return nil, nil
	}
	p, err := profile.ParseData(r.roundCPU[side].data)
	if err != nil {
		return nil, fmt.Errorf("the %s side's round profile: %w", side, err)
	}
	return map[profiling.Kind]profiling.Run{profiling.CPU: {Profile: p, Ops: r.roundCPU[side].ops}}, nil
}

// ReleaseRoundProfiles lets go of the round profiles once they are used.
func (r *Result) ReleaseRoundProfiles() {
	if r != nil {
		r.roundCPU = [2]keptRun{}
	}
}

// Values returns one metric's per-round values for a side, in round order.
func (r *Result) Values(side stats.Side, metric string) []float64 {
	var out []float64
	for _, s := range r.Samples {
		if v, ok := s.Values[metric]; ok && s.Side == side {
			out = append(out, v)
		}
	}
	return out
}

// ops returns the operations of the rounds of a side that report metric,
// in the order Values lists them.
func (r *Result) ops(side stats.Side, metric string) []float64 {
	var out []float64
	for _, s := range r.Samples {
		if _, ok := s.Values[metric]; ok && s.Side == side {
			out = append(out, float64(s.Ops))
		}
	}
	return out
}

// Compare summarizes and compares every metric on the paired round-by-round
// ratios, each against its noise band (stats.ComparePaired); a count
// metric on its totals (stats.CompareCounts).
func (r *Result) Compare() []stats.Comparison {
	return r.CompareWithin(func(m stats.Metric) float64 { return m.Noise })
}

// CompareWithin compares every metric on the paired ratios (a count on its
// totals) against the band that band gives it (a fraction): the noise band
// for an off/on comparison, the gate's tolerance for a base/head one.
func (r *Result) CompareWithin(band func(stats.Metric) float64) []stats.Comparison {
	conf, countConf := stats.Confidence, stats.Confidence
	if r.Look != nil {
		conf, countConf = r.Look.Level(), r.Look.CountLevel()
	}
	var cs []stats.Comparison
	for _, m := range r.Metrics {
		off, on := r.Values(stats.Off, m.Name), r.Values(stats.On, m.Name)
		if m.Count {
			cs = append(cs, stats.CompareCountsAt(m, off, r.ops(stats.Off, m.Name), on, r.ops(stats.On, m.Name), band(m), countConf))
			continue
		}
		cs = append(cs, stats.ComparePairedAt(m, off, on, band(m), conf))
	}
	return cs
}

// RoundOrder is the order the sides run in round r (0-based): ABBA — off,
// on, then on, off, and so on — so that a drift that is linear over two
// rounds hits both sides alike, and neither side always runs first (the
// first after a switch pays for cold caches).
func RoundOrder(r int) []stats.Side {
	if r%2 == 1 {
		return []stats.Side{stats.On, stats.Off}
	}
	return stats.Sides()
}

// Event reports progress.
type Event struct {
	Phase  string // "calibrate", "round", "profile KIND"
	Side   stats.Side
	Round  int // 1-based, for "round"
	Rounds int
	// Arm is, in a measurement's calibrate and round events, the arm of
	// its Group the event is of, or SharedArm for the shared side (a
	// Pair is a Group of its on side, with its off side shared).
	Arm int
	// Arms are, in a round of the shared side, the arms still measured:
	// those whose rounds this one pairs with.
	Arms []int
}

// SharedArm is Event.Arm of the shared side of a Group.
const SharedArm = -1

// Pair is a workload to be run on two sides. Every round opens the side
// afresh, warms it up, measures it and closes it, so that only one side's
// runtime is alive while it is measured: what one side retains (a bus log
// full of copies, say) never inflates the other's heap, GC goal or GC work.
type Pair struct {
	workload string
	metrics  []stats.Metric // the workload's own
	minOps   int            // the fewest operations a calibrated round may have
	sides    [2]Target
	ops      [2]int           // calibrated operations per round
	equalOps bool             // both sides run max(ops) (EqualOps)
	kinds    []profiling.Kind // what CaptureProfiles takes; nil: profiling.Kinds()
}

// NewPair prepares a comparison of one workload on two targets; metrics
// are the workload's own, which its instances return beside the engine's,
// and minOps its workloads.Workload.MinOps.
func NewPair(workload string, metrics []stats.Metric, minOps int, off, on Target) *Pair {
	return &Pair{workload: workload, metrics: metrics, minOps: minOps, sides: [2]Target{off, on}}
}

// EqualOps makes both sides run the same number of operations in every
// round and warm-up: the larger of their two calibrated counts. A side's
// per-op allocations and GC figures depend on how many operations a round
// runs (a fresh process's heap stays under its first GC goal for a short
// round and not for a long one, and a GC empties pools and caches), so two
// identical builds calibrated apart by a preempted calibration run read
// apart on B/op and allocs/op. The larger count is taken because
// preemption only ever makes a calibration stop short. Comparisons whose
// sides do the same work at similar speeds (base against head) want this;
// off/on sides of very different speed keep a count each, so that each
// round stays near the benchtime.
func (p *Pair) EqualOps() *Pair {
	p.equalOps = true
	return p
}

// NewLocalPair compares w under off and on in this process.
func NewLocalPair(w workloads.Workload, off, on features.Set) *Pair {
	return NewPair(w.Name, w.Metrics, w.MinOps, Local(w, off), Local(w, on))
}

// MeasuredBy gives p the operation counts res ran per round on each side
// (a measurement taken elsewhere, such as by a Group), so that the
// warm-ups of its profiling passes are a tenth of a measured round, as
// after its own Measure.
func (p *Pair) MeasuredBy(res *Result) *Pair {
	for _, side := range stats.Sides() {
		for _, s := range res.Samples {
			if s.Side == side {
				p.ops[side] = s.Ops
				break
			}
		}
	}
	return p
}

// open builds one side and warms it up (openWarm).
func (p *Pair) open(ctx context.Context, side stats.Side) (Instance, error) {
	return p.member(side).openWarm(ctx, p.workload)
}

func (p *Pair) member(side stats.Side) *member {
	return &member{target: p.sides[side], side: side, ops: p.ops[side]}
}

// Measure calibrates both sides, then runs the interleaved rounds
// (RoundOrder). With a Deadline it starts a run only when the budget
// remains, and an ABBA block (rounds 2k and 2k+1: off on, on off) only
// when the last block's length, added to now, stays before the deadline —
// a budget never splits a block, so the order stays balanced. A run so
// stopped keeps the rounds it had and says so (Stopped); judging it is the
// caller's business, and the suite calls every criterion of such a run
// INCONCLUSIVE rather than judge on less evidence than it planned.
//
// A Pair is the Group of one arm, its on side, with its off side shared:
// the two measure alike by construction.
func (p *Pair) Measure(ctx context.Context, s Settings, progress func(Event)) (*Result, error) {
	g := NewGroup(p.workload, p.metrics, p.minOps, p.sides[stats.Off], stats.Off, []Target{p.sides[stats.On]})
	g.equalOps = p.equalOps
	rs, err := g.Measure(ctx, s, []func(*Result) bool{s.Decided}, progress)
	p.ops = [2]int{g.shared.ops, g.arms[0].ops}
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// member is one side of a measurement as the engine runs it: its target,
// the side it takes in its comparisons, and its calibrated operations per
// round.
type member struct {
	target Target
	side   stats.Side
	ops    int
}

// openWarm builds the side and warms it up with a tenth of a round (at
// least one operation): caches, pools and the JIT plan start a round warm,
// as they would in a long-running service. The caller closes it.
func (m *member) openWarm(ctx context.Context, workload string) (Instance, error) {
	inst, err := m.target.Open(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.warmUp(ctx, inst, workload, false); err != nil {
		inst.Close()
		return nil, err
	}
	return inst, nil
}

// warmUp runs the tenth of a round (at least one operation) that starts
// inst warm: as a Run, or with fresh as Warmer.Warm
// (Settings.FreshWarmUp), which an instance that cannot do it refuses
// rather than warm up unlike the other side.
func (m *member) warmUp(ctx context.Context, inst Instance, workload string, fresh bool) error {
	n := max(1, m.ops/10)
	var err error
	if w, ok := inst.(Warmer); fresh && ok {
		err = w.Warm(ctx, n)
	} else if fresh {
		err = fmt.Errorf("%s cannot warm up without measuring", m.target)
	} else {
		_, err = inst.Run(ctx, n)
	}
	if err != nil {
		return fmt.Errorf("warm up %s (%s): %w", workload, m.side, err)
	}
	return nil
}

// calibrate finds the operation count that fills the benchtime, the way
// `go test` grows b.N, on one instance of the side, and scales the count
// of the run that reached the benchtime down to it (fill). The time of a
// run is the side's own ns/op, so that a side in another process is not
// charged for the round trip. It starts from, and never goes below, the
// workload's MinOps: a first run that already takes longer than the
// benchtime must not leave a round of one operation. An explicit count
// (5000x) is taken as given.
//
// The run the count rests on lasts the whole benchtime: a shorter one, of
// a quarter of it, was tried and read the rate of a side still warming up
// (pools empty, caches cold), which halved the rounds of pooling's
// instruction-churn and with them the GC cycles its criterion counts.
func (m *member) calibrate(ctx context.Context, minOps int, bt Benchtime) (int, error) {
	if bt.N > 0 {
		return bt.N, nil
	}
	inst, err := m.target.Open(ctx)
	if err != nil {
		return 0, err
	}
	defer inst.Close()
	n := max(1, minOps)
	for {
		values, err := inst.Run(ctx, n)
		if err != nil {
			return 0, err
		}
		el := time.Duration(values[NsPerOp] * float64(n))
		if el >= bt.D || n >= 1e9 {
			return fill(n, el, bt.D, minOps), nil
		}
		next := int(float64(n) * 1.2 * float64(bt.D) / float64(max(el, time.Microsecond)))
		n = min(max(next, n+1), 100*n, 1e9)
	}
}

// fill is the operation count that lasts d at the rate of a calibration
// run of n operations in el, at least minOps and one, at most 1e9 (a count
// that reached 1e9 in less than d stays there).
func fill(n int, el, d time.Duration, minOps int) int {
	if el <= 0 || n >= 1e9 {
		return max(n, minOps, 1)
	}
	return max(1, minOps, min(int(math.Round(float64(n)*float64(d)/float64(el))), 1e9))
}

// round measures one round of the side on a fresh instance warmed up as s
// says (Settings.FreshWarmUp); with s.ProfileCPU, it also returns the
// round's CPU profile, encoded (ProfiledRunner).
// While the side opens and warms up, the pacer prestarts next (the target
// the round after this one opens, nil for none); the measured run waits
// for that and for every close still under way (pacer.barrier), and the
// instance is closed in the background when it can be, so that no process
// starts or exits during a measured run.
func (m *member) round(ctx context.Context, workload string, s Settings, pc *pacer, next Target) (map[string]float64, []byte, error) {
	// The next member's start-up overlaps this one's open as well as its
	// warm-up; a target's spares are taken in the order they were made, so
	// this Open takes its own (made the round-side before), not this one.
	if next != nil {
		pc.prestart(ctx, next)
	}
	inst, err := m.target.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := m.warmUp(ctx, inst, workload, s.FreshWarmUp); err != nil {
		inst.Close()
		return nil, nil, err
	}
	if err := pc.barrier(); err != nil {
		inst.Close()
		return nil, nil, err
	}
	var values map[string]float64
	var prof []byte
	if !s.ProfileCPU {
		values, err = inst.Run(ctx, m.ops)
	} else if pr, ok := inst.(ProfiledRunner); ok {
		values, prof, err = pr.RunProfiled(ctx, m.ops)
	} else {
		err = fmt.Errorf("%s cannot profile its measured rounds", m.target)
	}
	pc.close(inst)
	if err != nil {
		return nil, nil, err
	}
	return values, prof, nil
}

// Record is the result as a results document keeps it: every round of
// both sides, so a reader can redo any statistic.
func (r *Result) Record() *results.Measurement {
	if r == nil {
		return nil
	}
	m := &results.Measurement{Workload: r.Workload, Off: r.Off, On: r.On, Rounds: r.Rounds, Benchtime: r.Benchtime,
		Metrics: r.Metrics, RoundsUsed: r.RoundsUsed, Look: r.Look}
	if r.Samples != nil {
		m.Samples = make([]results.Round, 0, len(r.Samples))
	}
	for _, s := range r.Samples {
		m.Samples = append(m.Samples, results.Round{Side: s.Side, Index: s.Index, Ops: s.Ops, Values: s.Values})
	}
	return m
}
