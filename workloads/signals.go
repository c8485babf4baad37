package workloads

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

func signalCreate() Workload {
	return Workload{
		Name:   "signal-create",
		Doc:    "build and validate new signals carrying a 1 KiB map (64 string fields of 16 B)",
		Op:     "one signal.New with a fresh 1 KiB map",
		MinOps: flushEvery,
		New: func(features.Set) (Instance, error) {
			return &createInstance{r: newRand(1)}, nil
		},
	}
}

type createInstance struct {
	r    *rand.Rand
	keep *signal.Signal // the last signal, so the compiler cannot drop the work
}

func (c *createInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	for i := 0; i < n; i++ {
		if i%flushEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s, err := signal.New("sensor.device.reading", "/perfbench/create", termData(c.r, 1<<10),
			signal.WithSubject("device-42"), signal.WithExtension("unit", "celsius"))
		if err != nil {
			return nil, err
		}
		c.keep = s
	}
	return map[string]float64{}, nil
}

func (c *createInstance) Close() error { return nil }

// signalPass delivers one signal carrying data from a bus to three
// subscribed agents: four local deliveries per operation (into the bus log
// and into each mailbox), each a copy as a BEAM send makes it unless
// ZeroCopy is on. What the data holds decides what that copy costs: a map
// of small terms is copied whole, a binary over 64 B only by reference.
func signalPass(label, holds string, data func(*rand.Rand) map[string]any) Workload {
	return Workload{
		Name:    "signal-pass/" + label,
		Doc:     fmt.Sprintf("publish a signal holding %s on the bus, fanned out to 3 agents", holds),
		Op:      "one publish delivered to 3 agents",
		Toggles: []string{"zerocopy", "batching", "jit", "caching", "pooling"},
		Metrics: []stats.Metric{metricBytesCopied, metricFailed},
		MinOps:  flushEvery,
		New: func(f features.Set) (Instance, error) {
			fl, err := newFleet(f, 3)
			if err != nil {
				return nil, err
			}
			if err := fl.withBus(f, "data.**"); err != nil {
				fl.Close()
				return nil, err
			}
			sig, err := signal.New("data.blob.ready", "/perfbench/pass", data(newRand(2)))
			if err != nil {
				fl.Close()
				return nil, err
			}
			return &passInstance{fl: fl, sig: sig}, nil
		},
	}
}

type passInstance struct {
	fl  *fleet
	sig *signal.Signal
}

func (p *passInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := p.fl.totals()
	for i := 0; i < n; i++ {
		if i > 0 && i%flushEvery == 0 {
			if err := p.fl.barrier(ctx); err != nil {
				return nil, err
			}
		}
		if _, err := p.fl.bus.Publish(p.sig); err != nil {
			return nil, err
		}
	}
	if err := p.fl.barrier(ctx); err != nil {
		return nil, err
	}
	return p.fl.metrics(before, p.fl.totals(), n), nil
}

func (p *passInstance) Close() error { return p.fl.Close() }
