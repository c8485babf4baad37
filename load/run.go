package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/bus"
	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/workloads"
)

const (
	loadSource = "/perfbench/load"
	castSize   = 64       // bytes of payload per cast, header included
	smallSize  = 1 << 10  // a small publish
	largeSize  = 16 << 10 // a large publish
	// busLogSize bounds the mixed scenario's bus log. It is filled before
	// the clock starts, so the log's growth is not mistaken for a leak.
	busLogSize = 1000
	// LateThreshold: a send this far behind its due time is counted late.
	// It is the p99 target itself: one such send alone uses up the budget.
	LateThreshold = 100 * time.Microsecond
	primeTimeout  = 10 * time.Second
	// cancelCheck is how many signals a burst builds between looks at its
	// context: a few milliseconds of work.
	cancelCheck = 4096
)

// Blend is the mixed scenario's cycle, one letter per operation, repeated:
// C a cast of 64 B into one agent (the agents take turns; six signal types
// in turn, one of which, work.item, binds three actions and enqueues a
// fourth), Q a state query of one agent, P a bus publish of 1 KiB and L of
// 16 KiB, each fanned out to every agent. Per 20 operations: 12 casts,
// 4 queries, 3 small and 1 large publish.
const Blend = "CQCPCCQCPCCQCLCCQCPC"

var castTypes = []string{"counter.inc", "order.created", "order.paid", "counter.add", "user.profile.updated", "work.item"}

// BlendDoc describes Blend for help text and reports.
const BlendDoc = "per 20 operations: 12 casts of 64 B into the agents in turn (types counter.inc, order.created, order.paid, " +
	"counter.add, user.profile.updated, work.item — the last runs 4 instructions), 4 state queries, " +
	"3 bus publishes of 1 KiB and 1 of 16 KiB, each delivered to every agent"

// rig is the runtime under load: the agents, their recorders, a bus.
type rig struct {
	cfg Config
	// clk.Start is written once, before the first measured signal is sent;
	// the mailbox hand-over orders that write before every read on the agents.
	clk    *openloop.Clock
	agents []*agent.Server
	recs   []*recorder
	bus    *bus.Bus
}

func newRig(cfg Config) (*rig, error) {
	r := &rig{cfg: cfg, clk: &openloop.Clock{}}
	for i := 0; i < cfg.Agents; i++ {
		st := Stall{}
		if i == 0 {
			st = cfg.Stall
		}
		ks := []byte{kCast}
		if cfg.Scenario == Mixed {
			ks = append(ks, kPublish)
		}
		rec := newRecorder(r.clk, st, ks...)
		id := fmt.Sprintf("load-%d", i)
		s, err := agent.Start(agent.Config{
			ID: id, Features: cfg.Features, Routes: workloads.AgentRoutes(), Actions: loadActions(rec),
			InitialState: initialState(id), MailboxSize: cfg.MailboxSize,
		})
		if err != nil {
			r.stop()
			return nil, err
		}
		r.agents = append(r.agents, s)
		r.recs = append(r.recs, rec)
	}
	return r, nil
}

// stop stops every agent; each drains what it accepted. Safe to repeat.
func (r *rig) stop() {
	for _, a := range r.agents {
		a.Stop()
	}
}

func (r *rig) stats() agent.Stats {
	var t agent.Stats
	for _, a := range r.agents {
		s := a.Stats()
		t.Accepted += s.Accepted
		t.Rejected += s.Rejected
		t.Processed += s.Processed
		t.Failed += s.Failed
	}
	return t
}

