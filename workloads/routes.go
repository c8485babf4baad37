package workloads

import (
	"context"
	"errors"
	"fmt"

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

// Route-cache parameters: a type universe 4× the default cache, a drawn
// sequence long enough that cycling it does not shrink the universe, and a
// route change every so often (each one starts the cache afresh).
const (
	cacheUniverse    = 4 * router.DefaultCacheSize
	cacheSequence    = 1 << 18
	routeChangeEvery = 10000
	churnPatterns    = 64
)

func routeMatch() Workload {
	return Workload{
		Name:    "route-match",
		Doc:     "look up a Zipf-skewed mix of signal types in ~1 000 routes with wildcards and predicates",
		Op:      "one route lookup",
		Toggles: []string{"jit", "caching"},
		Metrics: []stats.Metric{metricCacheHit, metricMatches},
		MinOps:  10 * flushEvery,
		New: func(f features.Set) (Instance, error) {
			routes := routertest.Table(routeCount, 7)
			sigs, err := routertest.Signals(routertest.NewTypeMix(routes, 11, zipfS).Sample(typeSample))
			if err != nil {
				return nil, err
			}
			return newRouteInstance(f, routes, sigs, 0)
		},
	}
}

// routeCache is caching's judge: the universe of types is 4× the cache, so
// the hit rate depends on the cache's size and policy and on the skew of
// the traffic (s = 0: uniform, the control).
func routeCache(label, traffic string, s float64) Workload {
	return Workload{
		Name: "route-cache/" + label,
		Doc: fmt.Sprintf("look up %s types from a universe of %d (4× the %d-entry cache) in ~1 000 routes; "+
			"one route removed and re-added every %d lookups", traffic, cacheUniverse, router.DefaultCacheSize, routeChangeEvery),
		Op:      "one route lookup",
		Toggles: []string{"jit", "caching"},
		Metrics: []stats.Metric{metricCacheHit, metricMatches},
		MinOps:  2 * routeChangeEvery,
		New: func(f features.Set) (Instance, error) {
			routes := routertest.Table(routeCount, 7)
			universe := routertest.Universe(routes, 13, cacheUniverse)
			all, err := routertest.Signals(universe)
			if err != nil {
				return nil, err
			}
			r := newRand(17)
			draw := func() int { return r.IntN(len(all)) }
			if s > 0 {
				z := newZipf(r, s, len(all))
				draw = func() int { return int(z.Uint64()) }
			}
			sigs := make([]*signal.Signal, cacheSequence)
			for i := range sigs {
				sigs[i] = all[draw()]
			}
			return newRouteInstance(f, routes, sigs, routeChangeEvery)
		},
	}
}

func newRouteInstance(f features.Set, routes []router.Route[int], sigs []*signal.Signal, changeEvery int) (*routeInstance, error) {
	r := router.New[int](router.Options{JIT: f.JIT, Caching: f.Caching})
	if err := r.Add(routes...); err != nil {
		return nil, err
	}
	return &routeInstance{r: r, routes: routes, sigs: sigs, changeEvery: changeEvery}, nil
}

type routeInstance struct {
	r           *router.Router[int]
	routes      []router.Route[int]
	sigs        []*signal.Signal
	dst         []int
	next        int
	changeEvery int // 0: the routes never change
	changes     int
}

func (ri *routeInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := ri.r.Stats()
	matches := 0
	for i := 0; i < n; i++ {
		if i%flushEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ri.changeEvery > 0 && ri.next%ri.changeEvery == 0 {
			if err := ri.change(); err != nil {
				return nil, err
			}
		}
		var err error
		ri.dst, err = ri.r.AppendHandlers(ri.dst[:0], ri.sigs[ri.next])
		if err != nil && !errors.Is(err, router.ErrNoMatch) {
			return nil, err
		}
		matches += len(ri.dst)
		ri.next = (ri.next + 1) % len(ri.sigs)
	}
	m := cacheMetrics(before, ri.r.Stats())
	m[metricMatches.Name] = float64(matches) / float64(n)
	return m, nil
}

// change removes one route and adds it back: the same routes, two new
// generations (a plan to compile, the types the pattern matches to look up
// again).
func (ri *routeInstance) change() error {
	rt := ri.routes[ri.changes%len(ri.routes)]
	ri.changes++
	// Routes sharing the pattern go too; put them all back.
	ri.r.Remove(rt.Pattern)
	var back []router.Route[int]
	for _, o := range ri.routes {
		if o.Pattern == rt.Pattern {
			back = append(back, o)
		}
	}
	return ri.r.Add(back...)
}

func (ri *routeInstance) Close() error { return nil }

// cacheMetrics is the cache's share of the lookups between two readings.
// A bypassed lookup (a matching route has a predicate) is one the cache did
// not serve: it counts as a miss. (With JIT on, types named by a literal
// pattern are answered by the plan's exact table before the cache and are
// not counted at all.)
func cacheMetrics(before, after router.Stats) map[string]float64 {
	hits, misses, bypassed := after.Hits-before.Hits, after.Misses-before.Misses, after.Bypassed-before.Bypassed
	return map[string]float64{metricCacheHit.Name: pct(hits, hits+misses+bypassed)}
}

// routeChurn is where jit and caching cost: every operation changes the
// routes, so the JIT plan is recompiled and the cache starts empty.
func routeChurn() Workload {
	return Workload{
		Name:    "route-churn",
		Doc:     fmt.Sprintf("in ~1 000 routes, add a route, look up a signal it matches, remove it (%d patterns in turn)", churnPatterns),
		Op:      "one add + lookup + remove",
		Toggles: []string{"jit", "caching"},
		Metrics: []stats.Metric{metricCompiles, metricMatches},
		MinOps:  50,
		New: func(f features.Set) (Instance, error) {
			r := router.New[int](router.Options{JIT: f.JIT, Caching: f.Caching})
			if err := r.Add(routertest.Table(routeCount, 7)...); err != nil {
				return nil, err
			}
			c := &churnInstance{r: r}
			for i := 0; i < churnPatterns; i++ {
				p := fmt.Sprintf("churn.c%d.updated", i)
				s, err := signal.New(p, "/perfbench/churn", nil)
				if err != nil {
					return nil, err
				}
				c.routes = append(c.routes, router.Route[int]{Pattern: p, Handler: -1 - i})
				c.sigs = append(c.sigs, s)
			}
			return c, nil
		},
	}
}

type churnInstance struct {
	r      *router.Router[int]
	routes []router.Route[int]
	sigs   []*signal.Signal
	dst    []int
	next   int
}

func (c *churnInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := c.r.Stats()
	matches := 0
	for i := 0; i < n; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		k := c.next % len(c.routes)
		c.next++
		if err := c.r.Add(c.routes[k]); err != nil {
			return nil, err
		}
		var err error
		if c.dst, err = c.r.AppendHandlers(c.dst[:0], c.sigs[k]); err != nil {
			return nil, err
		}
		matches += len(c.dst)
		if c.r.Remove(c.routes[k].Pattern) != 1 {
			return nil, fmt.Errorf("route-churn: %s not removed", c.routes[k].Pattern)
		}
	}
	return map[string]float64{
		metricCompiles.Name: float64(c.r.Stats().Compiles-before.Compiles) / float64(n),
		metricMatches.Name:  float64(matches) / float64(n),
	}, nil
}

func (c *churnInstance) Close() error { return nil }
