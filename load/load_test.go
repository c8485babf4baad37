package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/internal/attempts"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/verdict"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseScenario(t *testing.T) {
	tests := []struct {
		in      string
		want    Scenario
		wantErr string
	}{
		{"burst", Burst, ""},
		{" Sustained ", Sustained, ""},
		{"mixed", Mixed, ""},
		{"", "", "missing scenario (valid: burst, sustained, mixed)"},
		{"spike", "", `unknown scenario "spike" (valid: burst, sustained, mixed)`},
	}
	for _, tt := range tests {
		got, err := ParseScenario(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseScenario(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseScenario(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		in      Config
		wantOps int64
		wantErr string
	}{
		{"burst default", Config{Scenario: Burst}, 10000, ""},
		{"burst ×10", Config{Scenario: Burst, Multiplier: 10}, 100000, ""},
		{"sustained default", Config{Scenario: Sustained}, 60000, ""},
		{"sustained ×10, 5 s", Config{Scenario: Sustained, Multiplier: 10, Duration: 5 * time.Second}, 50000, ""},
		{"mixed 200/s 1 s", Config{Scenario: Mixed, Rate: 200, Duration: time.Second}, 200, ""},
		{"unknown scenario", Config{Scenario: "spike"}, 0, "unknown scenario"},
		{"burst with rate", Config{Scenario: Burst, Rate: 5}, 0, "burst takes no rate or duration"},
		{"negative rate", Config{Scenario: Sustained, Rate: -1}, 0, "invalid rate"},
		{"negative duration", Config{Scenario: Sustained, Duration: -time.Second}, 0, "invalid duration"},
		{"multiplier 0 is 1", Config{Scenario: Burst, Multiplier: 0}, 10000, ""},
		{"negative multiplier", Config{Scenario: Burst, Multiplier: -2}, 0, "invalid multiplier -2"},
		{"too many agents", Config{Scenario: Burst, Agents: MaxAgents + 1}, 0, "invalid agents"},
		{"no operation", Config{Scenario: Sustained, Rate: 0.1, Duration: time.Second}, 0, "schedules no operation"},
		{"too many operations", Config{Scenario: Sustained, Rate: 1e9, Duration: time.Hour}, 0, "more than the limit"},
		{"closed loop mixed", Config{Scenario: Mixed, ClosedLoop: true}, 0, "closed loop applies to sustained only"},
		// Every knob has a maximum; a burst's is what its memory allows.
		{"largest burst", Config{Scenario: Burst, Multiplier: MaxBurst / BurstSize}, int64(MaxBurst / BurstSize * BurstSize), ""},
		{"burst over the memory limit", Config{Scenario: Burst, Multiplier: MaxBurst/BurstSize + 1}, 0,
			fmt.Sprintf("more than the limit of %d (multiplier at most %d): a burst is built in memory", MaxBurst, MaxBurst/BurstSize)},
		{"burst ×100000", Config{Scenario: Burst, Multiplier: 100000}, 0, "within 1024 MiB"},
		{"burst ×107375", Config{Scenario: Burst, Multiplier: 107375}, 0, "a burst of 1073750000 signals"},
		{"largest multiplier", Config{Scenario: Sustained, Rate: 1, Duration: time.Second, Multiplier: MaxMultiplier}, MaxMultiplier, ""},
		{"multiplier over the limit", Config{Scenario: Mixed, Rate: 1, Duration: time.Second, Multiplier: MaxMultiplier + 1}, 0, "want an integer from 1 to 1000"},
		{"longest duration", Config{Scenario: Sustained, Rate: 1, Duration: MaxDuration}, 3600, ""},
		{"duration over the limit", Config{Scenario: Sustained, Duration: MaxDuration + time.Second}, 0, "of at most 1h0m0s"},
		{"mailbox over the limit", Config{Scenario: Burst, MailboxSize: MaxMailbox + 1}, 0, "want 0 to 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				// A burst has no rate or duration: its errors must not
				// blame them.
				if tt.in.Scenario == Burst && tt.in.Rate == 0 && tt.in.Duration == 0 && (strings.Contains(err.Error(), "rate") || strings.Contains(err.Error(), "duration")) {
					t.Errorf("burst error %q blames rate or duration", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Ops() != tt.wantOps {
				t.Errorf("Ops() = %d, want %d", got.Ops(), tt.wantOps)
			}
			if got.Agents != DefaultAgents {
				t.Errorf("Agents = %d, want the default %d", got.Agents, DefaultAgents)
			}
		})
	}
}

func TestDueTimes(t *testing.T) {
	c, err := Config{Scenario: Sustained, Rate: 1000, Multiplier: 4}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{0, 250000, 500000, 750000, 1000000} {
		if got := c.dueNs(int64(i)); got != want {
			t.Errorf("dueNs(%d) = %d, want %d", i, got, want)
		}
	}
	b, _ := Config{Scenario: Burst}.Normalize()
	if b.dueNs(9999) != 0 {
		t.Errorf("a burst signal is due at t0, got %d", b.dueNs(9999))
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	b := make([]byte, 64)
	putHeader(b, 123456789, kPublish)
	due, kind, ok := readHeader(b)
	if !ok || due != 123456789 || kind != kPublish {
		t.Fatalf("readHeader = %d, %d, %v", due, kind, ok)
	}
	if _, _, ok := readHeader(b[:headerSize-1]); ok {
		t.Error("a short payload must not read as a header")
	}
	if _, _, ok := readHeader(make([]byte, 64)); ok {
		t.Error("a payload without the magic must not read as a header")
	}
}

// samples builds one sample every 100 ms over 10 s: live = base + slope·t,
// one GC every gcEvery samples.
func samples(base, slopeBps float64, gcEvery int) []results.HeapSample {
	var out []results.HeapSample
	for i := 0; i <= 100; i++ {
		t := time.Duration(i) * 100 * time.Millisecond
		out = append(out, results.HeapSample{T: t, Live: uint64(base + slopeBps*t.Seconds()), GCs: uint64(i / gcEvery)})
	}
	return out
}

func TestFitTrend(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name                 string
		s                    []results.HeapSample
		judged, stable       bool
		wantSlope, wantGrowP float64 // slope in B/s; growth over the 8 s window
	}{
		{"flat", samples(8*mib, 0, 10), true, true, 0, 0},
		// 8 MiB live: the threshold is max(0.8 MiB, 1 MiB) = 1 MiB; 100 KiB/s × 8 s = 800 KiB.
		{"slow growth under the floor", samples(8*mib, 100<<10, 10), true, true, 100 << 10, 800 << 10},
		// 200 KiB/s × 8 s = 1.6 MiB > 1 MiB.
		{"leak", samples(8*mib, 200<<10, 10), true, false, 200 << 10, 1600 << 10},
		// 100 MiB live: 10 % is 10 MiB; 1 MiB/s × 8 s = 8 MiB is within it.
		{"large heap, proportional limit", samples(100*mib, mib, 10), true, true, mib, 8 * mib},
		{"too few GCs", samples(8*mib, 200<<10, 40), false, false, 200 << 10, 1600 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := fitTrend(tt.s, 10*time.Second, 1000, 100*time.Millisecond)
			if tr.Judged != tt.judged || tr.Stable != tt.stable {
				t.Errorf("judged, stable = %v, %v; want %v, %v (growth %.0f, threshold %.0f, gcs %d)", tr.Judged, tr.Stable, tt.judged, tt.stable, tr.Growth, tr.Threshold, tr.GCs)
			}
			if math.Abs(tr.SlopeBps-tt.wantSlope) > 1 || math.Abs(tr.Growth-tt.wantGrowP) > 8 {
				t.Errorf("slope %.1f growth %.1f, want %.1f, %.1f", tr.SlopeBps, tr.Growth, tt.wantSlope, tt.wantGrowP)
			}
			if tr.Fitted != 81 { // samples at 2.0 s … 10.0 s
				t.Errorf("fitted %d samples, want 81", tr.Fitted)
			}
		})
	}
}

func TestBucketsAndHistogram(t *testing.T) {
	l := openloop.NewLatency()
	for _, v := range []int64{150, 900, 1500, 1500, 3000, 7000, 7000, 7000, 45000, 2_500_000} {
		l.Record(v)
	}
	want := []openloop.Bucket{
		{From: 100, To: 200, Count: 1}, {From: 200, To: 500, Count: 0}, {From: 500, To: 1000, Count: 1}, {From: 1000, To: 2000, Count: 2}, {From: 2000, To: 5000, Count: 1}, {From: 5000, To: 10000, Count: 3},
		{From: 10000, To: 20000, Count: 0}, {From: 20000, To: 50000, Count: 1}, {From: 50000, To: 100000, Count: 0}, {From: 100000, To: 200000, Count: 0}, {From: 200000, To: 500000, Count: 0},
		{From: 500000, To: 1000000, Count: 0}, {From: 1000000, To: 2000000, Count: 0}, {From: 2000000, To: 5000000, Count: 1},
	}
	got := l.Buckets()
	if len(got) != len(want) {
		t.Fatalf("got %d buckets, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var b strings.Builder
	WriteHistogram(&b, l, 6)
	wantText := "" +
		"  100 ns – 200 ns   |##    |  10.00%  cum  10.000%\n" +
		"  200 ns – 500 ns   |      |   0.00%  cum  10.000%\n" +
		"  500 ns – 1 µs     |##    |  10.00%  cum  20.000%\n" +
		"  1 µs – 2 µs       |####  |  20.00%  cum  40.000%\n" +
		"  2 µs – 5 µs       |##    |  10.00%  cum  50.000%  ← p50\n" +
		"  5 µs – 10 µs      |######|  30.00%  cum  80.000%\n" +
		"  10 µs – 20 µs     |      |   0.00%  cum  80.000%\n" +
		"  20 µs – 50 µs     |##    |  10.00%  cum  90.000%  ← p90\n" +
		"  50 µs – 100 µs    |      |   0.00%  cum  90.000%\n" +
		"  100 µs – 200 µs   |      |   0.00%  cum  90.000%\n" +
		"  200 µs – 500 µs   |      |   0.00%  cum  90.000%\n" +
		"  500 µs – 1 ms     |      |   0.00%  cum  90.000%\n" +
		"  1 ms – 2 ms       |      |   0.00%  cum  90.000%\n" +
		"  2 ms – 5 ms       |##    |  10.00%  cum 100.000%  ← p99 p99.9 max\n"
	if b.String() != wantText {
		t.Errorf("histogram:\n%s\nwant:\n%s", b.String(), wantText)
	}
	var empty strings.Builder
	WriteHistogram(&empty, openloop.NewLatency(), 10)
	if empty.String() != "  (no operations)\n" {
		t.Errorf("empty histogram = %q", empty.String())
	}
}

// TestCoordinatedOmission injects a 200 ms stall into the receiving agent
// (at 5 000 signals/s, 1 000 signals fall due during it) and shows that
// the open-loop measurement (latency from due time) reports it at p99,
// while a closed-loop one (latency from the actual send, the sender
// waiting for each reply) hides it at p99 and shows it only as the max.
// The bounds leave a factor of two to spare on either side (p99 "shows" at
// ≥ 80 % of the stall, "hides" below 50 %), so a loaded machine or the
// race detector, which only add delay of their own, cannot flip them
// unless they stall the process for 100 ms themselves. The one bound they
// could flip that way is the control's (no stall, p99 below 100 ms): a run
// in which the machine stalled the generator itself for half that (its own
// schedule lag says so) is not judged but run again, at most
// attempts.Max times in all, each attempt logged; a control never judged
// fails.
func TestCoordinatedOmission(t *testing.T) {
	const stall = 200 * time.Millisecond
	shows, hides := stall*8/10, stall/2
	base := Config{Scenario: Sustained, Rate: 5000, Duration: 400 * time.Millisecond, Agents: 1}
	withStall := base
	withStall.Stall = Stall{At: 100, For: stall}
	closed := withStall
	closed.ClosedLoop = true
	tests := []struct {
		name string
		cfg  Config
		// check judges one run, or returns why the machine kept it from
		// being judged (and then reports nothing).
		check func(t *testing.T, r *Result) (disturbed string)
	}{
		{"open loop, no stall", base, func(t *testing.T, r *Result) string {
			p := r.Response.Quantile(99)
			if p < hides {
				return ""
			}
			if lag := r.Lag.Max(); lag >= hides/2 {
				return fmt.Sprintf("response p99 %v without a stall, but the machine stalled the generator itself (schedule lag max %v)", p, lag)
			}
			t.Errorf("response p99 %v without a stall, want < %v", p, hides)
			return ""
		}},
		{"open loop, stall", withStall, func(t *testing.T, r *Result) string {
			if p := r.Response.Quantile(99); p < shows {
				t.Errorf("response p99 %v, want ≥ %v: the stall must show", p, shows)
			}
			if m := r.Service.Max(); m < stall {
				t.Errorf("service max %v, want ≥ %v: the stalled signal's own service time", m, stall)
			}
			return ""
		}},
		{"closed loop, stall", closed, func(t *testing.T, r *Result) string {
			if p := r.ClosedLoop.Quantile(99); p >= hides {
				t.Errorf("closed-loop p99 %v, want < %v: measuring from the actual send hides the stall", p, hides)
			}
			if m := r.ClosedLoop.Max(); m < stall {
				t.Errorf("closed-loop max %v, want ≥ %v: the one call that hit the stall", m, stall)
			}
			if p := r.Response.Quantile(99); p < shows {
				t.Errorf("response p99 from due time %v, want ≥ %v: the correction sees what the closed loop hides", p, shows)
			}
			if r.Lag.Max() < shows {
				t.Errorf("schedule lag max %v: a closed-loop generator blocked by the stall must fall behind", r.Lag.Max())
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := attempts.Judge(attempts.Max, t.Logf, func(int) string {
				r, err := Measure(context.Background(), tt.cfg)
				if err != nil {
					t.Fatal(err)
				}
				if r.Total.Sent != 2000 || !r.Conserved() || r.Total.Errors() != 0 {
					t.Fatalf("sent %d, conserved %v, errors %d; want 2000, true, 0 (%s)", r.Total.Sent, r.Conserved(), r.Total.Errors(), r.Runtime.Note)
				}
				t.Logf("response p99 %v, closed loop p99 %v max %v, schedule lag max %v",
					r.Response.Quantile(99), r.ClosedLoop.Quantile(99), r.ClosedLoop.Max(), r.Lag.Max())
				return tt.check(t, r)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestMailboxOverflow bursts 10 000 signals into one agent with a mailbox
// of 16: most are refused. Every refusal is counted, the agent's own
// rejection counter agrees, and sent = delivered + errored exactly.
func TestMailboxOverflow(t *testing.T) {
	for _, f := range []features.Set{{}, features.All()} {
		t.Run(f.String(), func(t *testing.T) {
			r, err := Measure(context.Background(), Config{Scenario: Burst, Agents: 1, MailboxSize: 16, Features: f})
			if err != nil {
				t.Fatal(err)
			}
			c := r.Kind(KindCast)
			if c == nil || c.Sent != 10000 || r.Total.Sent != 10000 || r.SentOps != 10000 {
				t.Fatalf("sent %+v, want 10000 casts", r.Total)
			}
			if c.Errored == 0 || c.Errored != r.ErrorsBy["mailbox full"] {
				t.Errorf("errored %d, mailbox full %d: want the same, non-zero", c.Errored, r.ErrorsBy["mailbox full"])
			}
			if c.Sent != c.Delivered+c.Errored || !r.Conserved() {
				t.Errorf("sent %d != delivered %d + errored %d (%s)", c.Sent, c.Delivered, c.Errored, r.Runtime.Note)
			}
			if r.Runtime.Rejected != uint64(c.Errored) || r.Runtime.Processed != uint64(c.Delivered) {
				t.Errorf("agent counters rejected %d processed %d, want %d and %d", r.Runtime.Rejected, r.Runtime.Processed, c.Errored, c.Delivered)
			}
			if r.Response.Count() != c.Delivered || r.OKOps != c.Delivered {
				t.Errorf("latencies %d, ok ops %d, want one per delivered signal (%d)", r.Response.Count(), r.OKOps, c.Delivered)
			}
			v := verdictByTarget(r.Verdicts(), "error rate < 0.1 %")
			if v.Status != verdict.Fail {
				t.Errorf("error-rate verdict %s, want FAIL", v.Status)
			}
			if v := verdictByTarget(r.Verdicts(), "nothing lost"); v.Status != verdict.Pass {
				t.Errorf("nothing-lost verdict %s (%s), want PASS: refused signals are counted, not lost", v.Status, v.Measured)
			}
		})
	}
}

func verdictByTarget(vs []verdict.Verdict, target string) verdict.Verdict {
	for _, v := range vs {
		if v.Criterion == target {
			return v
		}
	}
	return verdict.Verdict{}
}

// TestAccounting runs each scenario briefly and checks the exact counts
// the schedule implies.
func TestAccounting(t *testing.T) {
	tests := []struct {
		name                    string
		cfg                     Config
		casts, deliveries, qrys int64
	}{
		{"sustained", Config{Scenario: Sustained, Rate: 2000, Duration: 200 * time.Millisecond, Agents: 2}, 400, 0, 0},
		// 400 operations = 20 cycles: 240 casts, 80 queries, 80 publishes × 3 agents.
		{"mixed", Config{Scenario: Mixed, Rate: 2000, Duration: 200 * time.Millisecond, Agents: 3, Features: features.All()}, 240, 240, 80},
		{"burst", Config{Scenario: Burst, Agents: 3}, 10000, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Measure(context.Background(), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []struct {
				k Kind
				n int64
			}{{KindCast, tt.casts}, {KindPublish, tt.deliveries}, {KindQuery, tt.qrys}} {
				var sent, delivered int64
				if kr := r.Kind(want.k); kr != nil {
					sent, delivered = kr.Sent, kr.Delivered+kr.Errored
					if kr.Response.Count() != kr.Delivered {
						t.Errorf("%s: %d latencies for %d deliveries", want.k, kr.Response.Count(), kr.Delivered)
					}
				}
				if sent != want.n || delivered != want.n {
					t.Errorf("%s: sent %d, delivered+errored %d; want %d", want.k, sent, delivered, want.n)
				}
			}
			if !r.Conserved() || r.Unsent != 0 || r.Unmeasured != 0 {
				t.Errorf("conserved %v unsent %d unmeasured %d (%s)", r.Conserved(), r.Unsent, r.Unmeasured, r.Runtime.Note)
			}
			if r.SentOps != r.Scheduled || r.Lag.Count() != r.SentOps {
				t.Errorf("sent ops %d, scheduled %d, lag samples %d", r.SentOps, r.Scheduled, r.Lag.Count())
			}
		})
	}
}

// TestCancel: an interrupted run stops within a second and returns the
// context's error; goleak (TestMain) checks that nothing is left running.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(150 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := Measure(ctx, Config{Scenario: Sustained, Duration: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 1500*time.Millisecond {
		t.Errorf("took %v to stop", el)
	}
}

// TestBurstSignalBytes checks BurstSignalBytes, from which MaxBurst is
// derived: a built burst costs no more per signal than it says, so
// MaxBurstBytes really bounds the memory a burst takes.
func TestBurstSignalBytes(t *testing.T) {
	cfg, err := Config{Scenario: Burst, Multiplier: 10}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	g := &generator{cfg: cfg, rig: &rig{agents: make([]*agent.Server, cfg.Agents)}, filler: newFiller()}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	per, err := g.buildBurst(context.Background())
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range per {
		n += len(p)
	}
	perSignal := float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
	if n != 100000 || perSignal > BurstSignalBytes {
		t.Errorf("built %d signals at %.0f B each, want 100000 at most %d B", n, perSignal, BurstSignalBytes)
	}
	t.Logf("%.0f B per burst signal", perSignal)
}

// TestBuildBurstHonoursCancel: building a burst is a phase of its own,
// before t0, and an interrupt during it ends it.
func TestBuildBurstHonoursCancel(t *testing.T) {
	cfg, err := Config{Scenario: Burst, Multiplier: 10}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := &generator{cfg: cfg, rig: &rig{agents: make([]*agent.Server, cfg.Agents)}, filler: newFiller()}
	per, err := g.buildBurst(ctx)
	if !errors.Is(err, context.Canceled) || per != nil {
		t.Fatalf("buildBurst with a cancelled context = %d lists, %v; want nil, context.Canceled", len(per), err)
	}
}

// TestCancelEveryPhase interrupts runs of every scenario at several moments,
// so that the cancellation lands in different phases (starting the agents,
// warm-up, calibration, building a burst, sending, draining). Each run must
// return the context's error; the timeout is only a guard against a hang,
// and goleak (TestMain) checks that nothing is left running.
func TestCancelEveryPhase(t *testing.T) {
	cfgs := []Config{
		{Scenario: Burst, Multiplier: 20},
		{Scenario: Sustained, Duration: time.Minute},
		{Scenario: Mixed, Duration: time.Minute, Features: features.All()},
	}
	for _, cfg := range cfgs {
		for _, after := range []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s/after %s", cfg.Scenario, after), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if after == 0 {
					cancel()
				} else {
					time.AfterFunc(after, cancel)
				}
				done := make(chan error, 1)
				go func() {
					_, err := Measure(ctx, cfg)
					done <- err
				}()
				select {
				case err := <-done:
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("err = %v, want context.Canceled", err)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("Run did not return after cancellation (guard)")
				}
			})
		}
	}
}

// TestUnsentInConservation asks for far more than a generator can send
// (10^8 operations in 100 ms): it falls behind its bound and leaves the rest
// unsent. The conservation verdict shows them in its own line,
// sent + unsent = requested, and fails.
func TestUnsentInConservation(t *testing.T) {
	r, err := Measure(context.Background(), Config{Scenario: Sustained, Rate: 1e9, Duration: 100 * time.Millisecond, Agents: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Scheduled != 1e8 || r.Unsent == 0 || r.SentOps+r.Unsent != r.Scheduled || !r.Conserved() {
		t.Fatalf("scheduled %d, sent %d, unsent %d, conserved %v: want 1e8 = sent + unsent, unsent > 0",
			r.Scheduled, r.SentOps, r.Unsent, r.Conserved())
	}
	v := verdictByTarget(r.Verdicts(), "nothing lost")
	want := fmt.Sprintf("%d = %d + %d; %d sent + %d unsent = %d requested",
		r.Total.Sent, r.Total.Delivered, r.Total.Errored, r.SentOps, r.Unsent, r.Scheduled)
	if v.Measured != want || v.Status != verdict.Fail {
		t.Errorf("nothing lost: %q %s, want %q FAIL", v.Measured, v.Status, want)
	}
	// A result whose counts do not add up is not conserved.
	broken := *r
	broken.Unsent--
	if broken.Conserved() {
		t.Error("sent + unsent ≠ requested, yet Conserved() is true")
	}
}
