package natsrig

import (
	"testing"
	"time"
)

// fakeServer becomes ready at its readyAt-th question and records how long
// each question let it take.
type fakeServer struct {
	readyAt int
	asked   []time.Duration
}

func (f *fakeServer) ReadyForConnections(d time.Duration) bool {
	f.asked = append(f.asked, d)
	return len(f.asked) >= f.readyAt
}

// A server is asked until it is ready, each time for no longer than the
// server's own 25 ms step: asked for longer, it sleeps 25 ms between its
// checks even when it is ready a moment later.
func TestWaitReadyAsksBriefly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		readyAt int
		timeout time.Duration
		want    bool
	}{
		{"ready at once", 1, time.Second, true},
		{"ready at the fifth question", 5, time.Second, true},
		{"never ready", 1 << 30, 5 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeServer{readyAt: tc.readyAt}
			if got := waitReady(f, tc.timeout); got != tc.want {
				t.Fatalf("waitReady = %v, want %v", got, tc.want)
			}
			if tc.want && len(f.asked) != tc.readyAt {
				t.Errorf("asked %d times, want %d (until ready, then stop)", len(f.asked), tc.readyAt)
			}
			if !tc.want && len(f.asked) < 2 {
				t.Errorf("asked %d times before giving up, want it asked again until the timeout", len(f.asked))
			}
			for i, d := range f.asked {
				if d <= 0 || d >= 25*time.Millisecond {
					t.Fatalf("question %d let the server take %s: want more than 0 (0 checks nothing) and under 25ms", i+1, d)
				}
			}
		})
	}
}
