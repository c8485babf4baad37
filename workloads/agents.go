package workloads

import (
	"context"

	"github.com/perfbench/perfbench/runtime/features"
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

func newCastInstance(f features.Set, types []string, size int) (Instance, error) {
	fl, err := newFleet(f, 1)
	if err != nil {
		return nil, err
	}
	r := newRand(3)
	var sigs []*signal.Signal
	for i, t := range types {
		s, err := signal.New(t, "/perfbench/cast", payload(r, size), signal.WithSubject(t+"-"+string(rune('a'+i%26))))
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
		Doc:     "cast 64 B signals of 8 types into one agent: router, instruction, action, state merge",
		Op:      "one cast, processed",
		Toggles: everyToggle(),
		Metrics: []stats.Metric{metricCacheHit, metricPoolReuse, metricBytesCopied, metricRetries},
		New:     func(f features.Set) (Instance, error) { return newCastInstance(f, types, 64) },
	}
}

func instructionChurn() Workload {
	return Workload{
		Name:    "instruction-churn",
		Doc:     "cast signals whose type binds 3 actions, one enqueuing a 4th: 4 instructions per signal",
		Op:      "one cast running 4 instructions",
		Toggles: []string{"pooling", "jit", "caching", "zerocopy", "batching"},
		Metrics: []stats.Metric{metricPoolReuse, metricRetries},
		New:     func(f features.Set) (Instance, error) { return newCastInstance(f, []string{"work.item"}, 0) },
	}
}

func stateQuery() Workload {
	return Workload{
		Name:    "state-query",
		Doc:     "read an agent's state (a simple query); one cast per 100 queries keeps the state changing",
		Op:      "one state query",
		Toggles: []string{"fastpath"},
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
