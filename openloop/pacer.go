package openloop

import (
	"context"
	"runtime"
	"time"
)

// Pacing. The generator must send each operation at its due time, to the
// microsecond. So the pacer sleeps only while more than a margin remains and
// spins on the monotonic clock for the rest. The margin is calibrated before
// the run (the worst overshoot of a few short sleeps, plus spinFloor) and
// grows during the run whenever a sleep overshoots further; it never
// shrinks, so a late wake-up is not repeated.
//
// How it sleeps decides what the spin costs. Go's timers wake up to about a
// millisecond late on Linux (the netpoller's timeout has millisecond
// resolution), which makes the margin about 1 ms: below ~1 000 operations/s
// the generator would spin continuously. On Linux the pacer sleeps in
// nanosleep instead, whose overshoot is the thread's timer slack (50 µs by
// default) plus the wake-up, about 85–95 µs measured on this VM; so at
// 1 000/s it spins ~15 % of the time. Before it sleeps it yields its P once:
// an agent its last send woke waits in that P's run-next slot, and a P held
// in a system call is not run until sysmon retakes it or another P steals.
//
// A spinning generator must not starve the runtime it measures, at either
// level of scheduling:
//   - Go: an agent goroutine woken by a send waits in the generator's P's
//     run-next slot until something yields that P (another P must otherwise
//     steal it after a 3 µs back-off, stretched by the timer slack: 25–110 µs
//     measured here). The spin calls runtime.Gosched at every turn, so it
//     runs at once on the generator's P — as it would after any Go sender
//     that blocks or yields.
//   - Linux: an agent's thread woken onto the generator's CPU waits behind
//     the spinning thread until the scheduler's next tick (Linux 6.x's EEVDF
//     scheduler does not preempt it sooner; 4 ms at HZ=250 — measured: the
//     stalls ended on 4 ms boundaries, p99 in milliseconds). While more than
//     yieldUntil remains, the spin also calls sched_yield (osYield), so a
//     woken thread runs at once; the last microseconds are spun without it,
//     since a yield can return late.
//
// That is also why the generator is not locked to its OS thread, though a
// locked spinning thread keeps time as well: runtime.Gosched on a locked
// goroutine hands its P to another thread and back (21–27 µs a call,
// measured here, against 60–90 ns unlocked), and without Gosched every woken
// agent waits for a steal (wake-up p50 25–110 µs, against 0.2–0.4 µs).
//
// What the generator itself costs is its busy time: the time it holds a CPU,
// sending and spinning, measured on the monotonic clock. Sleeps, blocking
// queries and every spin turn in which something else ran (a turn that took
// longer than giveWay: a Gosched that ran an agent, a sched_yield that ran
// another thread) are left out. A per-thread CPU clock would be exact but
// is a system call here (~0.5 µs), and reading it at every turn, as a
// goroutine that may change threads at every Gosched needs, put 1–2 µs on
// every send's lag. Busy time overstates the CPU only by time the OS takes
// the thread away without a yield, which on an idle machine is nil.
const (
	yieldUntil = 5 * time.Microsecond
	// giveWay: a spin turn longer than this ran something else (an empty
	// Gosched takes 60–90 ns here, an empty sched_yield well under 1 µs).
	giveWay   = 2 * time.Microsecond
	spinFloor = 50 * time.Microsecond
	maxMargin = 5 * time.Millisecond
	// maxSleep bounds one sleep, so an interrupt is seen within it.
	maxSleep = 100 * time.Millisecond
)

// OS is what the pacer needs from the machine; tests fake it.
type OS interface {
	Now() int64                                // ns on the schedule's monotonic clock
	Sleep(ctx context.Context, ns int64) error // about ns, possibly longer; ctx's error if it ends first
	Turn(rem int64)                            // one spin turn, rem ns before the due time
}

// Clock is a schedule's time base: nanoseconds on the monotonic clock since
// Start.
type Clock struct{ Start time.Time }

// Now is the time since Start, in ns.
func (c *Clock) Now() int64 { return int64(time.Since(c.Start)) }

// Machine is the real machine, timed by clk.
func Machine(clk *Clock) OS { return osPacer{clk} }

// osPacer is the real machine.
type osPacer struct{ clk *Clock }

func (o osPacer) Now() int64 { return o.clk.Now() }

func (o osPacer) Sleep(ctx context.Context, ns int64) error {
	runtime.Gosched() // let the agents woken by the last send run first
	for ns > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := min(ns, int64(maxSleep))
		osSleep(d)
		ns -= d
	}
	return ctx.Err()
}