// prime runs one warm-up signal of every type the scenario uses through
// every agent, synchronously, before the clock starts: JIT plans compile,
// caches and pools fill. For mixed it also fills the bus log to its bound
// and subscribes the agents. Warm-up signals carry kind kPrime and are not
// measured or counted.
func (r *rig) prime(ctx context.Context, filler []byte) error {
	types := []string{"counter.inc"}
	if r.cfg.Scenario == Mixed {
		types = append(append([]string(nil), castTypes...), "data.doc.small", "data.doc.large")
		r.bus = bus.New(bus.Options{Features: r.cfg.Features, LogSize: busLogSize})
		for i := 0; i < busLogSize; i++ {
			typ, size := "data.doc.small", smallSize
			if i%4 == 3 {
				typ, size = "data.doc.large", largeSize
			}
			sig, err := newSignal(typ, size, 0, kPrime, filler)
			if err != nil {
				return err
			}
			if _, err := r.bus.Publish(sig); err != nil {
				return fmt.Errorf("prime bus: %w", err)
			}
		}
		for _, a := range r.agents {
			if _, err := r.bus.Subscribe("data.**", dispatch.Agent(a)); err != nil {
				return fmt.Errorf("subscribe: %w", err)
			}
		}
	}
	for _, a := range r.agents {
		for _, t := range types {
			size := castSize
			if strings.HasPrefix(t, "data.") {
				size = smallSize
			}
			sig, err := newSignal(t, size, 0, kPrime, filler)
			if err != nil {
				return err
			}
			cctx, cancel := context.WithTimeout(ctx, primeTimeout)
			err = a.Call(cctx, sig)
			cancel()
			if err != nil {
				return fmt.Errorf("prime %s: %w", a.ID(), err)
			}
		}
		if _, err := a.State(ctx); err != nil {
			return fmt.Errorf("prime %s: %w", a.ID(), err)
		}
	}
	return nil
}

// newSignal builds a measured signal: data {"payload": size bytes (at least the
// header) starting with the header, the rest copied from filler}.
func newSignal(typ string, size int, due int64, kind byte, filler []byte) (*signal.Signal, error) {
	return newSignalFrom(map[string]any{}, typ, size, due, kind, filler)
}

// newSignalFrom is newSignal with the data map to fill supplied. signal.New
// copies maps (the signal owns its own; binaries are taken over), so one map
// serves every send: the generator then allocates only the payload and what
// the signal keeps. The generator is the process's main allocator under
// load, and each collection it triggers or assists stalls the schedule.
func newSignalFrom(data map[string]any, typ string, size int, due int64, kind byte, filler []byte) (*signal.Signal, error) {
	p := make([]byte, max(size, headerSize))
	copy(p[headerSize:], filler)
	putHeader(p, due, kind)
	data[payloadKey] = p
	sig, err := signal.New(typ, loadSource, data)
	data[payloadKey] = nil // the map must not keep the last payload alive
	return sig, err
}

