package measure

import (
	"context"
	"fmt"
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
	calls *[]string
}

func (s sampler) String() string                         { return "sampler" }
func (s sampler) Open(context.Context) (Instance, error) { return s, nil }
func (s sampler) Close() error                           { return nil }

func (s sampler) Run(context.Context, int) (map[string]float64, error) {
	return map[string]float64{NsPerOp: 1}, nil
}

func (s sampler) Profile(_ context.Context, k profiling.Kind, n int) (*profile.Profile, error) {
	*s.calls = append(*s.calls, fmt.Sprintf("%s %d", k, n))
	v := int64(s.perOp[k] * float64(n))
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

// A pass short of the target is continued for as many operations as its
// samples say are missing (10 % over), at most doubling it; a pass at the
// target, or with no sample at all, is not; heap and allocs share one pass.
func TestCaptureProfilesTopsUpThinPasses(t *testing.T) {
	var calls []string
	s := sampler{calls: &calls, perOp: map[profiling.Kind]float64{
		profiling.CPU:  0.1, // 100 samples in 1000 ops: doubled to 2000 (capped)
		profiling.Heap: 0,   // allocates nothing: not continued
		profiling.Wall: 0.3, // 300 samples: at the target
	}}
	p := NewPair("w", nil, s, s)
	runs, err := p.CaptureProfiles(context.Background(), stats.Off, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(calls, "|"), "cpu 1000|cpu 1000|heap 1000|wall 1000"; got != want {
		t.Fatalf("passes %s, want %s", got, want)
	}
	for k, want := range map[profiling.Kind][2]int64{ // ops, samples
		profiling.CPU: {2000, 200}, profiling.Heap: {1000, 0}, profiling.Allocs: {1000, 0}, profiling.Wall: {1000, 300},
	} {
		r := runs[k]
		if r.Ops != want[0] || profiling.SampleCount(r.Profile, k) != want[1] {
			t.Errorf("%s: %d ops, %d samples; want %v", k, r.Ops, profiling.SampleCount(r.Profile, k), want)
		}
	}
	if runs[profiling.Allocs].Profile.DefaultSampleType != "alloc_space" {
		t.Errorf("allocs derived with default %q", runs[profiling.Allocs].Profile.DefaultSampleType)
	}

	// 250 samples: 80 more wanted (330 - 250), 320 ops at 0.25 per op.
	calls = nil
	s.perOp = map[profiling.Kind]float64{profiling.CPU: 0.25}
	if _, err := NewPair("w", nil, s, s).CaptureProfiles(context.Background(), stats.On, 1000, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(calls, "|"), "cpu 1000|cpu 320|heap 1000|wall 1000"; got != want {
		t.Fatalf("passes %s, want %s", got, want)
	}
}
