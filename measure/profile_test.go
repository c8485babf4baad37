package measure

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// sampler is a side whose profiles hold perOp samples per operation of
// every kind, all charged to one function.
type sampler struct {
	perOp map[profiling.Kind]float64
	later map[profiling.Kind]float64 // perOp after a kind's first call, when set
	calls *[]string
}

func (s sampler) String() string                         { return "sampler" }
func (s sampler) Open(context.Context) (Instance, error) { return s, nil }
func (s sampler) Close() error                           { return nil }

func (s sampler) Run(context.Context, int) (map[string]float64, error) {
	return map[string]float64{NsPerOp: 1}, nil
}

func (s sampler) Profile(_ context.Context, k profiling.Kind, n int) (*profile.Profile, error) {
	rate := s.perOp[k]
	if r, ok := s.later[k]; ok && slices.ContainsFunc(*s.calls, func(c string) bool { return strings.HasPrefix(c, string(k)+" ") }) {
		rate = r
	}
	*s.calls = append(*s.calls, fmt.Sprintf("%s %d", k, n))
	v := int64(rate * float64(n))
	p := &profile.Profile{Period: 1}
	switch k {
	case profiling.CPU:
		p.SampleType = []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}
		p.PeriodType = &profile.ValueType{Type: "cpu", Unit: "nanoseconds"}
	case profiling.Wall:
		p.SampleType = []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "time", Unit: "nanoseconds"}}
		p.PeriodType = &profile.ValueType{Type: "wallclock", Unit: "nanoseconds"}
	default: // rate 1: every allocation recorded, so samples = objects
		p.SampleType = []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}}
		p.PeriodType = &profile.ValueType{Type: "space", Unit: "bytes"}
		p.DefaultSampleType = "inuse_space"
	}
	f := &profile.Function{ID: 1, Name: "main.work"}
	l := &profile.Location{ID: 1, Line: []profile.Line{{Function: f}}}
	vals := make([]int64, len(p.SampleType))
	for i := range vals {
		vals[i] = v
	}
	p.Function, p.Location = []*profile.Function{f}, []*profile.Location{l}
	p.Sample = []*profile.Sample{{Location: []*profile.Location{l}, Value: vals}}
	return p, nil
}

// A pass runs a probe of an eighth of the operations first; short of the
// target it goes on for as many operations as its samples say are missing
// (10 % over), CPU and wall up to twice the yardstick, memory up to the
// yardstick; at the target, it stops at the probe; with no sample, it
// completes the yardstick. Block and mutex run half the yardstick.
func TestCaptureProfilesSizesPassesBySamples(t *testing.T) {
	for _, c := range []struct {
		name  string
		perOp map[profiling.Kind]float64
		later map[profiling.Kind]float64
		want  string
		ops   map[profiling.Kind]int64
	}{
		{
			// cpu: 12 samples in 125 ops, 330 wanted: capped at 2000 in all.
			// heap: none, so the yardstick. wall: 75 in 125, 255 more: 425 ops.
			name:  "thin cpu, empty memory, rich wall",
			perOp: map[profiling.Kind]float64{profiling.CPU: 0.1, profiling.Wall: 0.6},
			want:  "cpu 125|cpu 1875|heap 125|heap 875|wall 125|wall 425|block 500|mutex 500",
			ops:   map[profiling.Kind]int64{profiling.CPU: 2000, profiling.Heap: 1000, profiling.Allocs: 1000, profiling.Wall: 550},
		},
		{
			// cpu: 62 in 125 ops, 268 more wanted: 541 ops. heap: 12 in
			// 125, capped at 1000. wall: 31 in 125, 299 more: 1206 ops.
			name:  "short",
			perOp: map[profiling.Kind]float64{profiling.CPU: 0.5, profiling.Heap: 0.1, profiling.Wall: 0.25},
			want:  "cpu 125|cpu 541|heap 125|heap 875|wall 125|wall 1206|block 500|mutex 500",
			ops:   map[profiling.Kind]int64{profiling.CPU: 666, profiling.Heap: 1000, profiling.Wall: 1331},
		},
		{
			// cpu: 62 in the probe, then half the rate: 541 ops give 135,
			// 197 in all, so a third part of 450 ops (112 more, 309).
			name:  "slowing down",
			perOp: map[profiling.Kind]float64{profiling.CPU: 0.5, profiling.Heap: 3, profiling.Wall: 3},
			later: map[profiling.Kind]float64{profiling.CPU: 0.25},
			want:  "cpu 125|cpu 541|cpu 450|heap 125|wall 125|block 500|mutex 500",
			ops:   map[profiling.Kind]int64{profiling.CPU: 1116},
		},
		{
			// Every counted kind reaches 300 in the probe: it stops there.
			name:  "rich",
			perOp: map[profiling.Kind]float64{profiling.CPU: 3, profiling.Heap: 2.4, profiling.Wall: 10},
			want:  "cpu 125|heap 125|wall 125|block 500|mutex 500",
			ops:   map[profiling.Kind]int64{profiling.CPU: 125, profiling.Heap: 125, profiling.Wall: 125},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			s := sampler{calls: &calls, perOp: c.perOp, later: c.later}
			runs, err := NewPair("w", nil, 1, s, s).CaptureProfiles(context.Background(), stats.Off, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(calls, "|"); got != c.want {
				t.Fatalf("passes %s, want %s", got, c.want)
			}
			for k, want := range c.ops {
				if got := runs[k].Ops; got != want {
					t.Errorf("%s: %d ops, want %d", k, got, want)
				}
			}
			if runs[profiling.Allocs].Profile.DefaultSampleType != "alloc_space" {
				t.Errorf("allocs derived with default %q", runs[profiling.Allocs].Profile.DefaultSampleType)
			}
		})
	}
}