func newFiller() []byte {
	r := rand.New(rand.NewPCG(7, 11))
	b := make([]byte, largeSize)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// generator produces the schedule. It runs on the caller's goroutine; all
// its counters and histograms are its own.
type generator struct {
	cfg    Config
	rig    *rig
	clk    *openloop.Clock
	pacer  *openloop.Pacer
	filler []byte
	data   map[string]any // newSignalFrom's map, reused by every send

	lag      *openloop.Latency // actual send − due
	late     int64             // sends more than LateThreshold behind
	closed   *openloop.Latency // closed loop only: reply − actual send
	queryRsp *openloop.Latency // due → return
	querySvc *openloop.Latency // call → return

	sent, errored  [3]int64
	queryRejected  int64 // queries refused by a full mailbox (they count in the agent's Rejected)
	sentOps, okOps int64
	unsent         int64
	lastQueryDone  int64
	handOver       int64 // burst: when the last signal was handed over
	castSeq        int
	errs           map[string]int64
	sink           uint64 // last state version read, so queries cannot be optimized away
}

// buildBurst builds every signal of a burst before the clock starts: all
// are due at t0 = 0. Signal i goes to agent i mod agents. It checks ctx
// every cancelCheck signals, so an interrupt is honoured while building
// too; the burst's size is bounded by Normalize (MaxBurst).
func (g *generator) buildBurst(ctx context.Context) ([][]*signal.Signal, error) {
	n := g.cfg.Ops()
	per := make([][]*signal.Signal, len(g.rig.agents))
	for a := range per {
		per[a] = make([]*signal.Signal, 0, n/int64(len(per))+1)
	}
	for i := int64(0); i < n; i++ {
		if i%cancelCheck == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		sig, err := newSignal("counter.inc", castSize, 0, kCast, g.filler)
		if err != nil {
			return nil, err
		}
		a := int(i % int64(len(per)))
		per[a] = append(per[a], sig)
	}
	return per, nil
}

// sendBurst hands the burst over as fast as it can: per agent in chunks of
// agent.DefaultBatchSize with CastBatch (one hand-over per chunk with
// Batching on, one Cast per signal with it off), agents in turn. A chunk's
// lag is when it was handed over.
func (g *generator) sendBurst(ctx context.Context, per [][]*signal.Signal) error {
	chunk := agent.DefaultBatchSize
	for off := 0; off < len(per[0]); off += chunk {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		for a, sigs := range per {
			if off >= len(sigs) {
				continue
			}
			part := sigs[off:min(off+chunk, len(sigs))]
			now := g.clk.Now()
			g.lag.RecordN(now, int64(len(part)))
			acc, err := g.rig.agents[a].CastBatch(part)
			g.sent[kCast-1] += int64(len(part))
			g.sentOps += int64(len(part))
			g.okOps += int64(acc)
			if rej := int64(len(part) - acc); rej > 0 {
				g.errored[kCast-1] += rej
				g.errs[errReason(err)] += rej
			}
		}
	}
	g.handOver = g.clk.Now()
	return nil
}

func errReason(err error) string {
	switch {
	case errors.Is(err, agent.ErrMailboxFull):
		return "mailbox full"
	case errors.Is(err, agent.ErrStopped):
		return "agent stopped"
	case errors.Is(err, agent.ErrTimeout):
		return "timeout"
	}
	return "other"
}

func (g *generator) startClock() { g.clk.Start = time.Now() }

// scheduled runs sustained and mixed: operation i is due at start + i/rate;
// the pacer waits for it, the send is stamped and its lag recorded. A
// generator that has fallen behind sends at once (never skips), and the
// latency of what it sends late still counts from the due time. It stops by
// itself after the last operation, when ctx ends, or — should sending
// itself be so slow that the schedule cannot be kept at all — once it is
// more than max(span, 1 s) behind, leaving the rest unsent (reported).
func (g *generator) scheduled(ctx context.Context) error {
	n := g.cfg.Ops()
	span := int64(g.cfg.span())
	limit := span + max(span, int64(time.Second))
	done := ctx.Done()
	for i := int64(0); i < n; i++ {
		select {
		case <-done:
			return ctx.Err()
		default:
		}
		due := g.cfg.dueNs(i)
		op := byte('C')
		if g.cfg.Scenario == Mixed {
			op = Blend[i%int64(len(Blend))]
		}
		var sig *signal.Signal
		var err error
		switch op {
		case 'C':
			typ := "counter.inc"
			if g.cfg.Scenario == Mixed {
				typ = castTypes[g.castSeq%len(castTypes)]
				g.castSeq++
			}
			sig, err = newSignalFrom(g.data, typ, castSize, due, kCast, g.filler)
		case 'P':
			sig, err = newSignalFrom(g.data, "data.doc.small", smallSize, due, kPublish, g.filler)
		case 'L':
			sig, err = newSignalFrom(g.data, "data.doc.large", largeSize, due, kPublish, g.filler)
		}
		if err != nil {
			return err
		}
		if err := g.pacer.Wait(ctx, time.Duration(due)); err != nil {
			return err
		}
		a := g.rig.agents[i%int64(len(g.rig.agents))]
		now, ok := g.stamp(due, limit)
		if !ok {
			g.unsent = n - i
			return nil
		}
		g.sentOps++
		switch op {
		case 'C':
			g.sent[kCast-1]++
			if g.cfg.ClosedLoop {
				g.pacer.Pause()
				err = a.Call(ctx, sig)
				g.closed.Record(g.clk.Now() - now)
				g.pacer.Resume()
			} else {
				err = a.Cast(sig)
			}
			if err != nil {
				g.errored[kCast-1]++
				g.errs[errReason(err)]++
				continue
			}
			g.okOps++
		case 'Q':
			g.sent[kQuery-1]++
			g.pacer.Pause() // a query may block: the agent's work is not the generator's
			snap, err := a.State(ctx)
			ret := g.clk.Now()
			g.pacer.Resume()
			g.queryRsp.Record(ret - due)
			g.querySvc.Record(ret - now)
			g.lastQueryDone = max(g.lastQueryDone, ret)
			if err != nil {
				g.errored[kQuery-1]++
				g.errs[errReason(err)]++
				if errors.Is(err, agent.ErrMailboxFull) {
					g.queryRejected++
				}
				continue
			}
			g.sink = snap.Version()
			g.okOps++
		case 'P', 'L':
			subs := int64(len(g.rig.agents))
			res, _ := g.rig.bus.Publish(sig)
			g.sent[kPublish-1] += subs
			if miss := subs - int64(res.Delivered); miss > 0 {
				g.errored[kPublish-1] += miss
				g.errs["mailbox full (bus delivery)"] += miss
				continue
			}
			g.okOps++
		}
	}
	g.handOver = g.clk.Now()
	return nil
}

// stamp is the send of an operation due at due: the time it goes out, now,
// and its lag, now − due, recorded exactly (to histogram precision). It
// reports false, recording nothing, once the generator is past limit and
// must stop.
func (g *generator) stamp(due, limit int64) (now int64, ok bool) {
	now = int64(g.pacer.Now())
	if now > limit {
		return now, false
	}
	g.lag.Record(now - due)
	if now-due > int64(LateThreshold) {
		g.late++
	}
	return now, true
}

// Measure drives one load run and returns its measurements. It builds its own
// agents (and bus), warms them up, runs the schedule, stops the agents
// (each drains everything it accepted) and only then reads what was
// measured, so every accepted signal is accounted for. It returns ctx's
// error if interrupted; every goroutine it started has ended when it
// returns.
func Measure(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	wall := time.Now()
	r, err := newRig(cfg)
	if err != nil {
		return nil, err
	}
	defer r.stop()
	g := &generator{
		cfg: cfg, rig: r, clk: r.clk, filler: newFiller(), data: map[string]any{},
		lag: openloop.NewLatency(), queryRsp: openloop.NewLatency(), querySvc: openloop.NewLatency(),
		errs: map[string]int64{},
	}
	if cfg.ClosedLoop {
		g.closed = openloop.NewLatency()
	}
	if err := r.prime(ctx, g.filler); err != nil {
		return nil, err
	}
	margin := time.Duration(0)
	if cfg.Scenario != Burst {
		if margin, err = openloop.Calibrate(ctx, openloop.Machine(&openloop.Clock{Start: time.Now()})); err != nil {
			return nil, err
		}
	}
	g.pacer = openloop.New(openloop.Machine(r.clk), margin)
	var per [][]*signal.Signal
	if cfg.Scenario == Burst {
		// Built before the counters are read: a burst's figures are the
		// hand-over and the processing, not the construction.
		if per, err = g.buildBurst(ctx); err != nil {
			return nil, err
		}
	}
	statsBefore := r.stats()
	runtime.GC()
	counters := measure.NewCounterReader()
	before := counters.Read()
	pauseBefore, pauseBuckets := pauseCounts()

	var genErr error
	var sampler *heapSampler
	if cfg.Scenario == Burst {
		g.startClock()
		sampler = startHeapSampler(r.clk, 0)
		g.pacer.Resume()
		genErr = g.sendBurst(ctx, per)
	} else {
		g.startClock()
		sampler = startHeapSampler(r.clk, cfg.span())
		g.pacer.Resume()
		genErr = g.scheduled(ctx)
	}
	g.pacer.Pause()
	genEnd := r.clk.Now()
	r.stop()
	stopped := r.clk.Now()
	samples := sampler.stop()
	after := counters.Read()
	pauseAfter, _ := pauseCounts()
	if genErr != nil {
		return nil, genErr
	}
	for _, rec := range r.recs {
		rec.flush()
	}
	res := g.result(statsBefore, r.stats())
	res.Config = cfg
	res.Features = cfg.Features.String()
	res.SleepMargin = margin
	res.Generator = g.pacer.Usage(genEnd)
	res.GeneratorEnd = time.Duration(genEnd)
	res.Stopped = time.Duration(stopped)
	res.Elapsed = time.Since(wall)
	span := cfg.span()
	if cfg.Scenario == Burst {
		span = time.Duration(genEnd)
	}
	interval := sampleInterval(span)
	res.Heap = fitTrend(samples, span, cfg.EffectiveRate(), interval)
	res.GC = results.GCStats{
		Cycles:     after.GCCycles - before.GCCycles,
		PauseTotal: time.Duration((after.GCPauseSec - before.GCPauseSec) * 1e9),
		PauseMax:   maxPause(pauseBefore, pauseAfter, pauseBuckets),
		AllocBytes: after.AllocBytes - before.AllocBytes,
		CPU:        after.CPU - before.CPU,
	}
	if res.SentOps > 0 {
		res.GC.AllocPerOp = float64(res.GC.AllocBytes) / float64(res.SentOps)
	}
	if stopped > 0 {
		res.GC.CPUCores = res.GC.CPU.Seconds() / time.Duration(stopped).Seconds()
	}
	return res, nil
}
