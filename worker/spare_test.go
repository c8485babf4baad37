//go:build linux

package worker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
)

// startsEnv names a file a serving helper worker appends its pid to as it
// starts, so that a test counts the processes started.
const startsEnv = "PERFBENCH_WORKER_TEST_STARTS"

func logStart(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "%d\n", os.Getpid()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// counted is a serving target with Spares whose starts are logged.
func counted(t *testing.T, f features.Set) (Target, func() []int) {
	path := filepath.Join(t.TempDir(), "starts")
	tg := target("serve", "count", f, nil)
	tg.Env = append(tg.Env, startsEnv+"="+path)
	tg.Spares = new(Spares)
	return tg, func() []int {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		var pids []int
		for _, l := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(l)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		return pids
	}
}

// reaped says whether pid is gone, not even a zombie left.
func reaped(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// TestPrestartedWorker: Open takes the worker Prestart started instead of
// starting one, and opens the workload in it afresh; a spare that no Open
// takes is killed and reaped by Discard.
func TestPrestartedWorker(t *testing.T) {
	ctx := guard(t)
	tg, starts := counted(t, features.Set{JIT: true})
	sp := tg.Prestart(ctx)
	if err := sp.Ready(); err != nil {
		t.Fatal(err)
	}
	if got := starts(); len(got) != 1 {
		t.Fatalf("a prestart started %d workers (%v), want 1", len(got), got)
	}
	inst, err := tg.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := starts()
	if len(got) != 1 || inst.(*proc).cmd.Process.Pid != got[0] {
		t.Fatalf("Open after a prestart: workers %v started, the instance is pid %d; want the prestarted one only", got, inst.(*proc).cmd.Process.Pid)
	}
	if v, err := inst.Run(ctx, 1); err != nil || v["jit-on"] != 1 {
		t.Fatalf("Run in the prestarted worker: %v, %v", v, err)
	}
	sp.Discard() // taken: nothing to do
	if err := inst.(measure.AsyncCloser).CloseAsync()(); err != nil {
		t.Fatal(err)
	}
	if !reaped(got[0]) {
		t.Errorf("worker %d not reaped after its close", got[0])
	}

	unused := tg.Prestart(ctx)
	if err := unused.Ready(); err != nil {
		t.Fatal(err)
	}
	unused.Discard()
	unused.Discard()
	got = starts()
	if len(got) != 2 || !reaped(got[1]) {
		t.Fatalf("workers %v: want a second, reaped by Discard", got)
	}
	if len(tg.Spares.queue) != 0 {
		t.Errorf("%d spares left queued", len(tg.Spares.queue))
	}
	// Without Spares a target prestarts nothing.
	if sp := target("serve", "count", features.Set{}, nil).Prestart(ctx); sp != nil {
		t.Errorf("Prestart without Spares = %v, want nil", sp)
	}
}

// TestPairOfWorkersPrestarted: measured through the engine, every
// round-side is still a worker of its own, none is started twice over, and
// none outlives Measure — the spare started for a round that the budget
// cancels included.
func TestPairOfWorkersPrestarted(t *testing.T) {
	tests := []struct {
		name   string
		rounds int
		budget bool
		starts int
	}{
		// Two round pairs, four round-sides, one worker each (a count
		// benchtime takes no calibration run).
		{"full", 2, false, 4},
		// The budget ends after the first block: its four round-sides, and
		// the spare started for the fifth.
		{"budget", 20, true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := guard(t)
			base, starts := counted(t, features.Set{})
			head := base
			head.Name, head.Features, head.Spares = "head", features.Set{JIT: true}, new(Spares)
			s := measure.Settings{Rounds: tt.rounds, Benchtime: measure.Benchtime{N: 5}}
			if tt.budget {
				start := time.Unix(0, 0)
				s.Deadline = start.Add(time.Hour)
				s.Now = func() time.Time {
					if len(starts()) >= 5 {
						return s.Deadline
					}
					return start
				}
			}
			res, err := measure.NewPair("count", []stats.Metric{{Name: "jit-on"}}, 0, base, head).Measure(ctx, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Values(stats.On, "jit-on"); len(got) != res.RoundsUsed || got[0] != 1 {
				t.Errorf("head jit-on %v over %d rounds", got, res.RoundsUsed)
			}
			pids := starts()
			if len(pids) != tt.starts {
				t.Errorf("%d workers started, want %d", len(pids), tt.starts)
			}
			for _, pid := range pids {
				if !reaped(pid) {
					t.Errorf("worker %d outlives Measure", pid)
				}
			}
			if n := len(base.Spares.queue) + len(head.Spares.queue); n != 0 {
				t.Errorf("%d spares left queued", n)
			}
		})
	}
}
