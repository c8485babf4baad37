package workloads

import (
	"context"
	"math/rand/v2"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// castLoop casts sigs[i%len(sigs)] n times into one agent, with a barrier
// every flushEvery casts and at the end.
func castLoop(ctx context.Context, fl *fleet, sigs []*signal.Signal, n int) (map[string]float64, error) {
	before := fl.totals()
	retries := 0
	for i := 0; i < n; i++ {
		if i > 0 && i%flushEvery == 0 {
			if err := fl.barrier(ctx); err != nil {
				return nil, err
			}
		}
		r, err := cast(ctx, fl.agents[0], sigs[i%len(sigs)])
		if err != nil {
			return nil, err
		}
		retries += r
	}
	if err := fl.barrier(ctx); err != nil {
		return nil, err
	}
	m := fl.metrics(before, fl.totals(), n)
	m[metricRetries.Name] = float64(retries) / float64(n)
	return m, nil
}

type castInstance struct {
	fl   *fleet
	sigs []*signal.Signal
}

func (c *castInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	return castLoop(ctx, c.fl, c.sigs, n)
}

func (c *castInstance) Close() error { return c.fl.Close() }

func newCastInstance(f features.Set, types []string, data func(*rand.Rand) map[string]any) (Instance, error) {
	fl, err := newFleet(f, 1)
	if err != nil {
		return nil, err
	}
	r := newRand(3)
	var sigs []*signal.Signal
	for i, t := range types {
		s, err := signal.New(t, "/perfbench/cast", data(r), signal.WithSubject(t+"-"+string(rune('a'+i%26))))
		if err != nil {
			fl.Close()
			return nil, err
		}
		sigs = append(sigs, s)
	}
	return &castInstance{fl: fl, sigs: sigs}, nil
}

func dispatchLocal() Workload {
	types := []string{"counter.inc", "order.created", "order.paid", "order.refund.eu", "counter.add", "user.profile.updated", "payment.card.charged", "session.started"}
	return Workload{
		Name:    "dispatch-local",
		Doc:     "cast signals of 8 types carrying a 64 B map into one agent: router, instruction, action, state merge",
		Op:      "one cast, processed",
		Toggles: everyToggle(),
		Metrics: []stats.Metric{metricCacheHit, metricPoolReuse, metricBytesCopied, metricRetries},
		MinOps:  flushEvery,
		New: func(f features.Set) (Instance, error) {
			return newCastInstance(f, types, func(r *rand.Rand) map[string]any { return termData(r, 64) })
		},
	}
}

func instructionChurn() Workload {
	return Workload{
		Name:    "instruction-churn",
		Doc:     "cast signals whose type binds 3 actions, one enqueuing a 4th: 4 instructions per signal",
		Op:      "one cast running 4 instructions",
		Toggles: []string{"pooling", "jit", "caching", "zerocopy", "batching"},
		Metrics: []stats.Metric{metricPoolReuse, metricRetries},
		MinOps:  flushEvery,
		New: func(f features.Set) (Instance, error) {
			return newCastInstance(f, []string{"work.item"}, func(*rand.Rand) map[string]any { return nil })
		},
	}
}

func stateQuery() Workload {
	return Workload{
		Name:    "state-query",
		Doc:     "read an agent's state (a simple query); one cast per 100 queries keeps the state changing",
		Op:      "one state query",
		Toggles: []string{"fastpath"},
		MinOps:  flushEvery, // 10 casts among the queries
		New: func(f features.Set) (Instance, error) {
			fl, err := newFleet(f, 1)
			if err != nil {
				return nil, err
			}
			inc, err := signal.New("counter.inc", "/perfbench/query", nil)
			if err != nil {
				fl.Close()
				return nil, err
			}
			return &queryInstance{fl: fl, inc: inc}, nil
		},
	}
}

type queryInstance struct {
	fl   *fleet
	inc  *signal.Signal
	seen uint64 // the last version read, so the work cannot be dropped
}

func (q *queryInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	a := q.fl.agents[0]
	for i := 0; i < n; i++ {
		if i%flushEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if i%100 == 0 {
			if _, err := cast(ctx, a, q.inc); err != nil {
				return nil, err
			}
		}
		snap, err := a.State(ctx)
		if err != nil {
			return nil, err
		}
		q.seen = snap.Version()
	}
	return map[string]float64{}, q.fl.barrier(ctx)
}

func (q *queryInstance) Close() error { return q.fl.Close() }

// castLatency is where batching can only cost: one signal in flight, so
// there is never a batch to hand over or drain, only the batching
// mailbox's own overhead.
func castLatency() Workload {
	return Workload{
		Name:    "cast-latency",
		Doc:     "one signal in flight at a time (the lowest rate): cast into an agent, routed, echoed back through a channel",
		Op:      "one cast and its echo received (ns/op is the latency)",
		Toggles: everyToggle(),
		MinOps:  flushEvery,
		New:     newLatencyInstance,
	}
}

type latencyInstance struct {
	srv  *agent.Server
	ping *signal.Signal
	echo chan *signal.Signal
}

func newLatencyInstance(f features.Set) (Instance, error) {
	l := &latencyInstance{echo: make(chan *signal.Signal, 1)}
	d := dispatch.NewDispatcher(nil)
	if err := d.Register("echo", dispatch.Channel(l.echo, f.ZeroCopy)); err != nil {
		return nil, err
	}
	actions := AgentActions()
	actions["echo"] = func(in *agent.Instruction, _ agent.Reader, out *agent.Result) error {
		out.Directive(agent.Emit{Signal: in.Signal, To: dispatch.Config{Adapter: "named", Target: "echo"}})
		return nil
	}
	routes := append(AgentRoutes(), router.Route[agent.Binding]{Pattern: "latency.ping", Handler: agent.Binding{Action: "echo"}})
	srv, err := agent.Start(agent.Config{ID: "latency", Features: f, Routes: routes, Actions: actions, Dispatcher: d})
	if err != nil {
		return nil, err
	}
	l.srv = srv
	if l.ping, err = signal.New("latency.ping", "/perfbench/latency", termData(newRand(6), 64)); err != nil {
		srv.Stop()
		return nil, err
	}
	return l, nil
}

func (l *latencyInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	for i := 0; i < n; i++ {
		if err := l.srv.Cast(l.ping); err != nil {
			return nil, err
		}
		select {
		case <-l.echo:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return map[string]float64{}, nil
}

func (l *latencyInstance) Close() error {
	l.srv.Stop()
	return nil
}
