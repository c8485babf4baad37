package workloads

import (
	"context"
	"fmt"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// publishBatch is how many signals a producer hands to the bus per call.
const publishBatch = 100

func batchThroughput() Workload {
	return Workload{
		Name:    "batch-throughput",
		Doc:     fmt.Sprintf("publish signals on the bus in groups of %d, fanned out to 4 agents", publishBatch),
		Op:      "one signal published and delivered to 4 agents",
		Toggles: []string{"batching", "zerocopy", "pooling", "jit", "caching"},
		Metrics: []stats.Metric{metricFailed, metricPoolReuse},
		MinOps:  10 * publishBatch,
		New: func(f features.Set) (Instance, error) {
			fl, err := newFleet(f, 4)
			if err != nil {
				return nil, err
			}
			if err := fl.withBus(f, "stream.*"); err != nil {
				fl.Close()
				return nil, err
			}
			sigs := make([]*signal.Signal, publishBatch)
			r := newRand(4)
			for i := range sigs {
				if sigs[i], err = signal.New("stream.tick", "/perfbench/stream", termData(r, 32)); err != nil {
					fl.Close()
					return nil, err
				}
			}
			return &throughputInstance{fl: fl, batch: sigs}, nil
		},
	}
}

type throughputInstance struct {
	fl    *fleet
	batch []*signal.Signal
}

func (t *throughputInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := t.fl.totals()
	sinceBarrier := 0
	for sent := 0; sent < n; {
		k := min(len(t.batch), n-sent)
		if sinceBarrier+k > 5*flushEvery {
			if err := t.fl.barrier(ctx); err != nil {
				return nil, err
			}
			sinceBarrier = 0
		}
		if _, err := t.fl.bus.Publish(t.batch[:k]...); err != nil {
			return nil, err
		}
		sent += k
		sinceBarrier += k
	}
	if err := t.fl.barrier(ctx); err != nil {
		return nil, err
	}
	return t.fl.metrics(before, t.fl.totals(), n), nil
}

func (t *throughputInstance) Close() error { return t.fl.Close() }
