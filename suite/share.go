package suite

import (
	"context"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/experiment"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
)

// shareGroup is runs of a suite that have one side in common: the same
// workload with the same feature set on the same side (all on of mixed is
// the on side of the cumulative run and of every all-vs-one run). They are
// measured together (measure.Group) when the first of them comes up, so
// that the common side is calibrated and run once per round for all of
// them; each run then takes its result through the rest of its pipeline.
type shareGroup struct {
	runs     []int // indices into the suite's runs, in suite order
	side     stats.Side
	set      features.Set
	measured map[int]*experiment.Measured
}

// shareGroups groups the runs that share a side, largest groups first
// (a run has two sides but is measured in one group): each run index maps
// to its group, and a run that shares nothing has none. The preset's
// settings are the suite's, equal in every run.
func shareGroups(runs []catalog.Run) map[int]*shareGroup {
	type key struct {
		workload string
		side     stats.Side
		set      string
	}
	keyOf := func(r catalog.Run, side stats.Side) key {
		set := r.Off
		if side == stats.On {
			set = r.On
		}
		return key{r.Workload, side, set.String()}
	}
	out := map[int]*shareGroup{}
	for {
		count := map[key]int{}
		var order []key
		for i, r := range runs {
			if out[i] != nil {
				continue
			}
			for _, side := range stats.Sides() {
				k := keyOf(r, side)
				if count[k] == 0 {
					order = append(order, k)
				}
				count[k]++
			}
		}
		var best key
		for _, k := range order {
			if count[k] > count[best] {
				best = k
			}
		}
		if count[best] < 2 {
			return out
		}
		g := &shareGroup{side: best.side}
		for i, r := range runs {
			if out[i] == nil && keyOf(r, best.side) == best {
				g.runs = append(g.runs, i)
				out[i] = g
				g.set = r.Off
				if best.side == stats.On {
					g.set = r.On
				}
			}
		}
	}
}

// measure measures every run of g in one measure.Group with s (the
// suite's settings, each run's own stopping rule) and keeps each run's
// result with the time charged to it: an arm's own calibration and rounds
// are its run's, and the shared side's are split evenly over the arms
// they served (its calibration over all, each round over the arms still
// measured in it).
func (g *shareGroup) measure(ctx context.Context, o Config, s measure.Settings, event func(measure.Event)) error {
	w := o.Workloads[o.Runs[g.runs[0]].Workload]
	var arms []measure.Target
	var decided []func(*measure.Result) bool
	for _, i := range g.runs {
		r := o.Runs[i]
		set := r.On
		if g.side == stats.On {
			set = r.Off
		}
		arms = append(arms, measure.Local(w, set))
		decided = append(decided, o.experiment(r).Settings.Decided)
	}
	times := make([]timing.Breakdown, len(g.runs))
	var last measure.Event
	var since time.Time
	charge := func(now time.Time) {
		if since.IsZero() {
			return
		}
		d, phase, side := now.Sub(since), last.Phase, last.Side.String()
		if phase == "round" {
			phase = timing.Rounds
		}
		if last.Arm != measure.SharedArm {
			times[last.Arm].Add(phase, side, d)
			return
		}
		served := last.Arms
		if last.Phase != "round" {
			served = nil
			for a := range g.runs {
				served = append(served, a)
			}
		}
		for _, a := range served {
			times[a].Add(phase, side, d/time.Duration(len(served)))
		}
	}
	progress := func(e measure.Event) {
		now := time.Now()
		charge(now)
		last, since = e, now
		if event != nil {
			event(e)
		}
	}
	rs, err := measure.NewGroup(w.Name, w.Metrics, w.MinOps, measure.Local(w, g.set), g.side, arms).Measure(ctx, s, decided, progress)
	if err != nil {
		return err
	}
	charge(time.Now())
	g.measured = map[int]*experiment.Measured{}
	for a, i := range g.runs {
		g.measured[i] = &experiment.Measured{Result: rs[a], Time: times[a]}
	}
	return nil
}
