package timing

import (
	"strings"
	"testing"
	"time"
)

// tick is a clock that advances by the next step on every read.
func tick(steps ...time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	return func() time.Time {
		if i < len(steps) {
			t = t.Add(steps[i])
			i++
		}
		return t
	}
}

func TestRecorderSumsPhasesPerSide(t *testing.T) {
	s := time.Second
	r := NewRecorder(tick(0, s, 2*s, 3*s, 4*s, 5*s, 6*s))
	r.Mark(Calibrate, "off") // t=0
	r.Mark(Rounds, "off")    // +1s calibrate off
	r.Mark(Rounds, "on")     // +2s rounds off
	r.Mark(Rounds, "off")    // +3s rounds on
	r.Mark(ProfilePrefix+"cpu", "off")
	r.Mark(Diff, "")
	r.Stop()
	want := []Span{{Calibrate, "off", 1}, {Rounds, "off", 2 + 4}, {Rounds, "on", 3}, {ProfilePrefix + "cpu", "off", 5}, {Diff, "", 6}}
	got := r.Breakdown().Phases
	if len(got) != len(want) {
		t.Fatalf("spans %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("span %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	b := r.Breakdown()
	if b.Of(Rounds) != 9 || b.Of(ProfilePrefix) != 5 || b.Total() != 21 {
		t.Errorf("rounds %g, profiles %g, total %g; want 9, 5, 21", b.Of(Rounds), b.Of(ProfilePrefix), b.Total())
	}
}

func TestShare(t *testing.T) {
	costs := []time.Duration{1 * time.Second, 3 * time.Second, 0}
	tests := []struct {
		left time.Duration
		i    int
		want time.Duration
	}{
		{8 * time.Second, 0, 2 * time.Second},
		{6 * time.Second, 1, 6 * time.Second},
		{4 * time.Second, 2, 4 * time.Second}, // no cost known: the rest, evenly
		{-time.Second, 0, 0},
		{0, 1, 0},
	}
	for _, tt := range tests {
		if got := Share(tt.left, costs, tt.i); got != tt.want {
			t.Errorf("Share(%s, run %d) = %s, want %s", tt.left, tt.i, got, tt.want)
		}
	}
}

func TestBudget(t *testing.T) {
	tests := []struct {
		r    Request
		want time.Duration
		err  string
	}{
		{Request{}, 0, ""},
		{Request{MaxTime: 20 * time.Second, MaxTimeSet: true}, 20 * time.Second, ""},
		{Request{MaxTime: 0, MaxTimeSet: true}, 0, "invalid --max-time 0s: want a positive duration of at most 1h0m0s"},
		{Request{MaxTime: -time.Second, MaxTimeSet: true}, 0, "invalid --max-time -1s"},
		{Request{MaxTime: 2 * time.Hour, MaxTimeSet: true}, 0, "invalid --max-time 2h0m0s"},
	}
	for _, tt := range tests {
		got, err := tt.r.Budget()
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.HasPrefix(err.Error(), tt.err) {
			t.Errorf("%+v: %s, %v; want %s, %q", tt.r, got, err, tt.want, tt.err)
		}
	}
}

func TestRowMarksABudgetStop(t *testing.T) {
	r := Record{RoundsUsed: 4, Stopped: "budget reached after 4 of 10 rounds", Time: Breakdown{Phases: []Span{
		{Calibrate, "off", 0.25}, {ProfilePrefix + "heap", "on", 1}, {ProfilePrefix + "allocs", "on", 0.5}, {Report, "", 2},
	}}}
	got := strings.Join(Row("x/w", r), "|")
	want := "x/w|4 (budget)|0.2s|0.0s|1.5s|0.0s|1.5s|0.0s|0.0s|0.0s|2.0s|3.8s"
	if got != want {
		t.Errorf("row %q, want %q", got, want)
	}
}
