package router_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// A Run gives every signal of a sequence the handlers AppendHandlers gives
// it, while looking up once per run of one type when no route has a
// predicate: counted exactly by the cache (JIT off, so that every lookup
// goes through it).
func TestRunRoutesOncePerRun(t *testing.T) {
	isEU := func(s *signal.Signal) bool { return s.Subject() == "eu" }
	plain := []router.Route[string]{
		r("order.created", 0, "created"), r("order.*", 5, "order-any"), r("order.**", 0, "order-deep"),
		r("user.*.updated", 0, "user"),
	}
	withPred := append(slices.Clone(plain), router.Route[string]{Pattern: "order.**", Handler: "eu", Match: isEU})
	// Types and subjects in runs: a run of one type whose subjects differ
	// is where a predicate must be asked per signal.
	seq := []struct{ typ, subject string }{
		{"order.created", "eu"}, {"order.created", "us"}, {"order.created", "eu"},
		{"order.paid", "us"}, {"order.paid", "eu"},
		{"nobody.listens", ""}, {"nobody.listens", ""},
		{"order.created", "us"},
		{"user.x.updated", ""}, {"user.x.updated", ""}, {"user.y.updated", ""},
	}
	const runs = 6 // order.created, order.paid, nobody.listens, order.created, user.x, user.y
	tests := []struct {
		name    string
		routes  []router.Route[string]
		lookups int
	}{
		{"no predicate: one lookup per run (unrouted types per signal)", plain, runs + 1},
		{"a predicate: one lookup per signal", withPred, len(seq)},
	}
	for _, tc := range tests {
		for _, c := range combos {
			t.Run(tc.name+"/"+c.name, func(t *testing.T) {
				ref := mustRouter(t, c.opts, tc.routes...)
				rt := mustRouter(t, router.Options{JIT: c.opts.JIT, Caching: true}, tc.routes...)
				var run router.Run[string]
				var prev []string
				fresh := 0 // signals Continues said the run does not serve
				for i, x := range seq {
					s := sig(t, x.typ, signal.WithSubject(x.subject))
					want, werr := ref.AppendHandlers(nil, s)
					cont := rt.Continues(&run, s)
					got, err := rt.AppendRun(&run, []string{"prefix"}, s)
					if !slices.Equal(got, append([]string{"prefix"}, want...)) || fmt.Sprint(err) != fmt.Sprint(werr) {
						t.Fatalf("signal %d (%s/%s): run %v, %v; AppendHandlers %v, %v", i, x.typ, x.subject, got, err, want, werr)
					}
					if cont && (err != nil || !slices.Equal(got[1:], prev)) {
						t.Fatalf("signal %d (%s/%s): Continues, but handlers %v, %v after %v", i, x.typ, x.subject, got[1:], err, prev)
					}
					if !cont {
						fresh++
					}
					prev = got[1:]
				}
				if fresh != tc.lookups {
					t.Errorf("Continues false for %d signals, want one per lookup: %d", fresh, tc.lookups)
				}
				if c.opts.JIT {
					return // literal types are answered by the plan, not counted by the cache
				}
				st := rt.Stats()
				if n := st.Hits + st.Misses + st.Bypassed; n != uint64(tc.lookups) {
					t.Errorf("%d lookups (%+v), want %d", n, st, tc.lookups)
				}
			})
		}
	}
}

// A route change between two signals of a run is seen by the second, as
// it would be by AppendHandlers.
func TestRunSeesRouteChanges(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, r("a.b", 0, "first"))
			var run router.Run[string]
			s := sig(t, "a.b")
			if got, err := rt.AppendRun(&run, nil, s); err != nil || !slices.Equal(got, []string{"first"}) {
				t.Fatalf("before the change: %v, %v", got, err)
			}
			if !rt.Continues(&run, s) {
				t.Fatal("Continues false before any change")
			}
			if err := rt.Add(r("a.*", 0, "second")); err != nil {
				t.Fatal(err)
			}
			if rt.Continues(&run, s) {
				t.Fatal("Continues true after Add")
			}
			if got, err := rt.AppendRun(&run, nil, s); err != nil || !slices.Equal(got, []string{"first", "second"}) {
				t.Fatalf("after Add: %v, %v", got, err)
			}
			rt.Remove("a.b")
			if got, err := rt.AppendRun(&run, nil, s); err != nil || !slices.Equal(got, []string{"second"}) {
				t.Fatalf("after Remove: %v, %v", got, err)
			}
			run.Reset()
			rt.Remove("a.*")
			if _, err := rt.AppendRun(&run, nil, s); !errors.Is(err, router.ErrNoMatch) {
				t.Fatalf("after removing all: %v, want ErrNoMatch", err)
			}
		})
	}
}
