package measure

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/perfbench/perfbench/stats"
)

// Group is one workload measured on a shared side against several arms:
// the comparisons of a suite whose runs have one side in common (all on of
// mixed is the on side of the cumulative run and of every all-vs-one run).
// Each round runs the shared side once and every arm still measured, each
// on a fresh, warmed-up instance as a Pair's round does, and pairs the
// shared side's values with every arm's: the shared side is calibrated and
// run once per round instead of once per comparison. A Pair is the Group
// of one arm.
type Group struct {
	workload   string
	metrics    []stats.Metric
	minOps     int
	shared     member
	arms       []member
	equalOps   bool
	sharedSide stats.Side
}

// NewGroup prepares the comparisons of each arm against shared on one
// workload; sharedSide is the side the shared target takes in every
// comparison (Off: each arm is the on side; On: each arm is the off side).
// metrics and minOps are the workload's, as NewPair takes them.
func NewGroup(workload string, metrics []stats.Metric, minOps int, shared Target, sharedSide stats.Side, arms []Target) *Group {
	g := &Group{workload: workload, metrics: metrics, minOps: minOps, sharedSide: sharedSide,
		shared: member{target: shared, side: sharedSide}}
	for _, t := range arms {
		g.arms = append(g.arms, member{target: t, side: 1 - sharedSide})
	}
	return g
}

// GroupOrder is the order round r runs the shared side (SharedArm) and
// the arms given (indices into a Group's arms, in their order): the
// shared side runs where its side runs in RoundOrder. With the shared side
// off, even rounds run it first and then the arms in order, odd rounds the
// arms in reverse order and then it last; with it on, the other way round.
// For one arm that is RoundOrder itself. Over a block of two rounds, every
// arm's position less the shared side's sums to zero (even round +d, odd
// round −d), so a drift that is linear over the block adds as much to the
// shared side as to each arm, and cancels in each arm's paired ratio, as
// ABBA cancels it for a Pair; and no member always runs first.
func GroupOrder(r int, shared stats.Side, arms []int) []int {
	order := make([]int, 0, len(arms)+1)
	forward := r%2 == 0
	if forward == (shared == stats.Off) {
		order = append(order, SharedArm)
	}
	for i := range arms {
		if forward {
			order = append(order, arms[i])
		} else {
			order = append(order, arms[len(arms)-1-i])
		}
	}
	if forward != (shared == stats.Off) {
		order = append(order, SharedArm)
	}
	return order
}

