package router_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/router/routertest"
	"github.com/perfbench/perfbench/runtime/signal"
)

// equivalenceTypes is the mix's universe, a Zipf sample, and random types
// over a vocabulary that overlaps the table's, so wildcard routes get
// exercised far from the generator's comfort zone.
func equivalenceTypes(t testing.TB, routes []router.Route[int], seed uint64) []*signal.Signal {
	mix := routertest.NewTypeMix(routes, seed, 1.1)
	types := slices.Concat(mix.Types(), mix.Sample(3000))
	r := rand.New(rand.NewPCG(seed, 7))
	var words []string
	for _, rt := range routes {
		for _, w := range strings.Split(rt.Pattern, ".") {
			if !strings.Contains(w, "*") {
				words = append(words, w)
			}
		}
	}
	words = append(words, "zzz", "x-1", "_")
	for range 2000 {
		segs := make([]string, 1+r.IntN(6))
		for i := range segs {
			segs[i] = words[r.IntN(len(words))]
		}
		types = append(types, strings.Join(segs, "."))
	}
	sigs, err := routertest.Signals(types)
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

func lookupAll(rt *router.Router[int], sigs []*signal.Signal) [][]int {
	out := make([][]int, len(sigs))
	for i, s := range sigs {
		hs, err := rt.Route(s)
		if err != nil && !errors.Is(err, router.ErrNoMatch) {
			panic(err)
		}
		out[i] = hs
	}
	return out
}

// TestEquivalence runs generated tables through all four JIT x Caching
// combinations, and a brute-force reference, before and after route churn.
func TestEquivalence(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			routes := routertest.Table(1000, seed)
			sigs := equivalenceTypes(t, routes, seed)
			routers := make([]*router.Router[int], len(combos))
			for i, c := range combos {
				// A small cache so eviction runs during the comparison.
				c.opts.CacheSize = 256
				routers[i] = router.New[int](c.opts)
				if err := routers[i].Add(routes...); err != nil {
					t.Fatal(err)
				}
			}
			check := func(stage string, current []router.Route[int]) {
				t.Helper()
				matched := 0
				oracle := routertest.NewOracle(current)
				want := make([][]int, len(sigs))
				for i, s := range sigs {
					want[i] = oracle.Handlers(s)
					if len(want[i]) > 0 {
						matched++
					}
				}
				// Twice: the second round runs on warm caches.
				for round := range 2 {
					for ci, rt := range routers {
						got := lookupAll(rt, sigs)
						for i := range sigs {
							if !slices.Equal(got[i], want[i]) {
								t.Fatalf("%s round %d %s: type %q: got %v; want %v",
									stage, round, combos[ci].name, sigs[i].Type(), got[i], want[i])
							}
						}
					}
				}
				if matched == 0 || matched == len(sigs) {
					t.Fatalf("%s: %d of %d types match; the comparison needs both outcomes", stage, matched, len(sigs))
				}
			}
			check("initial", routes)

			// Churn: drop some patterns, add more routes, including ones
			// with patterns already present.
			r := rand.New(rand.NewPCG(seed, 99))
			removed := map[string]bool{}
			for range 50 {
				p := routes[r.IntN(len(routes))].Pattern
				removed[p] = true
			}
			extra := routertest.Table(200, seed+100)
			var current []router.Route[int]
			for _, rt := range routes {
				if !removed[rt.Pattern] {
					current = append(current, rt)
				}
			}
			for i := range extra {
				extra[i].Handler += 1000
			}
			current = append(current, extra...)
			for _, rt := range routers {
				n := 0
				for p := range removed {
					n += rt.Remove(p)
				}
				if n == 0 {
					t.Fatal("Remove removed nothing")
				}
				if err := rt.Add(extra...); err != nil {
					t.Fatal(err)
				}
				if rt.Len() != len(current) {
					t.Fatalf("Len = %d; want %d", rt.Len(), len(current))
				}
			}
			check("after churn", current)
		})
	}
}