// A side whose measured rounds were CPU-profiled (Result.RoundProfiles)
// takes no CPU pass when they hold the target or ran at least the
// operations a pass could (twice the yardstick); short of both, one pass
// without a probe tops them up by as many operations as their own rate
// says are missing (10 % over), bounded like a pass (twice the
// yardstick beyond them), and merged into them. Other kinds take their
// passes as before.
func TestCaptureProfilesFromRoundProfiles(t *testing.T) {
	rounds := func(ops int64, samples float64) map[profiling.Kind]profiling.Run {
		var calls []string
		p, err := sampler{calls: &calls, perOp: map[profiling.Kind]float64{profiling.CPU: samples / float64(ops)}}.Profile(context.Background(), profiling.CPU, int(ops))
		if err != nil {
			t.Fatal(err)
		}
		return map[profiling.Kind]profiling.Run{profiling.CPU: {Profile: p, Ops: ops}}
	}
	for _, c := range []struct {
		name    string
		have    map[profiling.Kind]profiling.Run
		rate    float64 // cpu samples per op in a pass
		want    string
		ops     int64
		samples int64
	}{
		// 400 samples in the rounds: kept as they are.
		{name: "rich rounds", have: rounds(2000, 400), rate: 0.2, want: "heap 125|wall 125|block 500|mutex 500", ops: 2000, samples: 400},
		// 150 in 1500 ops, 330 wanted: 1800 more, which hold 180.
		{name: "short rounds", have: rounds(1500, 150), rate: 0.1, want: "cpu 1800|heap 125|wall 125|block 500|mutex 500", ops: 3300, samples: 330},
		// 15 in 1500: 31500 more wanted, bounded by 2000 (twice the yardstick).
		{name: "thin rounds", have: rounds(1500, 15), rate: 0.01, want: "cpu 2000|heap 125|wall 125|block 500|mutex 500", ops: 3500, samples: 35},
		// None in 1500: a yardstick more (1000), then 1625 wanted by the
		// rate so far, bounded by the 1000 left.
		{name: "rounds without a sample", have: rounds(1500, 0), rate: 0.2, want: "cpu 1000|cpu 1000|heap 125|wall 125|block 500|mutex 500", ops: 3500, samples: 400},
		// 15 in 2000, short of the target, but 2000 operations are all a
		// pass of its own could run (twice the yardstick): kept as they are.
		{name: "rounds past a pass's bound", have: rounds(2000, 15), rate: 0.0075, want: "heap 125|wall 125|block 500|mutex 500", ops: 2000, samples: 15},
		{name: "no rounds", rate: 3, want: "cpu 125|heap 125|wall 125|block 500|mutex 500", ops: 125, samples: 375},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			s := sampler{calls: &calls, perOp: map[profiling.Kind]float64{profiling.CPU: c.rate, profiling.Heap: 3, profiling.Wall: 3}}
			runs, err := NewPair("w", nil, 1, s, s).CaptureProfilesFrom(context.Background(), stats.Off, 1000, c.have, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(calls, "|"); got != c.want {
				t.Fatalf("passes %s, want %s", got, c.want)
			}
			cpu := runs[profiling.CPU]
			if got := profiling.SampleCount(cpu.Profile, profiling.CPU); cpu.Ops != c.ops || got != c.samples {
				t.Errorf("cpu: %d ops, %d samples; want %d, %d", cpu.Ops, got, c.ops, c.samples)
			}
		})
	}
}

