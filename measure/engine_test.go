package measure

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

func TestParseBenchtime(t *testing.T) {
	tests := []struct {
		in   string
		want Benchtime
		err  string
	}{
		{"200ms", Benchtime{D: 200 * time.Millisecond}, ""},
		{"1s", Benchtime{D: time.Second}, ""},
		{"5000x", Benchtime{N: 5000}, ""},
		{"0x", Benchtime{}, "positive integer"},
		{"-3x", Benchtime{}, "positive integer"},
		{"x", Benchtime{}, "positive integer"},
		{"10", Benchtime{}, "positive duration"},
		{"-1s", Benchtime{}, "positive duration"},
		{"", Benchtime{}, "positive duration"},
		// Upper bounds: a round is at most 10 s or 10^7 operations.
		{"10s", Benchtime{D: MaxBenchtime}, ""},
		{"10000000x", Benchtime{N: MaxBenchtimeCount}, ""},
		{"10h", Benchtime{}, "a round may take at most 10s"},
		{"10000001x", Benchtime{}, "at most 10000000x operations per round"},
		{"1000000000000000000x", Benchtime{}, "at most 10000000x operations per round"},
		{"99999999999999999999999x", Benchtime{}, "at most 10000000x operations per round"},
		{"1e18x", Benchtime{}, "at most 10000000x"},
		{"9999999999h", Benchtime{}, "at most 10s"},
	}
	for _, tt := range tests {
		got, err := ParseBenchtime(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseBenchtime(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("ParseBenchtime(%q) = %v (%s), %v", tt.in, got, got, err)
		}
	}
}

// TestLimits: every measurement knob has a lower and an upper bound, with
// one rule and one message for rounds wherever they come from.
func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"rounds 0", CheckRounds(0, MinRounds), "invalid rounds 0: want 2 to 100 per side (fewer than 2 cannot compare anything; 10 recommended)"},
		{"rounds 1 for a CI", CheckRounds(1, CIRounds), "invalid rounds 1: want 6 to 100 per side (a 95 % confidence interval needs 6; 10 recommended)"},
		{"rounds 5 for a CI", CheckRounds(5, CIRounds), "invalid rounds 5: want 6 to 100 per side (a 95 % confidence interval needs 6; 10 recommended)"},
		{"rounds 101", CheckRounds(101, MinRounds), "invalid rounds 101: want 2 to 100 per side"},
		{"rounds 1e12", CheckRounds(1e12, CIRounds), "invalid rounds 1000000000000: want 6 to 100 per side"},
		{"rounds 2", CheckRounds(2, MinRounds), ""},
		{"rounds 100", CheckRounds(MaxRounds, CIRounds), ""},
		{"settings rounds 1e18", Settings{Rounds: 1e18, Benchtime: Benchtime{D: time.Millisecond}}.Validate(), "invalid rounds 1000000000000000000: want 2 to 100"},
		{"settings benchtime 10h", Settings{Rounds: 10, Benchtime: Benchtime{D: 10 * time.Hour}}.Validate(), "invalid benchtime 10h0m0s: want a positive duration of at most 10s"},
		{"settings benchtime 1e18x", Settings{Rounds: 10, Benchtime: Benchtime{N: 1e18}}.Validate(), "invalid benchtime 1000000000000000000x: want a positive duration of at most 10s or a count of at most 10000000x"},
		{"settings no benchtime", Settings{Rounds: 10}.Validate(), "invalid benchtime 0s"},
		{"settings ok", Settings{Rounds: 10, Benchtime: Benchtime{N: 5}}.Validate(), ""},
		{"profile time 10h", CheckProfileTime(10 * time.Hour), "invalid --profile-time 10h0m0s: want a positive duration of at most 10s"},
		{"profile time 0", CheckProfileTime(0), "invalid --profile-time 0s"},
		{"profile time 10s", CheckProfileTime(MaxProfileTime), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" {
				if tt.err != nil {
					t.Fatalf("unexpected error %v", tt.err)
				}
				return
			}
			if tt.err == nil || !strings.HasPrefix(tt.err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to start with %q", tt.err, tt.want)
			}
		})
	}
}

