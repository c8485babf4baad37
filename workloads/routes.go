package workloads

import (
	"context"
	"errors"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/router/routertest"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// Route-match parameters: a table the size of a large Jido deployment and a
// Zipf exponent that makes a few types hot, as real signal traffic is.
const (
	routeCount = 1000
	zipfS      = 1.1
	typeSample = 8192
)

func routeMatch() Workload {
	return Workload{
		Name:    "route-match",
		Doc:     "look up a Zipf-skewed mix of signal types in ~1 000 routes with wildcards and predicates",
		Op:      "one route lookup",
		Toggles: []string{"jit", "caching"},
		// matches/op cross-checks that both sides route alike. It is not
		// exactly equal: each side's rounds cover a different stretch of
		// the cycled type sample, so it gets a 1 % band.
		Metrics: []stats.Metric{metricCacheHit, metricMatches},
		New: func(f features.Set) (Instance, error) {
			routes := routertest.Table(routeCount, 7)
			r := router.New[int](router.Options{JIT: f.JIT, Caching: f.Caching})
			if err := r.Add(routes...); err != nil {
				return nil, err
			}
			sigs, err := routertest.Signals(routertest.NewTypeMix(routes, 11, zipfS).Sample(typeSample))
			if err != nil {
				return nil, err
			}
			return &routeInstance{r: r, sigs: sigs}, nil
		},
	}
}

type routeInstance struct {
	r    *router.Router[int]
	sigs []*signal.Signal
	dst  []int
	next int
}

func (ri *routeInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := ri.r.Stats()
	matches := 0
	for i := 0; i < n; i++ {
		if i%flushEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var err error
		ri.dst, err = ri.r.AppendHandlers(ri.dst[:0], ri.sigs[ri.next])
		if err != nil && !errors.Is(err, router.ErrNoMatch) {
			return nil, err
		}
		matches += len(ri.dst)
		ri.next = (ri.next + 1) % len(ri.sigs)
	}
	after := ri.r.Stats()
	return map[string]float64{
		metricCacheHit.Name: pct(after.Hits-before.Hits, after.Hits-before.Hits+after.Misses-before.Misses),
		"matches/op":        float64(matches) / float64(n),
	}, nil
}

func (ri *routeInstance) Close() error { return nil }
