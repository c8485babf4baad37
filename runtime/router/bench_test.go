package router_test

import (
	"testing"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/router/routertest"
	"github.com/perfbench/perfbench/runtime/signal"
)

// benchSignals pre-generates the workload so neither the Zipf generator nor
// signal construction is in the timed loop. The length is a power of two so
// the loop indexes with a mask.
func benchSignals(b *testing.B) ([]router.Route[int], []*signal.Signal) {
	b.Helper()
	routes := routertest.Table(1000, 1)
	mix := routertest.NewTypeMix(routes, 1, 1.1)
	sigs, err := routertest.Signals(mix.Sample(4096))
	if err != nil {
		b.Fatal(err)
	}
	return routes, sigs
}

func benchRouter(b *testing.B, opts router.Options, routes []router.Route[int]) *router.Router[int] {
	b.Helper()
	rt := router.New[int](opts)
	if err := rt.Add(routes...); err != nil {
		b.Fatal(err)
	}
	return rt
}

// BenchmarkJIT: one AppendHandlers per op into a reused buffer, caching off.
func BenchmarkJIT(b *testing.B) {
	routes, sigs := benchSignals(b)
	for _, bc := range []struct {
		name string
		jit  bool
	}{{"off", false}, {"on", true}} {
		b.Run(bc.name, func(b *testing.B) {
			rt := benchRouter(b, router.Options{JIT: bc.jit}, routes)
			buf := make([]int, 0, 256)
			rt.AppendHandlers(buf, sigs[0]) // compile outside the timed loop
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				buf, _ = rt.AppendHandlers(buf[:0], sigs[i&(len(sigs)-1)])
			}
		})
	}
}

// BenchmarkCaching: the same workload with JIT off, so the cache is what
// saves the trie walk. hit-% is hits over cacheable lookups (hits + misses);
// bypass-% is the share of all lookups that matched a predicate route and
// could not use the cache.
func BenchmarkCaching(b *testing.B) {
	routes, sigs := benchSignals(b)
	for _, bc := range []struct {
		name    string
		caching bool
	}{{"off", false}, {"on", true}} {
		b.Run(bc.name, func(b *testing.B) {
			rt := benchRouter(b, router.Options{Caching: bc.caching}, routes)
			buf := make([]int, 0, 256)
			before := rt.Stats()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				buf, _ = rt.AppendHandlers(buf[:0], sigs[i&(len(sigs)-1)])
			}
			b.StopTimer()
			if bc.caching {
				st := rt.Stats()
				hits, misses, bypassed := st.Hits-before.Hits, st.Misses-before.Misses, st.Bypassed-before.Bypassed
				if total := hits + misses; total > 0 {
					b.ReportMetric(100*float64(hits)/float64(total), "hit-%")
				}
				if total := hits + misses + bypassed; total > 0 {
					b.ReportMetric(100*float64(bypassed)/float64(total), "bypass-%")
				}
			}
		})
	}
}
