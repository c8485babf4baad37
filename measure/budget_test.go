package measure

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/runtime/features"
)

// stepClock advances one second on every read.
func stepClock(t0 time.Time) func() time.Time {
	t := t0
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func TestDeadlineStopsBetweenABBABlocks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		deadline time.Time
		used     int
		stopped  bool
		runs     string // the instances' runs, warm-ups included
	}{
		// Reads: the start check (t0+1), the first block's start (t0+2),
		// the check before rounds 0-1 (t0+3, forecast 0), before rounds
		// 2-3 (t0+4, forecast 1 s: ends at t0+5, not before the deadline).
		{"stops before a block that would overrun", t0.Add(5 * time.Second), 2, true, "none none jit jit jit jit none none"},
		{"a spent budget runs nothing", t0.Add(time.Second), 0, true, ""},
		{"no deadline runs every round", time.Time{}, 4, false, "none none jit jit jit jit none none none none jit jit jit jit none none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			p := NewLocalPair(fake{log: &log}.workload(), features.Set{}, features.Set{JIT: true})
			s := Settings{Rounds: 4, Benchtime: Benchtime{N: 10}, Deadline: tt.deadline, Now: stepClock(t0)}
			res, err := p.Measure(context.Background(), s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.RoundsUsed != tt.used || res.Stopped != tt.stopped || len(res.Samples) != 2*tt.used || res.Rounds != 4 {
				t.Errorf("used %d stopped %v samples %d rounds %d; want %d %v %d 4", res.RoundsUsed, res.Stopped, len(res.Samples), res.Rounds, tt.used, tt.stopped, 2*tt.used)
			}
			if got := strings.Join(log, " "); got != tt.runs {
				t.Errorf("runs %q, want %q", got, tt.runs)
			}
		})
	}
}
