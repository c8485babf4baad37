package load

import (
	"context"
	"testing"

	"github.com/perfbench/perfbench/openloop"
)

// stillOS is a clock that moves only when the test sets it.
type stillOS struct{ t int64 }

func (f *stillOS) Now() int64                                { return f.t }
func (f *stillOS) Sleep(ctx context.Context, ns int64) error { f.t += ns; return ctx.Err() }
func (f *stillOS) Turn(int64)                                {}

// TestStampLag: the lag recorded is exactly the send time minus the due
// time, late sends are those beyond LateThreshold, and past the limit
// nothing is recorded.
func TestStampLag(t *testing.T) {
	f := &stillOS{}
	g := &generator{pacer: openloop.New(f, 0), lag: openloop.NewLatency()}
	late := int64(LateThreshold)
	for _, tt := range []struct{ now, due int64 }{{1000, 1000}, {1500, 1000}, {5000 + late + 1, 5000}, {9000 + late, 9000}} {
		f.t = tt.now
		now, ok := g.stamp(tt.due, 1<<40)
		if !ok || now != tt.now {
			t.Fatalf("stamp at %d: %d, %v", tt.now, now, ok)
		}
	}
	want := openloop.NewLatency()
	for _, v := range []int64{0, 500, late + 1, late} {
		want.Record(v)
	}
	got, _ := g.lag.Encoded()
	exp, _ := want.Encoded()
	if got != exp || g.late != 1 {
		t.Errorf("lag histogram differs from the exact lags 0, 500, %d, %d (late %d, want 1)", late+1, late, g.late)
	}
	f.t = 2000
	if _, ok := g.stamp(0, 1999); ok || g.lag.Count() != 4 {
		t.Errorf("past the limit: ok %v, lag count %d; want false, 4", ok, g.lag.Count())
	}
}
