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

// ProfileOnly takes the passes of the named kinds and no other; heap
// alone still derives allocs from its pass.
func TestProfileOnly(t *testing.T) {
	rich := map[profiling.Kind]float64{profiling.CPU: 3, profiling.Heap: 2.4, profiling.Wall: 10}
	for _, c := range []struct {
		kinds []profiling.Kind
		want  string
		got   []profiling.Kind
	}{
		{[]profiling.Kind{profiling.CPU}, "cpu 125", []profiling.Kind{profiling.CPU}},
		{[]profiling.Kind{profiling.Heap, profiling.Allocs, profiling.Mutex}, "heap 125|mutex 500", []profiling.Kind{profiling.Heap, profiling.Allocs, profiling.Mutex}},
	} {
		var calls []string
		s := sampler{calls: &calls, perOp: rich}
		runs, err := NewPair("w", nil, 1, s, s).ProfileOnly(c.kinds...).CaptureProfiles(context.Background(), stats.Off, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []profiling.Kind
		for _, k := range profiling.Kinds() {
			if runs[k].Profile != nil {
				got = append(got, k)
			}
		}
		if strings.Join(calls, "|") != c.want || !slices.Equal(got, c.got) {
			t.Errorf("ProfileOnly(%v): passes %s, kinds %v; want %s, %v", c.kinds, strings.Join(calls, "|"), got, c.want, c.got)
		}
	}
}
