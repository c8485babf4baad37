package measure

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// TestGroupOrderCancelsDrift: for every number of arms and either shared
// side, each round runs the shared side and every arm once; over a block
// of two rounds every arm's position less the shared side's sums to zero,
// so a linear drift cancels in every arm's paired ratio; the first member
// is not always the same; and one arm is RoundOrder.
func TestGroupOrderCancelsDrift(t *testing.T) {
	for _, shared := range stats.Sides() {
		for k := 1; k <= 6; k++ {
			arms := make([]int, k)
			for i := range arms {
				arms[i] = i
			}
			sum := make([]int, k)
			var firsts []int
			for r := range 2 {
				order := GroupOrder(r, shared, arms)
				if got := slices.Sorted(slices.Values(order)); !slices.Equal(got, append([]int{SharedArm}, arms...)) {
					t.Fatalf("shared %s, %d arms, round %d: order %v runs each member once", shared, k, r, order)
				}
				firsts = append(firsts, order[0])
				pos := map[int]int{}
				for p, a := range order {
					pos[a] = p
				}
				for i := range arms {
					sum[i] += pos[i] - pos[SharedArm]
				}
			}
			for i, s := range sum {
				if s != 0 {
					t.Errorf("shared %s, %d arms: arm %d's position differences to the shared side sum to %d over a block, want 0", shared, k, i, s)
				}
			}
			if firsts[0] == firsts[1] {
				t.Errorf("shared %s, %d arms: %v runs first in both rounds", shared, k, firsts[0])
			}
			if k == 1 {
				for r := range 2 {
					var sides []stats.Side
					for _, a := range GroupOrder(r, shared, arms) {
						if a == SharedArm {
							sides = append(sides, shared)
						} else {
							sides = append(sides, 1-shared)
						}
					}
					if !slices.Equal(sides, RoundOrder(r)) {
						t.Errorf("shared %s, one arm, round %d: sides %v, want RoundOrder %v", shared, r, sides, RoundOrder(r))
					}
				}
			}
		}
	}
	if got := GroupOrder(1, stats.Off, []int{0, 2}); !slices.Equal(got, []int{2, 0, SharedArm}) {
		t.Errorf("the arms measured keep their order, reversed in odd rounds: %v", got)
	}
}

// TestGroupOfOneArmIsAPair: a Group of one arm calls its targets exactly as
// a Pair of the arm and the shared side does, and returns the same result,
// whichever side is shared, with sequential stopping, round profiles and a
// budget alike.
func TestGroupOfOneArmIsAPair(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Settings
		decided bool
	}{
		{name: "fixed, calibrated", s: Settings{Rounds: 4, Benchtime: Benchtime{D: 10 * time.Millisecond}}},
		{name: "sequential, decided, profiled", s: Settings{Rounds: 10, Benchtime: Benchtime{N: 40}, ProfileCPU: true}, decided: true},
		{name: "sequential, undecided", s: Settings{Rounds: 10, Benchtime: Benchtime{N: 40}}},
		{name: "budget", s: Settings{Rounds: 10, Benchtime: Benchtime{N: 40}, Deadline: time.Unix(100, 0)}},
	} {
		for _, shared := range stats.Sides() {
			t.Run(fmt.Sprintf("%s, %s shared", tc.name, shared), func(t *testing.T) {
				run := func(group bool) ([]string, *Result) {
					var calls []string
					var ticks int64
					s := tc.s
					if !s.Deadline.IsZero() { // every read of the clock is 15 s later: the budget ends after 6 pairs
						s.Now = func() time.Time { ticks += 15; return time.Unix(ticks, 0) }
					}
					s.Decided = func(*Result) bool { return tc.decided }
					off, on := profiledRemote{remote{"base", 1e6, &calls}}, profiledRemote{remote{"head", 1e6, &calls}}
					if !group {
						res, err := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, off, on).Measure(context.Background(), s, nil)
						if err != nil {
							t.Fatal(err)
						}
						return calls, res
					}
					sh, arm := Target(off), Target(on)
					if shared == stats.On {
						sh, arm = on, off
					}
					rs, err := NewGroup("w", []stats.Metric{{Name: "units/op"}}, 0, sh, shared, []Target{arm}).
						Measure(context.Background(), s, []func(*Result) bool{s.Decided}, nil)
					if err != nil {
						t.Fatal(err)
					}
					if len(rs) != 1 {
						t.Fatalf("%d results for one arm", len(rs))
					}
					return calls, rs[0]
				}
				pc, pr := run(false)
				gc, gr := run(true)
				if strings.Join(gc, "|") != strings.Join(pc, "|") {
					t.Fatalf("group calls\n%s\npair calls\n%s", strings.Join(gc, "|"), strings.Join(pc, "|"))
				}
				if !reflect.DeepEqual(gr, pr) {
					t.Fatalf("group result\n%+v\npair result\n%+v", gr, pr)
				}
				if len(pr.Samples) == 0 && tc.s.Deadline.IsZero() {
					t.Fatal("no samples")
				}
			})
		}
	}
}