// fake is a workload whose instances log what they were asked to do.
type fake struct {
	log  *[]string
	cost time.Duration // per op
	fail bool
}

func (f fake) workload() workloads.Workload {
	return workloads.Workload{
		Name:    "fake",
		Metrics: []stats.Metric{{Name: "units/op"}},
		New: func(s features.Set) (workloads.Instance, error) {
			return &fakeInst{f: f, side: s.String()}, nil
		},
	}
}

type fakeInst struct {
	f    fake
	side string
}

func (i *fakeInst) Run(ctx context.Context, n int) (map[string]float64, error) {
	if i.f.fail {
		return nil, errors.New("broken workload")
	}
	*i.f.log = append(*i.f.log, i.side)
	deadline := time.Now().Add(time.Duration(n) * i.f.cost)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return map[string]float64{"units/op": float64(len(i.side))}, nil
}

func (i *fakeInst) Close() error { return nil }

func TestMeasureAlternatesSides(t *testing.T) {
	var log []string
	p := NewLocalPair(fake{log: &log}.workload(), features.Set{}, features.Set{JIT: true})
	res, err := p.Measure(context.Background(), Settings{Rounds: 3, Benchtime: Benchtime{N: 100}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Each round opens its side fresh: a warm-up run, then the measured run;
	// rounds run in ABBA order: off, on, on, off, off, on …
	want := "none none jit jit jit jit none none none none jit jit"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("run order %q, want %q", got, want)
	}
	if len(res.Samples) != 6 || res.Off != "none" || res.On != "jit" {
		t.Fatalf("result %+v", res)
	}
	for i, s := range res.Samples {
		if s.Side != RoundOrder(i / 2)[i%2] || s.Ops != 100 || s.Index != i/2 {
			t.Errorf("sample %d = %+v", i, s)
		}
	}
	if got := res.Values(stats.On, "units/op"); len(got) != 3 || got[0] != 3 {
		t.Fatalf("on units/op = %v, want three 3s (len \"jit\")", got)
	}
	if got := res.Values(stats.Off, NsPerOp); len(got) != 3 || got[0] <= 0 {
		t.Fatalf("ns/op = %v", got)
	}
	names := map[string]bool{}
	for _, c := range res.Compare() {
		names[c.Metric.Name] = true
	}
	for _, m := range append(EngineMetrics(), stats.Metric{Name: "units/op"}) {
		if !names[m.Name] {
			t.Errorf("no comparison for %s", m.Name)
		}
	}
}

func TestCalibrateFillsBenchtime(t *testing.T) {
	var log []string
	p := NewLocalPair(fake{log: &log, cost: 10 * time.Microsecond}.workload(), features.Set{}, features.Set{JIT: true})
	res, err := p.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{D: 20 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 20 ms at 10 µs/op is 2000 ops. Calibration stops once a run lasts
	// the benchtime, so a preempted run can stop it early: demand only that
	// it grew well past its start (1 op) and stayed within the 100× growth
	// bound of the prediction.
	for _, r := range res.Samples {
		if r.Ops < 200 || r.Ops > 100*2000 {
			t.Errorf("%s calibrated to %d ops", r.Side, r.Ops)
		}
	}
}

// A round runs the operations that last the benchtime at the rate of the
// calibration run that reached it, not the 20 % more that run aimed for;
// a workload whose first run already outlasts the benchtime keeps its
// MinOps.
func TestFill(t *testing.T) {
	for _, c := range []struct {
		n      int
		el, d  time.Duration
		minOps int
		want   int
	}{
		{n: 12, el: 12 * time.Millisecond, d: 10 * time.Millisecond, want: 10},
		{n: 3, el: 3 * time.Millisecond, d: 10 * time.Millisecond, want: 10},
		{n: 1875, el: 15 * time.Millisecond, d: 50 * time.Millisecond, want: 6250},
		{n: 1000, el: 3 * time.Second, d: 50 * time.Millisecond, minOps: 1000, want: 1000},
		{n: 1, el: time.Second, d: time.Millisecond, want: 1},
		{n: 1e9, el: time.Millisecond, d: time.Second, want: 1e9}, // the count's cap, short of d
		{n: 5e8, el: time.Millisecond, d: time.Second, want: 1e9},
	} {
		if got := fill(c.n, c.el, c.d, c.minOps); got != c.want {
			t.Errorf("fill(%d, %s, %s, %d) = %d, want %d", c.n, c.el, c.d, c.minOps, got, c.want)
		}
	}
}

func TestMeasureErrors(t *testing.T) {
	var log []string
	p := NewLocalPair(fake{log: &log, fail: true}.workload(), features.Set{}, features.Set{})
	if _, err := p.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{N: 1}}, nil); err == nil || !strings.Contains(err.Error(), "broken workload") {
		t.Fatalf("err = %v", err)
	}
	if _, err := p.Measure(context.Background(), Settings{Rounds: 1, Benchtime: Benchtime{N: 1}}, nil); err == nil {
		t.Fatal("1 round accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := NewLocalPair(fake{log: &log, cost: time.Millisecond}.workload(), features.Set{}, features.Set{})
	if _, err := q.Measure(ctx, Settings{Rounds: 2, Benchtime: Benchtime{N: 1000}}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled measure err = %v", err)
	}
}

func TestProfileOpsUsesEachSidesMedian(t *testing.T) {
	r := &Result{Samples: []Round{
		{Side: stats.Off, Values: map[string]float64{NsPerOp: 1000}},
		{Side: stats.On, Values: map[string]float64{NsPerOp: 10}},
		{Side: stats.Off, Values: map[string]float64{NsPerOp: 3000}},
		{Side: stats.Off, Values: map[string]float64{NsPerOp: 2000}},
	}}
	if got := r.ProfileOps(time.Second, stats.Off); got != 500000 {
		t.Fatalf("ProfileOps(off) = %d, want 1s / 2000 ns = 500000", got)
	}
	if got := r.ProfileOps(time.Second, stats.On); got != 100000000 {
		t.Fatalf("ProfileOps(on) = %d, want 1s / 10 ns = 100000000", got)
	}
	if got := (&Result{}).ProfileOps(time.Second, stats.Off); got != 1 {
		t.Fatalf("empty result ProfileOps = %d", got)
	}
}

// A workload slower per operation than the whole benchtime still gets its
// MinOps per round: a round of one operation is never judged.
func TestCalibrateKeepsMinOps(t *testing.T) {
	var log []string
	w := fake{log: &log, cost: 2 * time.Millisecond}.workload()
	w.MinOps = 7
	res, err := NewLocalPair(w, features.Set{}, features.Set{JIT: true}).Measure(context.Background(),
		Settings{Rounds: 2, Benchtime: Benchtime{D: time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Samples {
		if r.Ops != 7 {
			t.Errorf("%s: %d ops per round, want MinOps = 7 (one op already exceeds the benchtime)", r.Side, r.Ops)
		}
	}
}

// remote stands for a side that lives elsewhere (a worker process): the
// engine must take its metrics as reported and ask it for nothing else.
type remote struct {
	name  string
	nsOp  float64
	calls *[]string
}

func (r remote) String() string { return r.name }

func (r remote) Open(context.Context) (Instance, error) {
	*r.calls = append(*r.calls, r.name+" open")
	return remoteInst{r}, nil
}

type remoteInst struct{ r remote }

func (i remoteInst) Run(_ context.Context, n int) (map[string]float64, error) {
	*i.r.calls = append(*i.r.calls, fmt.Sprintf("%s run %d", i.r.name, n))
	return map[string]float64{NsPerOp: i.r.nsOp, "units/op": 1}, nil
}

func (i remoteInst) Profile(context.Context, profiling.Kind, int) (*profile.Profile, error) {
	return nil, errors.New("not asked")
}

func (i remoteInst) Close() error {
	*i.r.calls = append(*i.r.calls, i.r.name+" close")
	return nil
}

func TestMeasureThroughTargets(t *testing.T) {
	var calls []string
	p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, remote{"base", 1e6, &calls}, remote{"head", 1e6, &calls})
	res, err := p.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{D: 10 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Calibration trusts the side's own ns/op: 1 ms per op fills 10 ms with
	// 10 ops (1 op, then 12 by the 1.2 growth rule, whose 12 ms say 10
	// fill the 10 ms). Each round opens a fresh instance, warms it up with
	// a tenth of a round, runs and closes; the second round runs head
	// first (ABBA).
	want := "base open|base run 1|base run 12|base close|head open|head run 1|head run 12|head close|" +
		"base open|base run 1|base run 10|base close|head open|head run 1|head run 10|head close|" +
		"head open|head run 1|head run 10|head close|base open|base run 1|base run 10|base close"
	if got := strings.Join(calls, "|"); got != want {
		t.Fatalf("calls\n%s\nwant\n%s", got, want)
	}
	if res.Off != "base" || res.On != "head" || len(res.Samples) != 4 || res.Samples[3].Values["units/op"] != 1 {
		t.Fatalf("result %+v", res)
	}
}

func TestLocalInstanceReportsEveryMetric(t *testing.T) {
	var log []string
	inst, err := Local(fake{log: &log}.workload(), features.Set{}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	v, err := inst.Run(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(EngineMetrics(), stats.Metric{Name: "units/op"}) {
		if _, ok := v[m.Name]; !ok {
			t.Errorf("no %s in %v", m.Name, v)
		}
	}
}

// TestCompareJudgesGCAsACount: identical code that ran 7 GC cycles per
// round on one side and 8 on the other reads +14.3 % in every round pair;
// as paired ratios that is "worse" with a CI of zero width. The engine
// declares gc/op a count and judges its totals (70 against 80 cycles over
// equal operations: chance), while a real tripling is still called.
func TestCompareJudgesGCAsACount(t *testing.T) {
	var gc stats.Metric
	for _, m := range EngineMetrics() {
		if m.Name == GCPerOp {
			gc = m
		}
	}
	for _, tc := range []struct {
		name    string
		off, on float64 // GC cycles per round
		want    stats.Change
	}{
		{"A/A, 7 against 8 per round", 7, 8, stats.NoDiff},
		{"tripled", 5, 15, stats.Worse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const ops = 2048
			r := &Result{Metrics: []stats.Metric{gc}}
			for i := 0; i < 10; i++ {
				r.Samples = append(r.Samples,
					Round{Side: stats.Off, Index: i, Ops: ops, Values: map[string]float64{GCPerOp: tc.off / ops}},
					Round{Side: stats.On, Index: i, Ops: ops, Values: map[string]float64{GCPerOp: tc.on / ops}})
			}
			c := r.Compare()[0]
			if c.Change != tc.want || c.Counts == nil {
				t.Fatalf("%s %+.1f %% [%+.1f, %+.1f] %s (%s), want %s judged as a count",
					c.Change, c.DeltaPct, c.DeltaLoPct, c.DeltaHiPct, stats.PEquals(c.P), c.Note, tc.want)
			}
			if !(c.DeltaLoPct < c.DeltaPct && c.DeltaPct < c.DeltaHiPct) {
				t.Errorf("CI [%+.1f, %+.1f] of %+.1f %% has no width", c.DeltaLoPct, c.DeltaHiPct, c.DeltaPct)
			}
		})
	}
}

// TestEqualOpsGivesBothSidesOneStart: with EqualOps, every round of both
// sides starts alike — a fresh instance, the same warm-up, the same
// operations — whatever each side's calibration found; without it each side
// keeps its own count. The sides here calibrate apart (1 ms/op fills
// 10 ms with 10 ops, 0.5 ms/op with 20), as two identical builds do when a
// preempted calibration run stops one of them short.
func TestEqualOpsGivesBothSidesOneStart(t *testing.T) {
	calibration := "base open|base run 1|base run 12|base close|head open|head run 1|head run 24|head close|"
	// 12 ops of 1 ms and 24 of 0.5 ms overshoot the 10 ms by the
	// calibration's 20 % margin: the rounds run 10 and 20.
	round := func(first, second string, warm, n [2]int) string {
		return fmt.Sprintf("%[1]s open|%[1]s run %[3]d|%[1]s run %[4]d|%[1]s close|%[2]s open|%[2]s run %[5]d|%[2]s run %[6]d|%[2]s close|",
			first, second, warm[0], n[0], warm[1], n[1])
	}
	tests := []struct {
		name  string
		equal bool
		want  string
		ops   [2]int
	}{
		{"each side its own count", false,
			calibration + round("base", "head", [2]int{1, 2}, [2]int{10, 20}) + round("head", "base", [2]int{2, 1}, [2]int{20, 10}),
			[2]int{10, 20}},
		{"equal ops: the larger count on both", true,
			calibration + round("base", "head", [2]int{2, 2}, [2]int{20, 20}) + round("head", "base", [2]int{2, 2}, [2]int{20, 20}),
			[2]int{20, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			p := NewPair("w", nil, 0, remote{"base", 1e6, &calls}, remote{"head", 5e5, &calls})
			if tt.equal {
				p = p.EqualOps()
			}
			res, err := p.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{D: 10 * time.Millisecond}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(calls, "|") + "|"; got != tt.want {
				t.Fatalf("calls\n%s\nwant\n%s", got, tt.want)
			}
			for _, s := range res.Samples {
				if s.Ops != tt.ops[s.Side] {
					t.Errorf("round %d %s recorded %d ops, want %d", s.Index, s.Side, s.Ops, tt.ops[s.Side])
				}
			}
		})
	}
}

// warmingRemote is a remote side whose instances can warm up unmeasured
// (Warmer).
type warmingRemote struct{ remote }

func (r warmingRemote) Open(ctx context.Context) (Instance, error) {
	inst, err := r.remote.Open(ctx)
	return warmingInst{inst.(remoteInst)}, err
}

type warmingInst struct{ remoteInst }

func (i warmingInst) Warm(_ context.Context, n int) error {
	*i.r.calls = append(*i.r.calls, fmt.Sprintf("%s warm %d", i.r.name, n))
	return nil
}

// TestFreshWarmUp: with Settings.FreshWarmUp every measured round warms up
// through Warmer.Warm and is still measured by Run, while calibration
// stays as it was; without it a Warmer warms up by Run; and a side that
// cannot warm up so is refused, not warmed up unlike the other.
func TestFreshWarmUp(t *testing.T) {
	calibration := "base open|base run 1|base run 12|base close|head open|head run 1|head run 12|head close|"
	round := func(warm string) string {
		return fmt.Sprintf("base open|base %[1]s 1|base run 10|base close|head open|head %[1]s 1|head run 10|head close|"+
			"head open|head %[1]s 1|head run 10|head close|base open|base %[1]s 1|base run 10|base close", warm)
	}
	for _, tt := range []struct {
		name    string
		fresh   bool
		warmers bool
		want    string // calls, or the error
	}{
		{"fresh", true, true, calibration + round("warm")},
		{"not asked", false, true, calibration + round("run")},
		{"a side that cannot", true, false, "round 1 off: warm up w (off): base cannot warm up without measuring"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			var base, head Target = remote{"base", 1e6, &calls}, remote{"head", 1e6, &calls}
			if tt.warmers {
				base, head = warmingRemote{base.(remote)}, warmingRemote{head.(remote)}
			}
			s := Settings{Rounds: 2, Benchtime: Benchtime{D: 10 * time.Millisecond}, FreshWarmUp: tt.fresh}
			_, err := NewPair("w", nil, 0, base, head).Measure(context.Background(), s, nil)
			got := strings.Join(calls, "|")
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestLocalWarmCollectsNothing: a local instance's Warm runs the
// workload's operations and nothing else, where Run starts with a
// collection.
func TestLocalWarmCollectsNothing(t *testing.T) {
	var log []string
	inst, err := Local(fake{log: &log}.workload(), features.Set{}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	cycles := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	before := cycles()
	if err := inst.(Warmer).Warm(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	warm := cycles() - before
	if _, err := inst.Run(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	run := cycles() - before - warm
	if warm != 0 || run < 1 || len(log) != 2 {
		t.Errorf("Warm: %d GC cycles, Run: %d; workload ran %d times; want 0, at least 1, 2", warm, run, len(log))
	}
}

// TestMeasureStopsAtADecidedLook: a sequential run asks its rule only at
// the looks that can stop (6 and 8 of 10 pairs), ends at the first where the rule says
// the run is decided, records the pairs it used and the look whose level
// Compare judges at; undecided, it takes every round and the final look.
func TestMeasureStopsAtADecidedLook(t *testing.T) {
	for _, tc := range []struct {
		name    string
		decided bool
		asked   []int
		used    int
		level   float64
	}{
		{"decided", true, []int{6}, 6, 1 - 2.0/64},
		{"undecided", false, []int{6, 8}, 10, 1 - 22.0/1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			var asked []int
			p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, remote{"base", 1e6, &calls}, remote{"head", 1e6, &calls})
			s := Settings{Rounds: 10, Benchtime: Benchtime{N: 1}, Decided: func(r *Result) bool {
				asked = append(asked, len(r.Samples)/2)
				return tc.decided
			}}
			res, err := p.Measure(context.Background(), s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(asked, tc.asked) {
				t.Errorf("rule asked after %v pairs, want %v", asked, tc.asked)
			}
			if res.RoundsUsed != tc.used || len(res.Samples) != 2*tc.used || res.Rounds != 10 {
				t.Errorf("rounds used %d, samples %d, rounds %d; want %d, %d, 10", res.RoundsUsed, len(res.Samples), res.Rounds, tc.used, 2*tc.used)
			}
			if res.Look == nil || res.Look.Pairs != tc.used || res.Look.Level() != tc.level {
				t.Errorf("look %+v, want %d pairs at level %g", res.Look, tc.used, tc.level)
			}
		})
	}
}

// TestMeasureFixedSize: without a rule every round runs and Compare keeps
// the fixed 95 % level.
func TestMeasureFixedSize(t *testing.T) {
	var calls []string
	p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, remote{"base", 1e6, &calls}, remote{"head", 1e6, &calls})
	res, err := p.Measure(context.Background(), Settings{Rounds: 10, Benchtime: Benchtime{N: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.RoundsUsed != 10 || res.Look != nil {
		t.Fatalf("rounds used %d, look %+v; want 10 and none", res.RoundsUsed, res.Look)
	}
}

// profiledRemote is a remote side that can also profile a measured run:
// its CPU profile holds one sample per operation, charged to its name.
type profiledRemote struct{ remote }

func (r profiledRemote) Open(ctx context.Context) (Instance, error) {
	inst, err := r.remote.Open(ctx)
	return profiledInst{inst.(remoteInst)}, err
}

type profiledInst struct{ remoteInst }

func (i profiledInst) RunProfiled(ctx context.Context, n int) (map[string]float64, []byte, error) {
	*i.r.calls = append(*i.r.calls, fmt.Sprintf("%s profiled %d", i.r.name, n))
	values, err := i.Run(ctx, n)
	*i.r.calls = (*i.r.calls)[:len(*i.r.calls)-1] // logged as profiled, not as a run
	f := &profile.Function{ID: 1, Name: i.r.name + ".work"}
	l := &profile.Location{ID: 1, Line: []profile.Line{{Function: f}}}
	data, kerr := keep(&profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}, Period: 1,
		Function: []*profile.Function{f}, Location: []*profile.Location{l},
		Sample: []*profile.Sample{{Location: []*profile.Location{l}, Value: []int64{int64(n), int64(n)}}},
	})
	return values, data, errors.Join(err, kerr)
}

// TestMeasureProfilesEveryRoundOfBothSides: with ProfileCPU every measured
// round of both sides, and nothing else (not a warm-up, not calibration),
// runs under the profiler, so both sides of every paired ratio carry its
// cost; each side's round profiles are merged, with the operations of
// exactly the rounds measured (a sequential stop keeps those it had).
// Without it no round is profiled; a side that cannot profile its rounds
// is an error, not a silently unprofiled side.
func TestMeasureProfilesEveryRoundOfBothSides(t *testing.T) {
	for _, tc := range []struct {
		name     string
		profiled bool
		decided  bool
		plain    bool // the sides cannot profile a run
		pairs    int
		err      string
	}{
		{name: "profiled", profiled: true, pairs: 10},
		{name: "profiled, stopped at a look", profiled: true, decided: true, pairs: 6},
		{name: "not profiled", pairs: 10},
		{name: "side cannot profile", profiled: true, plain: true, err: "round 1 off: base cannot profile its measured rounds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			var off, on Target = profiledRemote{remote{"base", 1e6, &calls}}, profiledRemote{remote{"head", 1e6, &calls}}
			if tc.plain {
				off, on = remote{"base", 1e6, &calls}, remote{"head", 1e6, &calls}
			}
			p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, off, on)
			s := Settings{Rounds: 10, Benchtime: Benchtime{N: 40}, ProfileCPU: tc.profiled,
				Decided: func(*Result) bool { return tc.decided }}
			res, err := p.Measure(context.Background(), s, nil)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Per round: open, a warm-up of 4 unprofiled, the measured 40, close.
			count := map[string]int{}
			for _, c := range calls {
				count[c]++
			}
			measured, verb := "run 40", "profiled 40"
			if !tc.profiled {
				verb, measured = measured, "profiled 40"
			}
			for _, side := range []string{"base", "head"} {
				if count[side+" "+verb] != tc.pairs || count[side+" "+measured] != 0 || count[side+" run 4"] != tc.pairs {
					t.Errorf("%s: %d %q, %d %q, %d warm-ups; want %d, 0, %d", side, count[side+" "+verb], verb,
						count[side+" "+measured], measured, count[side+" run 4"], tc.pairs, tc.pairs)
				}
			}
			for _, side := range stats.Sides() {
				runs, err := res.RoundProfiles(side)
				if err != nil {
					t.Fatal(err)
				}
				if !tc.profiled {
					if runs != nil {
						t.Errorf("%s: round profiles %v without ProfileCPU", side, runs)
					}
					continue
				}
				cpu, ok := runs[profiling.CPU]
				if len(runs) != 1 || !ok {
					t.Fatalf("%s: round profiles %v, want cpu only", side, runs)
				}
				want := int64(40 * tc.pairs)
				if cpu.Ops != want || profiling.SampleCount(cpu.Profile, profiling.CPU) != want {
					t.Errorf("%s: %d ops, %d samples; want %d of each", side, cpu.Ops, profiling.SampleCount(cpu.Profile, profiling.CPU), want)
				}
				name := []string{"base.work", "head.work"}[side]
				if fn := cpu.Profile.Sample[0].Location[0].Line[0].Function.Name; len(cpu.Profile.Sample) != 1 || fn != name {
					t.Errorf("%s: %d samples, first in %s; want one in %s", side, len(cpu.Profile.Sample), fn, name)
				}
			}
		})
	}
}

// TestLocalRoundProfileIsTheWorkloads: a real local round under the CPU
// profiler measures every metric as an unprofiled round does, and its
// profile holds samples of the workload but none of the harness's
// peak-heap sampler, which runs beside it.
func TestLocalRoundProfileIsTheWorkloads(t *testing.T) {
	var log []string
	inst, err := Local(fake{log: &log, cost: 20 * time.Microsecond}.workload(), features.Set{}).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	values, data, err := inst.(ProfiledRunner).RunProfiled(context.Background(), 5000)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := profile.ParseData(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(EngineMetrics(), stats.Metric{Name: "units/op"}) {
		if _, ok := values[m.Name]; !ok {
			t.Errorf("no %s", m.Name)
		}
	}
	var work, sampler int64
	for _, s := range prof.Sample {
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				switch {
				case strings.Contains(ln.Function.Name, "fakeInst).Run"):
					work += s.Value[0]
				case strings.Contains(ln.Function.Name, "samplePeakHeap.func"):
					// the sampler's goroutine; starting and stopping it are
					// the measuring goroutine's, under the workload's span
					sampler += s.Value[0]
				}
			}
		}
	}
	if work == 0 || sampler != 0 {
		t.Fatalf("%d samples in the workload, %d in the sampler; want some and none", work, sampler)
	}
}
