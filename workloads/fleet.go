package workloads

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/bus"
	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// flushEvery bounds how many operations a workload issues between two
// barriers, so that producers never outrun a 10 000-slot mailbox by design:
// the workloads measure the runtime's cost, not its overflow handling
// (that is the load command's business, where overflow counts as errors).
const flushEvery = 1000

// AgentActions are the Jido actions every workload agent knows: counters,
// payload sizes, order records, an action that enqueues another, and a
// no-op used as a barrier. The load command runs the same ones.
func AgentActions() map[string]agent.Action {
	return map[string]agent.Action{
		"inc": func(in *agent.Instruction, st agent.Reader, out *agent.Result) error {
			n, _ := st.Get("count")
			c, _ := n.(int)
			v, _ := in.Params.Get("by")
			by, ok := v.(int)
			if !ok {
				by = 1
			}
			out.Set("count", c+by)
			out.Set("last", in.Signal.ID())
			return nil
		},
		"size": func(in *agent.Instruction, st agent.Reader, out *agent.Result) error {
			v, _ := st.Get("bytes")
			b, _ := v.(int)
			out.Set("bytes", b+in.Signal.DataSize())
			return nil
		},
		"order": func(in *agent.Instruction, st agent.Reader, out *agent.Result) error {
			v, _ := st.Get("orders")
			o, _ := v.(int)
			out.Set("orders", o+1)
			out.Set("order", map[string]any{"type": in.Signal.Type(), "subject": in.Signal.Subject()})
			return nil
		},
		"audit": func(in *agent.Instruction, _ agent.Reader, out *agent.Result) error {
			out.Directive(agent.Enqueue{Action: "inc", Params: map[string]any{"by": 0}})
			return nil
		},
		"sync": func(*agent.Instruction, agent.Reader, *agent.Result) error { return nil },
	}
}

// AgentRoutes is a realistic small route table for AgentActions: literals,
// single and multi-segment wildcards, several bindings for one type.
func AgentRoutes() []router.Route[agent.Binding] {
	b := func(p, a string, prio int) router.Route[agent.Binding] {
		return router.Route[agent.Binding]{Pattern: p, Priority: prio, Handler: agent.Binding{Action: a}}
	}
	return []router.Route[agent.Binding]{
		b("counter.inc", "inc", 0),
		{Pattern: "counter.add", Handler: agent.Binding{Action: "inc", Params: map[string]any{"by": 5}}},
		b("order.created", "order", 0),
		b("order.paid", "order", 10),
		b("order.*.eu", "order", 0),
		b("data.**", "size", 0),
		b("stream.*", "size", 0),
		b("work.item", "inc", 0),
		b("work.item", "order", -10),
		b("work.item", "audit", -20),
		b("audit.**", "audit", 0),
		b("sys.sync", "sync", 100),
		b("user.*.updated", "inc", 0),
		b("user.profile.*", "inc", 0),
		b("payment.**", "inc", 0),
		b("sensor.*.reading", "size", 0),
		b("session.started", "inc", 0),
		b("session.stopped", "inc", 0),
		b("invoice.*", "order", 0),
		b("shipment.parcel.*", "order", 0),
	}
}

// fleet is a set of agent servers, optionally subscribed to a bus.
type fleet struct {
	agents []*agent.Server
	bus    *bus.Bus
	syncs  []*signal.Signal
}

func newFleet(f features.Set, n int) (*fleet, error) { return newFleetSized(f, n, 0) }

// newFleetSized is newFleet with a mailbox size (0: the agent default).
func newFleetSized(f features.Set, n, mailbox int) (*fleet, error) {
	fl := &fleet{}
	for i := 0; i < n; i++ {
		s, err := agent.Start(agent.Config{
			ID:          fmt.Sprintf("agent-%d", i),
			Features:    f,
			Routes:      AgentRoutes(),
			Actions:     AgentActions(),
			MailboxSize: mailbox,
			InitialState: map[string]any{
				"count": 0, "bytes": 0, "orders": 0, "name": fmt.Sprintf("agent-%d", i),
				"tags": []string{"bench", "perfbench"}, "limits": map[string]any{"max": 100, "min": 0},
			},
		})
		if err != nil {
			fl.Close()
			return nil, err
		}
		fl.agents = append(fl.agents, s)
		sync, err := signal.New("sys.sync", "/perfbench", nil)
		if err != nil {
			fl.Close()
			return nil, err
		}
		fl.syncs = append(fl.syncs, sync)
	}
	return fl, nil
}