// Measure calibrates every side once (the off sides first), then runs up to
// s.Rounds rounds in GroupOrder. It returns one Result per arm, as a Pair
// of the arm and the shared side would have measured it: the arm's rounds
// paired with the shared side's of the same round, in the order they ran;
// each side's round CPU profiles with s.ProfileCPU, the shared side's
// merged over every round it ran. decided[i] (nil, or a nil entry: a
// fixed-size arm) is arm i's sequential rule (Settings.Decided, which
// Measure ignores): at each look of stats.SequentialDesign that can stop,
// an arm whose rule says decided ends there with the rounds and the look
// it had, while the others go on, and the shared side with them, as long
// as any arm is measured. Looks and budget checks fall on even rounds, so
// the arms measured stay the same over each block of two rounds and the
// drift cancels as GroupOrder says. A Deadline stops every arm still
// measured as Pair.Measure stops (Stopped).
func (g *Group) Measure(ctx context.Context, s Settings, decided []func(*Result) bool, progress func(Event)) (rs []*Result, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if decided != nil && len(decided) != len(g.arms) {
		return nil, fmt.Errorf("%d stopping rules for %d arms", len(decided), len(g.arms))
	}
	if len(g.arms) == 0 {
		return nil, fmt.Errorf("a group of %s has no arm", g.workload)
	}
	if progress == nil {
		progress = func(Event) {}
	}
	rule := func(i int) func(*Result) bool {
		if decided == nil {
			return nil
		}
		return decided[i]
	}
	res := make([]*Result, len(g.arms))
	for i := range g.arms {
		sides := [2]string{}
		sides[g.sharedSide], sides[1-g.sharedSide] = g.shared.target.String(), g.arms[i].target.String()
		res[i] = &Result{
			Workload: g.workload, Off: sides[stats.Off], On: sides[stats.On],
			Rounds: s.Rounds, Benchtime: s.Benchtime.String(),
			Metrics: append(EngineMetrics(), g.metrics...),
		}
	}
	if s.BudgetReached() {
		for _, r := range res {
			r.Stopped = true
		}
		return res, nil
	}
	all := make([]int, len(g.arms))
	for i := range all {
		all[i] = i
	}
	calibration := append([]int{SharedArm}, all...)
	if g.sharedSide == stats.On {
		calibration = append(all, SharedArm)
	}
	for _, a := range calibration {
		m := g.member(a)
		progress(Event{Phase: "calibrate", Side: m.side, Arm: a})
		n, err := m.calibrate(ctx, g.minOps, s.Benchtime)
		if err != nil {
			return nil, fmt.Errorf("calibrate %s: %w", m.side, err)
		}
		m.ops = n
	}
	if g.equalOps {
		n := g.shared.ops
		for _, m := range g.arms {
			n = max(n, m.ops)
		}
		g.shared.ops = n
		for i := range g.arms {
			g.arms[i].ops = n
		}
	}
	looks := map[int]stats.Look{}
	for _, l := range stats.SequentialDesign(s.Rounds, stats.Alpha) {
		looks[l.Pairs] = l
	}
	active := all
	// The round profiles are kept encoded until the rounds are over (see
	// Result.roundCPU).
	var sharedProfs [][]byte
	armProfs := make([][][]byte, len(g.arms))
	done := func() ([]*Result, error) {
		var sharedRun keptRun
		if len(sharedProfs) > 0 {
			merged, err := mergeKept(sharedProfs)
			if err != nil {
				return nil, fmt.Errorf("merge the round profiles of %s: %w", g.sharedSide, err)
			}
			sharedRun = keptRun{data: merged, ops: int64(len(sharedProfs) * g.shared.ops)}
		}
		for i, r := range res {
			r.roundCPU[g.sharedSide] = sharedRun
			if len(armProfs[i]) == 0 {
				continue
			}
			merged, err := mergeKept(armProfs[i])
			if err != nil {
				return nil, fmt.Errorf("merge the round profiles of %s: %w", g.arms[i].side, err)
			}
			r.roundCPU[g.arms[i].side] = keptRun{data: merged, ops: int64(len(armProfs[i]) * g.arms[i].ops)}
		}
		return res, nil
	}
	// The rounds prestart each next member's process and close each
	// measured one in the background (member.round); whatever is left
	// when they end, by any path, is ended and waited for here.
	pc := &pacer{}
	defer func() {
		if ferr := pc.finish(); ferr != nil && err == nil {
			rs, err = nil, fmt.Errorf("close a round's instance: %w", ferr)
		}
	}()
	var block time.Duration // the last block's length, the next one's forecast
	blockStart := s.clock()
	values := make([]map[string]float64, len(g.arms)+1) // this round's, by arm+1
	for r := 0; r < s.Rounds; r++ {
		if l, ok := looks[r]; ok {
			var still []int
			for _, i := range active {
				if rule(i) == nil {
					still = append(still, i)
					continue
				}
				look := l
				res[i].RoundsUsed, res[i].Look = r, &look
				if !l.CanStop() || !rule(i)(res[i]) {
					still = append(still, i)
				}
			}
			if active = still; len(active) == 0 {
				return done()
			}
		}
		if !s.Deadline.IsZero() && r%2 == 0 {
			now := s.clock()
			if r > 0 {
				block = now.Sub(blockStart)
			}
			blockStart = now
			if !now.Add(block).Before(s.Deadline) {
				for _, i := range active {
					res[i].RoundsUsed, res[i].Look, res[i].Stopped = r, nil, true
				}
				return done()
			}
		}
		order := GroupOrder(r, g.sharedSide, active)
		for k, a := range order {
			// The member that opens next: the next of this round, or the
			// first of the next round as the arms stand now (a look there
			// may stop one; a spare so made for nothing is discarded).
			var next Target
			if k+1 < len(order) {
				next = g.member(order[k+1]).target
			} else if r+1 < s.Rounds {
				next = g.member(GroupOrder(r+1, g.sharedSide, active)[0]).target
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			m := g.member(a)
			e := Event{Phase: "round", Side: m.side, Round: r + 1, Rounds: s.Rounds, Arm: a}
			if a == SharedArm {
				e.Arms = append([]int(nil), active...)
			}
			progress(e)
			v, prof, err := m.round(ctx, g.workload, s, pc, next)
			if err != nil {
				return nil, fmt.Errorf("round %d %s: %w", r+1, m.side, err)
			}
			if prof != nil {
				if a == SharedArm {
					sharedProfs = append(sharedProfs, prof)
				} else {
					armProfs[a] = append(armProfs[a], prof)
				}
			}
			values[a+1] = v
		}
		for n, i := range active {
			for _, side := range RoundOrder(r) {
				a, v := i, values[i+1]
				if side == g.sharedSide {
					a, v = SharedArm, values[0]
					if n > 0 { // each arm's result owns its rounds
						v = maps.Clone(v)
					}
				}
				res[i].Samples = append(res[i].Samples, Round{Side: side, Index: r, Ops: g.member(a).ops, Values: v})
			}
		}
	}
	for _, i := range active {
		res[i].RoundsUsed, res[i].Look = s.Rounds, nil
		if l, ok := looks[s.Rounds]; ok && rule(i) != nil {
			res[i].Look = &l
		}
	}
	return done()
}

// member is arm a of g, or its shared side (SharedArm).
func (g *Group) member(a int) *member {
	if a == SharedArm {
		return &g.shared
	}
	return &g.arms[a]
}
