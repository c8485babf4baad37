package openloop

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeOS is a clock that moves only when the pacer sleeps or spins: a sleep
// of d lasts d + overshoot[i] (the i-th sleep), a spin turn lasts turn, or
// other when something else ran in it.
type fakeOS struct {
	t         int64
	overshoot []int64
	turnNs    int64
	other     map[int]int64 // turn number → its length, when something else ran
	sleptFor  []int64
	turns     int
	cancel    func() // called at the first sleep, if set
}

func (f *fakeOS) Now() int64 { return f.t }

func (f *fakeOS) Sleep(ctx context.Context, ns int64) error {
	if f.cancel != nil {
		f.cancel()
	}
	var over int64
	if i := len(f.sleptFor); i < len(f.overshoot) {
		over = f.overshoot[i]
	}
	f.sleptFor = append(f.sleptFor, ns)
	f.t += ns + over
	return ctx.Err()
}

func (f *fakeOS) Turn(rem int64) {
	f.turns++
	if d, ok := f.other[f.turns]; ok {
		f.t += d
		return
	}
	f.t += f.turnNs
}

// TestPacerSchedule checks the pacer's arithmetic against a fake clock:
// when it sleeps and for how long, that it never returns before the due
// time and spins the rest, how the margin grows after a late wake-up, and
// what it counts as the generator's busy time.
func TestPacerSchedule(t *testing.T) {
	us := int64(time.Microsecond)
	tests := []struct {
		name       string
		margin     int64
		overshoot  []int64
		turn       int64
		other      map[int]int64
		dues       []int64
		wantSleeps []int64 // the sleeps asked for
		wantTurns  int
		wantEnd    int64 // clock when the last wait returns
		wantMargin int64
		wantBusy   int64
	}{
		{name: "due already passed: no sleep, no spin", margin: 100 * us, turn: us,
			dues: []int64{0}, wantTurns: 0, wantEnd: 0, wantMargin: 100 * us},
		{name: "within the margin: spin only", margin: 100 * us, turn: us,
			dues: []int64{35 * us}, wantTurns: 35, wantEnd: 35 * us, wantMargin: 100 * us, wantBusy: 35 * us},
		{name: "overshooting turn ends past due", margin: 100 * us, turn: 3 * us / 2,
			dues: []int64{10 * us}, wantTurns: 7, wantEnd: 21 * us / 2, wantMargin: 100 * us, wantBusy: 21 * us / 2},
		{name: "far: sleep to margin, then spin", margin: 100 * us, turn: us,
			dues: []int64{1000 * us}, wantSleeps: []int64{900 * us}, wantTurns: 100, wantEnd: 1000 * us, wantMargin: 100 * us, wantBusy: 100 * us},
		{name: "late wake-up grows the margin by its overshoot plus the floor", margin: 100 * us, overshoot: []int64{130 * us}, turn: us,
			dues: []int64{1000 * us, 2000 * us}, wantSleeps: []int64{900 * us, 790 * us},
			wantTurns: 180, wantEnd: 2000 * us, wantMargin: 180 * us, wantBusy: 180 * us},
		{name: "overshoot within the margin leaves it", margin: 100 * us, overshoot: []int64{40 * us}, turn: us,
			dues: []int64{1000 * us}, wantSleeps: []int64{900 * us}, wantTurns: 60, wantEnd: 1000 * us, wantMargin: 100 * us, wantBusy: 60 * us},
		{name: "margin capped at maxMargin", margin: 100 * us, overshoot: []int64{int64(20 * time.Millisecond)}, turn: 1000 * us,
			dues: []int64{1000 * us}, wantSleeps: []int64{900 * us}, wantTurns: 0, wantEnd: 20900 * us, wantMargin: int64(maxMargin)},
		{name: "a turn in which something else ran is not busy", margin: 100 * us, turn: us, other: map[int]int64{2: 30 * us},
			dues: []int64{50 * us}, wantTurns: 21, wantEnd: 50 * us, wantMargin: 100 * us, wantBusy: 20 * us},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeOS{overshoot: tt.overshoot, turnNs: tt.turn, other: tt.other}
			p := New(f, time.Duration(tt.margin))
			p.Resume()
			for _, due := range tt.dues {
				if err := p.wait(context.Background(), due); err != nil {
					t.Fatal(err)
				}
				if f.t < due {
					t.Fatalf("returned at %d, before due %d", f.t, due)
				}
			}
			p.Pause()
			if !equalInts(f.sleptFor, tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", f.sleptFor, tt.wantSleeps)
			}
			if f.turns != tt.wantTurns || f.t != tt.wantEnd || p.margin != tt.wantMargin || p.busy != tt.wantBusy {
				t.Errorf("turns %d end %d margin %d busy %d; want %d, %d, %d, %d",
					f.turns, f.t, p.margin, p.busy, tt.wantTurns, tt.wantEnd, tt.wantMargin, tt.wantBusy)
			}
			if int(p.sleeps) != len(tt.wantSleeps) {
				t.Errorf("sleeps counted %d, want %d", p.sleeps, len(tt.wantSleeps))
			}
			u := p.Usage(f.t)
			if u.Busy != time.Duration(tt.wantBusy) || (f.t > 0 && u.Cores != float64(tt.wantBusy)/float64(f.t)) {
				t.Errorf("usage %+v, want busy %d over %d", u, tt.wantBusy, f.t)
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPacerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeOS{turnNs: 1, cancel: cancel}
	p := New(f, time.Duration(time.Microsecond))
	if err := p.wait(ctx, int64(time.Second)); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait returned %v, want context.Canceled", err)
	}
}

// TestCalibrateMargin: the worst overshoot of the calibration sleeps plus
// spinFloor, capped at maxMargin.
func TestCalibrateMargin(t *testing.T) {
	us := int64(time.Microsecond)
	for _, tt := range []struct {
		over []int64
		want time.Duration
	}{
		{[]int64{10 * us, 90 * us, 20 * us}, 140 * time.Microsecond},
		{nil, spinFloor},
		{[]int64{int64(time.Second)}, maxMargin},
	} {
		got, err := Calibrate(context.Background(), &fakeOS{overshoot: tt.over})
		if err != nil || got != tt.want {
			t.Errorf("overshoots %v: margin %v, %v; want %v", tt.over, got, err, tt.want)
		}
	}
}