// TestConcurrentLookups routes from many goroutines while routes are added
// and removed; run it with -race. A permanent route must always be found,
// and every answer must be one of the states the router passed through.
func TestConcurrentLookups(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := router.New[string](c.opts)
			if err := rt.Add(r("svc.**", -100, "base")); err != nil {
				t.Fatal(err)
			}
			types := []string{"svc.a", "svc.a.b", "svc.x.y.z", "svc"}
			sigs := make([]*signal.Signal, len(types))
			for i, typ := range types {
				sigs[i] = sig(t, typ)
			}
			var stop atomic.Bool
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]string, 0, 8)
					for i := 0; !stop.Load(); i++ {
						s := sigs[(i+g)%len(sigs)]
						got, err := rt.AppendHandlers(buf[:0], s)
						if err != nil || len(got) == 0 || got[len(got)-1] != "base" {
							errs <- fmt.Errorf("%s: %v, %v", s.Type(), got, err)
							return
						}
						for _, h := range got[:len(got)-1] {
							if h != "dyn-a" && h != "dyn-star" {
								errs <- fmt.Errorf("%s: unexpected handler %q in %v", s.Type(), h, got)
								return
							}
						}
					}
				}()
			}
			for i := range 300 {
				if err := rt.Add(r("svc.a", 0, "dyn-a"), r("svc.*", 0, "dyn-star")); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					rt.Remove("svc.a")
				}
				rt.Remove("svc.*")
				rt.Stats()
			}
			stop.Store(true)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// FuzzRoute checks that no pattern or type panics and that the JIT and
// interpreted paths agree with the reference matcher.
func FuzzRoute(f *testing.F) {
	f.Add("a.**.b", "a.x.b")
	f.Add("**.a.**", "a.a.a")
	f.Add("*.*", "a")
	f.Add("a.**", "a")
	f.Add("**", "x.y.z")
	f.Fuzz(func(t *testing.T, pattern, typ string) {
		s, err := signal.New(typ, "/fuzz", nil)
		valid := router.ValidatePattern(pattern) == nil
		routes := []router.Route[int]{{Pattern: pattern, Handler: 1}, {Pattern: "**", Handler: 2, Priority: 1}}
		for _, c := range combos {
			rt := router.New[int](c.opts)
			if err := rt.Add(routes...); (err == nil) != valid {
				t.Fatalf("Add(%q) = %v; ValidatePattern says valid=%v", pattern, err, valid)
			}
			if !valid || err != nil {
				continue
			}
			got, _ := rt.Route(s)
			if want := routertest.Expected(routes, s); !slices.Equal(got, want) {
				t.Fatalf("%s: %q on %q: got %v; want %v", c.name, pattern, typ, got, want)
			}
		}
	})
}

// TestCacheAcrossSingleChanges interleaves one route change at a time with
// lookups, so that entries computed before a change are used after it, and
// checks every lookup against the reference matcher.
func TestCacheAcrossSingleChanges(t *testing.T) {
	for _, jit := range []bool{false, true} {
		t.Run(fmt.Sprint("jit=", jit), func(t *testing.T) {
			all := routertest.Table(300, 21)
			sigs := equivalenceTypes(t, all, 21)
			rt := router.New[int](router.Options{JIT: jit, Caching: true, CacheSize: 512})
			if err := rt.Add(all...); err != nil {
				t.Fatal(err)
			}
			present := map[string]bool{}
			for _, x := range all {
				present[x.Pattern] = true
			}
			r := rand.New(rand.NewPCG(21, 5))
			for step := range 300 {
				// Remove a pattern, or put a removed one back.
				p := all[r.IntN(len(all))].Pattern
				if present[p] {
					rt.Remove(p)
				} else {
					var back []router.Route[int]
					for _, x := range all {
						if x.Pattern == p {
							back = append(back, x)
						}
					}
					if err := rt.Add(back...); err != nil {
						t.Fatal(err)
					}
				}
				present[p] = !present[p]
				var current []router.Route[int]
				for _, x := range all {
					if present[x.Pattern] {
						current = append(current, x)
					}
				}
				oracle := routertest.NewOracle(current)
				for range 40 {
					s := sigs[r.IntN(len(sigs))]
					got, err := rt.Route(s)
					if err != nil && !errors.Is(err, router.ErrNoMatch) {
						t.Fatal(err)
					}
					if want := oracle.Handlers(s); !slices.Equal(got, want) {
						t.Fatalf("step %d (%s toggled): %s → %v, want %v", step, p, s.Type(), got, want)
					}
				}
			}
			if st := rt.Stats(); st.Hits == 0 {
				t.Fatalf("no cache hits: %+v", st)
			}
		})
	}
}