func (o osPacer) Turn(rem int64) {
	// Yield the P and (but for the last few µs) the CPU: see the comment
	// at the top.
	runtime.Gosched()
	if rem > int64(yieldUntil) {
		osYield()
	}
}

// Pacer waits for each due time of an open-loop schedule and keeps the
// generator's busy time. It is not safe for concurrent use: one generator
// goroutine owns it.
type Pacer struct {
	os     OS
	clk    *Clock // the machine's clock when made by Start; nil otherwise
	margin int64  // ns
	sleeps int64

	busy int64 // the generator's busy time so far (see the comment at the top)
	mark int64 // when the current busy stretch began
}

// New returns a pacer on os that starts with the given sleep margin.
func New(os OS, margin time.Duration) *Pacer {
	return &Pacer{os: os, margin: int64(margin)}
}

// Calibrate measures how late short sleeps wake up and returns the margin
// to start with.
func Calibrate(ctx context.Context, os OS) (time.Duration, error) {
	worst := int64(0)
	for _, d := range []time.Duration{100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 2 * time.Millisecond,
		100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 2 * time.Millisecond} {
		start := os.Now()
		if err := os.Sleep(ctx, int64(d)); err != nil {
			return 0, err
		}
		worst = max(worst, os.Now()-start-int64(d))
	}
	return min(time.Duration(worst)+spinFloor, maxMargin), nil
}

// Start calibrates the sleep margin on the machine (a few milliseconds of
// short sleeps) and then starts the schedule's clock: due times are
// durations since Start returned.
func Start(ctx context.Context) (*Pacer, error) {
	clk := &Clock{Start: time.Now()}
	margin, err := Calibrate(ctx, Machine(clk))
	if err != nil {
		return nil, err
	}
	clk.Start = time.Now()
	p := New(Machine(clk), margin)
	p.clk = clk
	return p, nil
}

// Resume starts a busy stretch: the generator runs.
func (p *Pacer) Resume() { p.mark = p.os.Now() }

// Pause ends the busy stretch: the generator is about to give way.
func (p *Pacer) Pause() { p.busy += p.os.Now() - p.mark }

// Wait returns once the clock has reached due (since the schedule's
// start), or with ctx's error. Its sleeps, and the turns in which
// something else ran, are not busy time.
func (p *Pacer) Wait(ctx context.Context, due time.Duration) error { return p.wait(ctx, int64(due)) }

func (p *Pacer) wait(ctx context.Context, due int64) error {
	for {
		now := p.os.Now()
		rem := due - now
		if rem <= 0 {
			return nil
		}
		if rem <= p.margin {
			p.os.Turn(rem)
			if after := p.os.Now(); after-now > int64(giveWay) {
				p.busy += now - p.mark
				p.mark = after
			}
			continue
		}
		p.busy += now - p.mark
		wake := due - p.margin
		err := p.os.Sleep(ctx, wake-now)
		p.Resume()
		if err != nil {
			return err
		}
		p.sleeps++
		if over := p.mark - wake; over+int64(spinFloor) > p.margin {
			p.margin = min(over+int64(spinFloor), int64(maxMargin))
		}
	}
}

// GeneratorUsage is what the generator itself cost: a spinning generator
// takes a CPU that the runtime under test does not get.
type GeneratorUsage struct {
	// Busy is the time it held a CPU, sending and spinning (see pacer.go).
	Busy time.Duration `json:"busy_ns"`
	// Cores is Busy over its span, start → last send.
	Cores  float64 `json:"cores"`
	Sleeps int64   `json:"sleeps"`
}

// Usage is the generator's cost over [0, end] (ns since the start).
func (p *Pacer) Usage(end int64) GeneratorUsage {
	u := GeneratorUsage{Busy: time.Duration(p.busy), Sleeps: p.sleeps}
	if end > 0 {
		u.Cores = float64(p.busy) / float64(end)
	}
	return u
}

// Now is the time since the schedule's start, on the pacer's OS.
func (p *Pacer) Now() time.Duration { return time.Duration(p.os.Now()) }

// Wall is the wall-clock time of a point of the schedule of a pacer made
// by Start; a pacer on a fake OS has no wall clock and gets the zero time.
func (p *Pacer) Wall(at time.Duration) time.Time {
	if p.clk == nil {
		return time.Time{}
	}
	return p.clk.Start.Add(at)
}

// Margin is the current sleep margin: within it the pacer spins.
func (p *Pacer) Margin() time.Duration { return time.Duration(p.margin) }
