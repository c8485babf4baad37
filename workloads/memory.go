package workloads

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// Memory per signal, the plan's "< 1 KiB per signal", is measured two ways:
//
//   - allocated: the engine's B/op of the dispatch-local workload, where one
//     operation is one signal cast into an agent and processed (routing,
//     instruction, action, state merge) — every byte the runtime allocates
//     on behalf of one signal;
//   - retained: the signal-memory workload below. An agent is held busy by
//     a gate action, so the signals cast to it stay queued in its mailbox;
//     the live heap after a full GC, before and after casting k fresh
//     signals (data: a 64 B binary each, built by the producer and then
//     dropped by it), grows by what the runtime keeps per live signal: the signal
//     or its copy, its envelope, its payload. Divided by k. The mailbox's
//     slots are allocated when the agent starts, so they are not counted.
const (
	// SignalMemoryName names the retained-memory workload.
	SignalMemoryName = "signal-memory"
	// RetainedMetric is the signal-memory workload's own metric.
	RetainedMetric = "B/live-signal"
	// memPayload is the payload of each signal: the small-signal size the
	// other workloads cast.
	memPayload = 64
	// memChunk is how many signals are held at once; well below the
	// default mailbox of 10 000, so a cast never finds it full.
	memChunk = 4000
)

// signalMemory is the workload behind the retained-memory-per-signal
// measurement.
func signalMemory() Workload {
	return Workload{
		Name: SignalMemoryName,
		Doc: fmt.Sprintf("build signals with a %d B payload and cast them into an agent held busy, up to %d at a time; "+
			"the live heap they add after a full GC, per signal, is %s", memPayload, memChunk, RetainedMetric),
		Op:      "one signal built, cast, held queued, then processed",
		Toggles: []string{"zerocopy", "pooling", "batching"},
		Metrics: []stats.Metric{{Name: RetainedMetric, Better: stats.LowerIsBetter, Noise: 0.02, Gate: stats.AllocGate}},
		// A round holds at least one full chunk: the live heap of fewer
		// signals is within the noise of a GC.
		MinOps: memChunk,
		New:    newSignalMemory,
	}
}

type memInstance struct {
	srv        *agent.Server
	entered    chan struct{}
	release    chan struct{}
	gate, sync *signal.Signal
	live       []metrics.Sample
	seq        int
}

func newSignalMemory(f features.Set) (Instance, error) {
	m := &memInstance{
		entered: make(chan struct{}, 1),
		release: make(chan struct{}, 1),
		live:    []metrics.Sample{{Name: "/gc/heap/live:bytes"}},
	}
	bind := func(p, a string) router.Route[agent.Binding] {
		return router.Route[agent.Binding]{Pattern: p, Handler: agent.Binding{Action: a}}
	}
	srv, err := agent.Start(agent.Config{
		ID:       "memory",
		Features: f,
		Routes:   []router.Route[agent.Binding]{bind("mem.gate", "gate"), bind("mem.sample", "count"), bind("mem.sync", "sync")},
		Actions: map[string]agent.Action{
			"gate": func(*agent.Instruction, agent.Reader, *agent.Result) error {
				m.entered <- struct{}{}
				<-m.release
				return nil
			},
			"count": func(_ *agent.Instruction, st agent.Reader, out *agent.Result) error {
				v, _ := st.Get("count")
				n, _ := v.(int)
				out.Set("count", n+1)
				return nil
			},
			"sync": func(*agent.Instruction, agent.Reader, *agent.Result) error { return nil },
		},
		InitialState: map[string]any{"count": 0},
	})
	if err != nil {
		return nil, err
	}
	m.srv = srv
	if m.gate, err = signal.New("mem.gate", "/perfbench/memory", nil); err == nil {
		m.sync, err = signal.New("mem.sync", "/perfbench/memory", nil)
	}
	if err != nil {
		srv.Stop()
		return nil, err
	}
	return m, nil
}

// liveHeap is the heap the last GC found live, after forcing one.
func (m *memInstance) liveHeap() int64 {
	runtime.GC()
	metrics.Read(m.live)
	return int64(m.live[0].Value.Uint64())
}

func (m *memInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	var grown int64
	for done := 0; done < n; {
		k := min(memChunk, n-done)
		g, err := m.chunk(ctx, k)
		if err != nil {
			return nil, err
		}
		grown += g
		done += k
	}
	return map[string]float64{RetainedMetric: float64(grown) / float64(n)}, nil
}

// chunk holds the agent, queues k new signals, measures the live heap they
// added, then lets the agent process them all.
func (m *memInstance) chunk(ctx context.Context, k int) (int64, error) {
	if err := m.srv.Cast(m.gate); err != nil {
		return 0, err
	}
	<-m.entered // the agent now sits in the gate action until released
	before := m.liveHeap()
	var castErr error
	for i := 0; i < k && castErr == nil; i++ {
		data := make([]byte, memPayload)
		for j := range data {
			data[j] = byte(m.seq + j)
		}
		m.seq++
		var sig *signal.Signal
		if sig, castErr = signal.New("mem.sample", "/perfbench/memory", map[string]any{"payload": data}); castErr == nil {
			castErr = m.srv.Cast(sig)
		}
	}
	after := m.liveHeap()
	m.release <- struct{}{}
	if castErr != nil {
		if errors.Is(castErr, agent.ErrMailboxFull) {
			castErr = fmt.Errorf("%w (chunk of %d signals; the agent's mailbox must hold more)", castErr, k)
		}
		return 0, castErr
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := m.srv.Call(cctx, m.sync); err != nil {
		return 0, fmt.Errorf("drain: %w", err)
	}
	return after - before, nil
}

func (m *memInstance) Close() error {
	m.srv.Stop()
	return nil
}