// contender is a sampler whose instances take block and mutex in one pass.
type contender struct{ sampler }

func (c contender) Open(context.Context) (Instance, error) { return c, nil }

func (c contender) ProfileContention(ctx context.Context, n int) (block, mutex *profile.Profile, err error) {
	*c.calls = append(*c.calls, fmt.Sprintf("block+mutex %d", n))
	return &profile.Profile{Comments: []string{"block"}}, &profile.Profile{Comments: []string{"mutex"}}, nil
}

// A side that can take block and mutex at once (ContentionProfiler)
// takes both in one pass of half the yardstick, where others take two.
func TestCaptureProfilesSharesTheContentionPass(t *testing.T) {
	var calls []string
	s := contender{sampler{calls: &calls, perOp: map[profiling.Kind]float64{profiling.CPU: 3, profiling.Heap: 3, profiling.Wall: 3}}}
	runs, err := NewPair("w", nil, 1, s, s).CaptureProfiles(context.Background(), stats.Off, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(calls, "|"), "cpu 125|heap 125|wall 125|block+mutex 500"; got != want {
		t.Fatalf("passes %s, want %s", got, want)
	}
	for k, comment := range map[profiling.Kind]string{profiling.Block: "block", profiling.Mutex: "mutex"} {
		if r := runs[k]; r.Ops != 500 || r.Profile == nil || r.Profile.Comments[0] != comment {
			t.Errorf("%s: %d ops, profile %v; want 500 and the %s profile", k, r.Ops, r.Profile, comment)
		}
	}
}

// WithProfileKinds limits the passes to the kinds asked for, in Kinds
// order whatever the order asked; heap and allocs cost one pass between
// them, and a kind not asked for is neither captured nor returned.
func TestCaptureProfilesTakesOnlyTheKindsAsked(t *testing.T) {
	rich := map[profiling.Kind]float64{profiling.CPU: 3, profiling.Heap: 2.4, profiling.Allocs: 2.4, profiling.Wall: 10}
	for _, c := range []struct {
		name   string
		kinds  []profiling.Kind
		passes string
		got    string
	}{
		{"all by default", nil, "cpu 125|heap 125|wall 125|block 500|mutex 500", "cpu heap allocs wall block mutex"},
		{"cpu and allocs, asked backwards", []profiling.Kind{profiling.Allocs, profiling.CPU}, "cpu 125|allocs 125", "cpu allocs"},
		{"cpu and memory: one memory pass", []profiling.Kind{profiling.CPU, profiling.Heap, profiling.Allocs}, "cpu 125|heap 125", "cpu heap allocs"},
		{"unknown kinds ignored", []profiling.Kind{profiling.Wall, "bogus"}, "wall 125", "wall"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			s := sampler{calls: &calls, perOp: rich}
			p := NewPair("w", nil, 1, s, s)
			if c.kinds != nil {
				p.WithProfileKinds(c.kinds)
			}
			runs, err := p.CaptureProfiles(context.Background(), stats.Off, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(calls, "|"); got != c.passes {
				t.Errorf("passes %s, want %s", got, c.passes)
			}
			var got []string
			for _, k := range profiling.Kinds() {
				if _, ok := runs[k]; ok {
					got = append(got, string(k))
				}
			}
			if strings.Join(got, " ") != c.got || len(runs) != len(got) {
				t.Errorf("captured %v (%d), want %s", got, len(runs), c.got)
			}
		})
	}
}

// opener counts the instances a side opens and closes.
type opener struct {
	contender
	opened, closed *int
}

func (o opener) Open(context.Context) (Instance, error) { *o.opened++; return o, nil }
func (o opener) Close() error                           { *o.closed++; return nil }

// A side's passes — CPU, memory, wall, block and mutex — share one
// instance, opened once and closed once.
func TestCaptureProfilesOpensOneInstance(t *testing.T) {
	var calls []string
	var opened, closed int
	s := opener{contender{sampler{calls: &calls, perOp: map[profiling.Kind]float64{profiling.CPU: 3, profiling.Heap: 3, profiling.Wall: 3}}}, &opened, &closed}
	if _, err := NewPair("w", nil, 1, s, s).CaptureProfiles(context.Background(), stats.Off, 1000, nil); err != nil {
		t.Fatal(err)
	}
	if want := "cpu 125|heap 125|wall 125|block+mutex 500"; strings.Join(calls, "|") != want {
		t.Fatalf("passes %s, want %s", strings.Join(calls, "|"), want)
	}
	if opened != 1 || closed != 1 {
		t.Errorf("%d instances opened, %d closed; want one of each", opened, closed)
	}
}
