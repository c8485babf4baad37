package workloads

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfbench/perfbench/runtime/features"
)

func TestWaitSignalled(t *testing.T) {
	closedCh := func() chan struct{} { c := make(chan struct{}); close(c); return c }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		done  func() chan struct{}
		guard time.Duration
		want  string // "" for nil; otherwise the error's text
		is    error
	}{
		{"already signalled", context.Background(), closedCh, time.Hour, "", nil},
		{"signalled wins over a cancelled ctx", cancelled, closedCh, time.Hour, "", nil},
		{"signalled while waiting", context.Background(), func() chan struct{} {
			c := make(chan struct{})
			go close(c)
			return c
		}, time.Hour, "", nil},
		{"ctx cancelled", cancelled, func() chan struct{} { return make(chan struct{}) }, time.Hour, "context canceled", context.Canceled},
		{"deadlock guard", context.Background(), func() chan struct{} { return make(chan struct{}) }, time.Millisecond, "x: not delivered after 1ms", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := waitSignalled(tc.ctx, "x: not delivered", tc.done(), tc.guard)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v, want nil", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("err = %v, want %q", err, tc.want)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Fatalf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
}

// The wait returns once the receiving node counts the target, reports a
// target never reached by its guard, and cancels with ctx.
func TestWaitReceivedOnARig(t *testing.T) {
	r, sig, err := rigWithSignal(features.Set{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	from, to := r.nodes[0], r.nodes[1]
	base := to.Counters().Peers[from.ID()].Received.Total()
	ctx := context.Background()
	if err := waitReceived(ctx, "none sent", to, from.ID(), base+1, 5*time.Millisecond); err == nil || err.Error() != "none sent after 5ms" {
		t.Errorf("nothing sent: err = %v, want the guard's error", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := waitReceived(cctx, "none sent", to, from.ID(), base+1, deadlockGuard); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if err := waitReceived(ctx, "bad peer", to, "n9", 1, deadlockGuard); err == nil || !strings.Contains(err.Error(), `unknown peer "n9"`) {
		t.Errorf("unknown peer: err = %v", err)
	}
	for i := range 3 {
		if err := from.Send(to.ID(), "agent-0", sig); err != nil {
			t.Fatal(err)
		}
		if err := waitReceived(ctx, "sent", to, from.ID(), base+uint64(i)+1, deadlockGuard); err != nil {
			t.Fatalf("signal %d: %v", i+1, err)
		}
		if got := to.Counters().Peers[from.ID()].Received.Total(); got != base+uint64(i)+1 {
			t.Fatalf("after signal %d the receiver counted %d, want %d", i+1, got-base, i+1)
		}
	}
	to.ReceivedAtLeast(from.ID(), 0) // an already-met target leaves nothing pending
}

// pollSleep is the simplest alternative to a notification: poll cond with
// a 20 µs sleep. It is the baseline of the benchmarks below, which show
// what the notification saves.
func pollSleep(ctx context.Context, cond func() bool) error {
	deadline := time.Now().Add(deadlockGuard)
	for !cond() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("not delivered")
		}
		time.Sleep(20 * time.Microsecond)
	}
	return nil
}

// BenchmarkWakeUp measures the wait mechanism alone: the time from the
// moment another goroutine makes the condition true to the moment the
// waiter returns (wake-ns/op), with the notification and with a sleep
// poll (pollSleep).
func BenchmarkWakeUp(b *testing.B) {
	b.Run("notify", func(b *testing.B) {
		start, dones := make(chan struct{}), make(chan chan struct{})
		var t0 atomic.Int64
		go func() {
			for done := range dones {
				<-start
				t0.Store(time.Now().UnixNano())
				close(done)
			}
		}()
		defer close(dones)
		var wake int64
		for b.Loop() {
			done := make(chan struct{})
			dones <- done
			start <- struct{}{}
			if err := waitSignalled(context.Background(), "wake", done, deadlockGuard); err != nil {
				b.Fatal(err)
			}
			wake += time.Now().UnixNano() - t0.Load()
		}
		b.ReportMetric(float64(wake)/float64(b.N), "wake-ns/op")
	})
	b.Run("sleep-poll", func(b *testing.B) {
		start := make(chan struct{})
		var t0 atomic.Int64
		var flag atomic.Bool
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-start:
					t0.Store(time.Now().UnixNano())
					flag.Store(true)
				case <-stop:
					return
				}
			}
		}()
		defer close(stop)
		var wake int64
		for b.Loop() {
			flag.Store(false)
			start <- struct{}{}
			if err := pollSleep(context.Background(), flag.Load); err != nil {
				b.Fatal(err)
			}
			wake += time.Now().UnixNano() - t0.Load()
		}
		b.ReportMetric(float64(wake)/float64(b.N), "wake-ns/op")
	})
}

// BenchmarkClusterLatencyWait is cluster-latency's measured op (one signal
// across two nodes, waited for) with each wait: the difference is what the
// wait mechanism adds to the measured time.
func BenchmarkClusterLatencyWait(b *testing.B) {
	for _, mode := range []string{"notify", "sleep-poll"} {
		b.Run(mode, func(b *testing.B) {
			r, sig, err := rigWithSignal(features.Set{}, 2)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			from, to := r.nodes[0], r.nodes[1]
			ctx := context.Background()
			want := to.Counters().Peers[from.ID()].Received.Total()
			for b.Loop() {
				want++
				if err := from.Send(to.ID(), "agent-0", sig); err != nil {
					b.Fatal(err)
				}
				if mode == "notify" {
					err = waitReceived(ctx, "latency", to, from.ID(), want, deadlockGuard)
				} else {
					err = pollSleep(ctx, func() bool { return to.Counters().Peers[from.ID()].Received.Total() >= want })
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