// TestGroupMeasuresTheSharedSideOnce: three arms against a shared side
// calibrate it once and run it once per round, each arm once per round;
// each arm's result pairs its own rounds with the shared side's of the
// same round, Off and On as its comparison has them, with the shared
// side's round profiles.
func TestGroupMeasuresTheSharedSideOnce(t *testing.T) {
	var calls []string
	shared := profiledRemote{remote{"all", 1e6, &calls}}
	var arms []Target
	for _, n := range []string{"a", "b", "c"} {
		arms = append(arms, profiledRemote{remote{n, 2e6, &calls}})
	}
	rs, err := NewGroup("w", nil, 0, shared, stats.On, arms).Measure(context.Background(),
		Settings{Rounds: 2, Benchtime: Benchtime{D: 10 * time.Millisecond}, ProfileCPU: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Calibration: off sides (the arms) first; 1 ms/op fills 10 ms with
	// 10 ops, 2 ms/op with 5. Round 1: arms a b c, then the shared on
	// side; round 2: the shared side, then c b a.
	cal := func(n string, ops ...int) string {
		s := n + " open|"
		for _, o := range ops {
			s += fmt.Sprintf("%s run %d|", n, o)
		}
		return s + n + " close|"
	}
	round := func(n string, ops int) string {
		return fmt.Sprintf("%[1]s open|%[1]s run %[2]d|%[1]s profiled %[3]d|%[1]s close|", n, max(1, ops/10), ops)
	}
	want := cal("a", 1, 6) + cal("b", 1, 6) + cal("c", 1, 6) + cal("all", 1, 12) +
		round("a", 5) + round("b", 5) + round("c", 5) + round("all", 10) +
		round("all", 10) + round("c", 5) + round("b", 5) + round("a", 5)
	if got := strings.Join(calls, "|") + "|"; got != want {
		t.Fatalf("calls\n%s\nwant\n%s", got, want)
	}
	for i, r := range rs {
		name := []string{"a", "b", "c"}[i]
		if r.Off != name || r.On != "all" || r.RoundsUsed != 2 || r.Look != nil || r.Stopped {
			t.Errorf("arm %d: off %s on %s, %d rounds, look %v, stopped %v", i, r.Off, r.On, r.RoundsUsed, r.Look, r.Stopped)
		}
		var got []string
		for _, s := range r.Samples {
			got = append(got, fmt.Sprintf("%d %s %d %g", s.Index, s.Side, s.Ops, s.Values[NsPerOp]))
		}
		if w := []string{"0 off 5 2e+06", "0 on 10 1e+06", "1 on 10 1e+06", "1 off 5 2e+06"}; !slices.Equal(got, w) {
			t.Errorf("arm %d samples %v, want %v", i, got, w)
		}
		for side, ops := range map[stats.Side]int64{stats.Off: 10, stats.On: 20} {
			have, err := r.RoundProfiles(side)
			if err != nil {
				t.Fatal(err)
			}
			if cpu := have[profiling.CPU]; cpu.Ops != ops || profiling.SampleCount(cpu.Profile, profiling.CPU) != ops {
				t.Errorf("arm %d %s: round profile of %d ops, want %d", i, side, cpu.Ops, ops)
			}
		}
	}
}

// TestGroupStopsEachArmOnItsOwn: an arm decided at the first look stops
// there with that look, while an undecided arm, and the shared side with
// it, go on to the last round; a budget stops every arm still measured.
func TestGroupStopsEachArmOnItsOwn(t *testing.T) {
	var calls []string
	var asked []string
	rule := func(name string, decided bool) func(*Result) bool {
		return func(r *Result) bool {
			asked = append(asked, fmt.Sprintf("%s@%d", name, len(r.Samples)/2))
			return decided
		}
	}
	g := NewGroup("w", nil, 0, remote{"none", 1e6, &calls}, stats.Off, []Target{remote{"x", 1e6, &calls}, remote{"y", 1e6, &calls}})
	var sharedArms [][]int
	rs, err := g.Measure(context.Background(), Settings{Rounds: 10, Benchtime: Benchtime{N: 20}},
		[]func(*Result) bool{rule("x", true), rule("y", false)}, func(e Event) {
			if e.Phase == "round" && e.Arm == SharedArm {
				sharedArms = append(sharedArms, e.Arms)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"x@6", "y@6", "y@8"}; !slices.Equal(asked, want) {
		t.Errorf("rules asked %v, want %v", asked, want)
	}
	count := map[string]int{}
	for _, c := range calls {
		count[c]++
	}
	if count["none run 20"] != 10 || count["x run 20"] != 6 || count["y run 20"] != 10 {
		t.Errorf("measured rounds: shared %d, x %d, y %d; want 10, 6, 10", count["none run 20"], count["x run 20"], count["y run 20"])
	}
	x, y := rs[0], rs[1]
	if x.RoundsUsed != 6 || len(x.Samples) != 12 || x.Look == nil || x.Look.Pairs != 6 {
		t.Errorf("x: %d rounds, %d samples, look %+v; want 6, 12, the look at 6", x.RoundsUsed, len(x.Samples), x.Look)
	}
	if y.RoundsUsed != 10 || len(y.Samples) != 20 || y.Look == nil || y.Look.Pairs != 10 {
		t.Errorf("y: %d rounds, %d samples, look %+v; want 10, 20, the final look", y.RoundsUsed, len(y.Samples), y.Look)
	}
	if len(sharedArms) != 10 || !slices.Equal(sharedArms[5], []int{0, 1}) || !slices.Equal(sharedArms[6], []int{1}) {
		t.Errorf("arms paired with the shared rounds: %v", sharedArms)
	}

	// A budget that ends after the first block stops both arms there.
	calls = nil
	var ticks int64
	g = NewGroup("w", nil, 0, remote{"none", 1e6, &calls}, stats.Off, []Target{remote{"x", 1e6, &calls}, remote{"y", 1e6, &calls}})
	rs, err = g.Measure(context.Background(), Settings{Rounds: 10, Benchtime: Benchtime{N: 20},
		Deadline: time.Unix(45, 0), Now: func() time.Time { ticks += 10; return time.Unix(ticks, 0) }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if !r.Stopped || r.RoundsUsed != 2 || len(r.Samples) != 4 {
			t.Errorf("arm %d: stopped %v after %d rounds, %d samples; want stopped after 2, 4", i, r.Stopped, r.RoundsUsed, len(r.Samples))
		}
	}
}