// withBus adds a bus and subscribes every agent to pattern.
func (fl *fleet) withBus(f features.Set, pattern string) error {
	fl.bus = bus.New(bus.Options{Features: f})
	for _, a := range fl.agents {
		if _, err := fl.bus.Subscribe(pattern, dispatch.Agent(a)); err != nil {
			return err
		}
	}
	return nil
}

// barrier returns once every agent has processed everything sent before:
// a Call is answered only after the mailbox ahead of it is drained. A full
// mailbox is waited out, as cast does.
func (fl *fleet) barrier(ctx context.Context) error {
	for i, a := range fl.agents {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := a.Call(ctx, fl.syncs[i])
		for errors.Is(err, agent.ErrMailboxFull) && ctx.Err() == nil {
			runtime.Gosched()
			err = a.Call(ctx, fl.syncs[i])
		}
		cancel()
		if err != nil {
			return fmt.Errorf("barrier: %w", err)
		}
	}
	return nil
}

// cast sends sig to a, yielding while its mailbox is full (a closed-loop
// producer). It returns how many times it had to retry.
func cast(ctx context.Context, a *agent.Server, sig *signal.Signal) (int, error) {
	for retries := 0; ; retries++ {
		err := a.Cast(sig)
		if err == nil {
			return retries, nil
		}
		if !errors.Is(err, agent.ErrMailboxFull) {
			return retries, err
		}
		if ctx.Err() != nil {
			return retries, ctx.Err()
		}
		runtime.Gosched()
	}
}

type totals struct {
	copies, bytesCopied      uint64
	instrUsed, instrNew      uint64
	envUsed, envNew          uint64
	route                    router.Stats
	rejected, failedDelivery uint64
}

func (fl *fleet) totals() totals {
	var t totals
	for _, a := range fl.agents {
		st, rs := a.Stats(), a.RouterStats()
		t.copies += st.Copies
		t.bytesCopied += st.BytesCopied
		t.instrUsed += st.InstructionsUsed
		t.instrNew += st.InstructionsNew
		t.envUsed += st.EnvelopesUsed
		t.envNew += st.EnvelopesNew
		t.route.Hits += rs.Hits
		t.route.Misses += rs.Misses
		t.route.Bypassed += rs.Bypassed
		t.rejected += st.Rejected
	}
	if fl.bus != nil {
		bs := fl.bus.Stats()
		t.copies += bs.Copies
		t.bytesCopied += bs.BytesCopied
		t.failedDelivery += bs.Failed
	}
	return t
}

// metrics derives the workload metrics of the operations between before
// and after.
func (fl *fleet) metrics(before, after totals, n int) map[string]float64 {
	m := cacheMetrics(before.route, after.route)
	m[metricBytesCopied.Name] = float64(after.bytesCopied-before.bytesCopied) / float64(n)
	m[metricPoolReuse.Name] = pct(after.instrUsed-before.instrUsed+after.envUsed-before.envUsed-(after.instrNew-before.instrNew)-(after.envNew-before.envNew), after.instrUsed-before.instrUsed+after.envUsed-before.envUsed)
	m[metricFailed.Name] = float64(after.failedDelivery-before.failedDelivery) / float64(n)
	return m
}

func pct(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole) * 100
}

// Close stops every agent; it is safe on a partly built fleet.
func (fl *fleet) Close() error {
	for _, a := range fl.agents {
		a.Stop()
	}
	return nil
}

// termData is signal data that is all term, as most Jido signal data is: a
// map of size/16 fields ("f0", "f1" …), each a 16-byte string (a small
// binary, which a BEAM send copies). size is the bytes of its strings.
func termData(r *rand.Rand, size int) map[string]any {
	m := make(map[string]any, max(size/16, 1))
	for i := range max(size/16, 1) {
		m["f"+strconv.Itoa(i)] = string(payload(r, 16))
	}
	return m
}

// binData is signal data that is one binary of size bytes under "blob": a
// document or an image, which a BEAM send shares when it is over 64 bytes.
func binData(r *rand.Rand, size int) map[string]any {
	return map[string]any{"blob": payload(r, size)}
}

// payload returns size bytes of deterministic pseudo-random data.
func payload(r *rand.Rand, size int) []byte {
	b := make([]byte, size)
	for i := 0; i+8 <= size; i += 8 {
		v := r.Uint64()
		for k := 0; k < 8; k++ {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := size &^ 7; i < size; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)) }

// newZipf draws ranks 0..n-1 with exponent s (> 1).
func newZipf(r *rand.Rand, s float64, n int) *rand.Zipf { return rand.NewZipf(r, s, 1, uint64(n-1)) }
