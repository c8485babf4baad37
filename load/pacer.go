package load

import (
	"context"
	"runtime"
	"time"
)

// Pacing. The generator must send each operation at its due time, to the
// microsecond, yet Go's timers on Linux wake up to about a millisecond late
// (the netpoller's timeout has millisecond resolution, and the kernel adds
// its timer slack). So the pacer sleeps only while more than a margin
// remains and spins on the monotonic clock for the rest. The margin is
// calibrated before the run (the worst wake-up delay of a few short sleeps,
// plus spinFloor) and grows during the run whenever a sleep overshoots
// further; it never shrinks, so a late wake-up is not repeated.
//
// A spinning generator must not starve the runtime it measures, at either
// level of scheduling:
//   - Go: an agent goroutine woken by a send waits in the generator's P's
//     run-next slot until something yields that P (another P must otherwise
//     steal it, ~100 µs on this VM). The spin calls runtime.Gosched at every
//     turn, so it runs at once.
//   - Linux: an agent's thread woken onto the generator's CPU waits behind
//     the spinning thread until the scheduler's next tick (Linux 6.x's EEVDF
//     scheduler does not preempt it sooner; 4 ms at HZ=250 — measured: the
//     stalls ended on 4 ms boundaries, p99 in milliseconds). While more than
//     yieldUntil remains, the spin also calls sched_yield (osYield), so a
//     woken thread runs at once; the last microseconds are spun without it,
//     since a yield can return late.
//
// The cost: between operations closer together than the margin (about 1 ms
// here, so above ~1 000 operations/s) the generator spins continuously and
// keeps one core busy. Whatever lateness remains is measured as schedule lag
// and, since latency counts from the due time, charged to the operations,
// not hidden.
const (
	yieldUntil = 5 * time.Microsecond
	spinFloor  = 50 * time.Microsecond
	maxMargin  = 5 * time.Millisecond
)

type pacer struct {
	clk    *clock
	margin int64 // ns
	timer  *time.Timer
	sleeps int64
}

func newPacer(clk *clock, margin time.Duration) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{clk: clk, margin: int64(margin), timer: t}
}

// calibrateMargin measures how late short sleeps wake up.
func calibrateMargin(ctx context.Context) (time.Duration, error) {
	worst := time.Duration(0)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for _, d := range []time.Duration{100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 2 * time.Millisecond,
		100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 2 * time.Millisecond} {
		start := time.Now()
		t.Reset(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		worst = max(worst, time.Since(start)-d)
	}
	return min(worst+spinFloor, maxMargin), nil
}

// wait returns once the clock has reached due (ns since start), or with
// ctx's error.
func (p *pacer) wait(ctx context.Context, due int64) error {
	for {
		rem := due - p.clk.now()
		if rem <= 0 {
			return nil
		}
		if rem <= p.margin {
			for p.clk.now() < due {
				// Spin, yielding the P and (but for the last few µs)
				// the CPU: see the comment at the top.
				runtime.Gosched()
				if due-p.clk.now() > int64(yieldUntil) {
					osYield()
				}
			}
			return nil
		}
		wake := due - p.margin
		p.timer.Reset(time.Duration(rem - p.margin))
		select {
		case <-p.timer.C:
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		}
		p.sleeps++
		if over := p.clk.now() - wake; over+int64(spinFloor) > p.margin {
			p.margin = min(over+int64(spinFloor), int64(maxMargin))
		}
	}
}

// Pacer is the pacer for a driver outside this package that keeps its own
// open-loop schedule (perfbench monitor): due times are durations since
// the Pacer was made, and Wait returns at each one as precisely as the
// load generator's own sends.
type Pacer struct {
	clk *clock
	p   *pacer
}

// NewPacer calibrates the sleep margin (a few milliseconds of short sleeps)
// and starts the schedule's clock.
func NewPacer(ctx context.Context) (*Pacer, error) {
	margin, err := calibrateMargin(ctx)
	if err != nil {
		return nil, err
	}
	clk := &clock{start: time.Now()}
	return &Pacer{clk: clk, p: newPacer(clk, margin)}, nil
}

// Now is the time since the schedule's start.
func (p *Pacer) Now() time.Duration { return time.Duration(p.clk.now()) }

// Wait returns once Now has reached due, or with ctx's error.
func (p *Pacer) Wait(ctx context.Context, due time.Duration) error { return p.p.wait(ctx, int64(due)) }

// Wall is the wall-clock time of a point of the schedule.
func (p *Pacer) Wall(at time.Duration) time.Time { return p.clk.start.Add(at) }

// Margin is the current sleep margin: within it the pacer spins.
func (p *Pacer) Margin() time.Duration { return time.Duration(p.p.margin) }
