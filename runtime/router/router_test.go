package router_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// combos are the four JIT x Caching settings every behaviour is checked in.
var combos = []struct {
	name string
	opts router.Options
}{
	{"jit=off,cache=off", router.Options{}},
	{"jit=off,cache=on", router.Options{Caching: true}},
	{"jit=on,cache=off", router.Options{JIT: true}},
	{"jit=on,cache=on", router.Options{JIT: true, Caching: true}},
}

func sig(t testing.TB, typ string, opts ...signal.Option) *signal.Signal {
	t.Helper()
	s, err := signal.New(typ, "/test", nil, opts...)
	if err != nil {
		t.Fatalf("signal.New(%q): %v", typ, err)
	}
	return s
}

// r is shorthand for a route whose handler names it.
func r(pattern string, prio int, name string) router.Route[string] {
	return router.Route[string]{Pattern: pattern, Priority: prio, Handler: name}
}

func mustRouter(t testing.TB, opts router.Options, routes ...router.Route[string]) *router.Router[string] {
	t.Helper()
	rt := router.New[string](opts)
	if err := rt.Add(routes...); err != nil {
		t.Fatalf("Add: %v", err)
	}
	return rt
}

// lookupTwice routes s twice, so that with caching on the second answer
// comes from the cache, and checks both agree.
func lookupTwice(t *testing.T, rt *router.Router[string], s *signal.Signal) ([]string, error) {
	t.Helper()
	got, err := rt.Route(s)
	again, err2 := rt.Route(s)
	if !slices.Equal(got, again) || (err == nil) != (err2 == nil) {
		t.Fatalf("%s: first lookup %v, %v; second %v, %v", s.Type(), got, err, again, err2)
	}
	return got, err
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name   string
		routes []router.Route[string]
		types  map[string][]string // type -> handlers in order; nil means no match
	}{
		{
			name:   "literal",
			routes: []router.Route[string]{r("user.created", 0, "uc")},
			types:  map[string][]string{"user.created": {"uc"}, "user.updated": nil, "user": nil, "user.created.x": nil},
		},
		{
			name:   "star at start",
			routes: []router.Route[string]{r("*.created", 0, "sc")},
			types: map[string][]string{
				"user.created": {"sc"}, "order.created": {"sc"}, "created": nil, "a.b.created": nil, "user.updated": nil,
			},
		},
		{
			name:   "star in middle",
			routes: []router.Route[string]{r("user.*.created", 0, "usc")},
			types: map[string][]string{
				"user.profile.created": {"usc"}, "user.created": nil, "user.a.b.created": nil, "order.profile.created": nil,
			},
		},
		{
			name:   "star at end",
			routes: []router.Route[string]{r("user.*", 0, "us")},
			types:  map[string][]string{"user.created": {"us"}, "user": nil, "user.a.b": nil},
		},
		{
			name:   "double star at start",
			routes: []router.Route[string]{r("**.created", 0, "dc")},
			types: map[string][]string{
				"created": {"dc"}, "user.created": {"dc"}, "a.b.c.created": {"dc"}, "user.created.x": nil, "user": nil,
			},
		},
		{
			name:   "double star in middle",
			routes: []router.Route[string]{r("user.**.created", 0, "udc")},
			types: map[string][]string{
				"user.created": {"udc"}, "user.a.created": {"udc"}, "user.a.b.created": {"udc"},
				"user.a.b": nil, "order.a.created": nil, "user": nil,
			},
		},
		{
			name:   "double star at end",
			routes: []router.Route[string]{r("user.**", 0, "ud")},
			types:  map[string][]string{"user": {"ud"}, "user.a": {"ud"}, "user.a.b.c": {"ud"}, "order": nil, "users": nil},
		},
		{
			name:   "bare double star matches everything",
			routes: []router.Route[string]{r("**", 0, "all")},
			types:  map[string][]string{"a": {"all"}, "a.b.c.d.e": {"all"}},
		},
		{
			name:   "star and double star",
			routes: []router.Route[string]{r("*.**.done", 0, "x")},
			types:  map[string][]string{"a.done": {"x"}, "a.b.c.done": {"x"}, "done": nil},
		},
		{
			name:   "one route reached along two paths is returned once",
			routes: []router.Route[string]{r("**.a.**", 0, "x"), r("**", 0, "all")},
			types:  map[string][]string{"a.a.a": {"x", "all"}, "b": {"all"}},
		},
		{
			// jido_signal's trie collects the handlers of every prefix it
			// passes; here only whole-type matches count.
			name:   "prefix bug regression",
			routes: []router.Route[string]{r("user", 0, "u"), r("user.created", 0, "uc")},
			types:  map[string][]string{"user.created": {"uc"}, "user": {"u"}, "user.created.v2": nil},
		},
		{
			name: "specificity then priority then insertion",
			routes: []router.Route[string]{
				r("**", 100, "dstar"),
				r("a.**", 100, "a.dstar"),
				r("*.b", 0, "star.b"),
				r("a.*", 100, "a.star"),
				r("a.b", -100, "a.b"),
				r("*.*", 50, "star.star"),
				r("a.*", 100, "a.star.later"),
				r("**.b", 100, "dstar.b"),
			},
			types: map[string][]string{
				"a.b": {"a.b", "a.star", "a.star.later", "star.b", "star.star", "a.dstar", "dstar.b", "dstar"},
				"a.c": {"a.star", "a.star.later", "star.star", "a.dstar", "dstar"},
				"a":   {"a.dstar", "dstar"},
			},
		},
		{
			name:   "priority orders equally specific routes",
			routes: []router.Route[string]{r("x.y", -5, "low"), r("x.y", 100, "high"), r("x.y", 0, "mid"), r("x.y", 0, "mid2")},
			types:  map[string][]string{"x.y": {"high", "mid", "mid2", "low"}},
		},
	}
	for _, tc := range tests {
		for _, c := range combos {
			t.Run(tc.name+"/"+c.name, func(t *testing.T) {
				rt := mustRouter(t, c.opts, tc.routes...)
				for typ, want := range tc.types {
					got, err := lookupTwice(t, rt, sig(t, typ))
					if want == nil {
						if !errors.Is(err, router.ErrNoMatch) {
							t.Errorf("%s: got %v, %v; want ErrNoMatch", typ, got, err)
						}
						continue
					}
					if err != nil || !slices.Equal(got, want) {
						t.Errorf("%s: got %v, %v; want %v", typ, got, err, want)
					}
				}
			})
		}
	}
}

func TestPredicates(t *testing.T) {
	isEU := func(s *signal.Signal) bool { return s.Subject() == "eu" }
	never := func(*signal.Signal) bool { return false }
	routes := []router.Route[string]{
		{Pattern: "order.created", Handler: "eu-only", Match: isEU, Priority: 10},
		{Pattern: "order.created", Handler: "all"},
		{Pattern: "order.*", Handler: "never", Match: never},
		{Pattern: "order.**", Handler: "eu-wild", Match: isEU},
	}
	tests := []struct {
		typ, subject string
		want         []string
	}{
		{"order.created", "eu", []string{"eu-only", "all", "eu-wild"}},
		{"order.created", "us", []string{"all"}},
		{"order.paid", "eu", []string{"eu-wild"}},
		{"order.paid", "us", nil},
	}
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, routes...)
			for _, tc := range tests {
				got, err := lookupTwice(t, rt, sig(t, tc.typ, signal.WithSubject(tc.subject)))
				if tc.want == nil {
					if !errors.Is(err, router.ErrNoMatch) {
						t.Errorf("%s/%s: got %v, %v; want ErrNoMatch", tc.typ, tc.subject, got, err)
					}
					continue
				}
				if err != nil || !slices.Equal(got, tc.want) {
					t.Errorf("%s/%s: got %v, %v; want %v", tc.typ, tc.subject, got, err, tc.want)
				}
			}
		})
	}
}

func TestNoMatchError(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, r("user.created", 0, "uc"))
			dst := []string{"keep"}
			got, err := rt.AppendHandlers(dst, sig(t, "order.created"))
			if !errors.Is(err, router.ErrNoMatch) || !strings.Contains(err.Error(), `"order.created"`) {
				t.Errorf("err = %v; want ErrNoMatch naming the type", err)
			}
			if !slices.Equal(got, []string{"keep"}) {
				t.Errorf("dst = %v; want it unchanged", got)
			}
			if _, err := rt.Route(nil); !errors.Is(err, router.ErrNoMatch) {
				t.Errorf("nil signal: err = %v; want ErrNoMatch", err)
			}
			if _, err := rt.Route(&signal.Signal{}); !errors.Is(err, router.ErrNoMatch) {
				t.Errorf("zero signal: err = %v; want ErrNoMatch", err)
			}
			empty := router.New[string](c.opts)
			if _, err := empty.Route(sig(t, "a")); !errors.Is(err, router.ErrNoMatch) {
				t.Errorf("empty router: err = %v; want ErrNoMatch", err)
			}
		})
	}
}

func TestAppendHandlersAppends(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, r("a.*", 0, "star"), r("a.b", 0, "lit"))
			got, err := rt.AppendHandlers([]string{"x"}, sig(t, "a.b"))
			if err != nil || !slices.Equal(got, []string{"x", "lit", "star"}) {
				t.Fatalf("got %v, %v", got, err)
			}
			// The returned slice is the caller's: changing it must not leak
			// into later lookups (cache values are shared).
			got[1] = "mutated"
			again, _ := rt.Route(sig(t, "a.b"))
			if !slices.Equal(again, []string{"lit", "star"}) {
				t.Fatalf("after mutating a result: %v", again)
			}
			again[0] = "mutated"
			again, _ = rt.Route(sig(t, "a.b"))
			if !slices.Equal(again, []string{"lit", "star"}) {
				t.Fatalf("after mutating a Route result: %v", again)
			}
		})
	}
}

func TestValidatePattern(t *testing.T) {
	valid := []string{"a", "user.created", "*", "**", "user.*", "*.created", "user.**", "**.created",
		"a.**.b", "*.**", "**.*", "**.a.**", "*.*.*", "A-b_9.x", "a.*.b.**.c"}
	for _, p := range valid {
		if err := router.ValidatePattern(p); err != nil {
			t.Errorf("ValidatePattern(%q) = %v; want nil", p, err)
		}
	}
	invalid := []struct{ pattern, reason string }{
		{"", "empty pattern"},
		{".", "empty segment at position 1"},
		{".a", "empty segment at position 1"},
		{"a.", "empty segment at position 2"},
		{"a..b", "empty segment at position 2"},
		{"**.**", "consecutive"},
		{"a.**.**.b", "consecutive"},
		{"a*", "mixes '*'"},
		{"*a.b", "mixes '*'"},
		{"a.***", "mixes '*'"},
		{"a.b*c", "mixes '*'"},
		{"user created", "character ' '"},
		{"user/created", "character '/'"},
		{"usér", "character"},
		{"a.b\x00", "character"},
	}
	for _, tc := range invalid {
		err := router.ValidatePattern(tc.pattern)
		if !errors.Is(err, router.ErrInvalidPattern) {
			t.Errorf("ValidatePattern(%q) = %v; want ErrInvalidPattern", tc.pattern, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("ValidatePattern(%q) = %q; want it to say %q", tc.pattern, err, tc.reason)
		}
		rt := router.New[string](router.Options{})
		if err := rt.Add(r(tc.pattern, 0, "x")); !errors.Is(err, router.ErrInvalidPattern) {
			t.Errorf("Add(%q) = %v; want ErrInvalidPattern", tc.pattern, err)
		}
	}
	// Every message says what would be valid, not only what is wrong.
	for _, p := range []string{"", "a..b", "a%"} {
		if err := router.ValidatePattern(p); !strings.Contains(err.Error(), `"**" (zero or more segments)`) {
			t.Errorf("ValidatePattern(%q) = %q; want the valid syntax spelled out", p, err)
		}
	}
}

func TestAddAllOrNothing(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, r("keep", 0, "keep"))
			s := sig(t, "a.b")
			if _, err := rt.Route(s); !errors.Is(err, router.ErrNoMatch) {
				t.Fatalf("before: %v", err)
			}
			err := rt.Add(r("a.b", 0, "ok"), r("a..b", 0, "bad"))
			if !errors.Is(err, router.ErrInvalidPattern) || !strings.Contains(err.Error(), "route 1") {
				t.Errorf("Add = %v; want ErrInvalidPattern naming route 1", err)
			}
			err = rt.Add(r("a.b", 0, "ok"), r("a.*", 101, "bad"))
			if !errors.Is(err, router.ErrPriority) || !strings.Contains(err.Error(), "101") {
				t.Errorf("Add = %v; want ErrPriority naming 101", err)
			}
			if err := rt.Add(r("a.b", -101, "bad")); !errors.Is(err, router.ErrPriority) {
				t.Errorf("Add(-101) = %v; want ErrPriority", err)
			}
			if rt.Len() != 1 {
				t.Errorf("Len = %d after failed Adds; want 1", rt.Len())
			}
			if got, err := rt.Route(s); !errors.Is(err, router.ErrNoMatch) {
				t.Errorf("after failed Adds: %v, %v; want ErrNoMatch", got, err)
			}
			if err := rt.Add(r("a.b", router.MinPriority, "min"), r("a.b", router.MaxPriority, "max")); err != nil {
				t.Fatalf("boundary priorities: %v", err)
			}
			if got, err := rt.Route(s); err != nil || !slices.Equal(got, []string{"max", "min"}) {
				t.Errorf("got %v, %v", got, err)
			}
			if err := rt.Add(); err != nil || rt.Len() != 3 {
				t.Errorf("Add() = %v, Len %d", err, rt.Len())
			}
		})
	}
}

func TestRemove(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts,
				r("a.b", 0, "ab1"), r("a.*", 0, "astar"), r("a.b", 5, "ab2"), r("a.b.c", 0, "abc"), r("a.**", 0, "adstar"))
			s := sig(t, "a.b")
			if got, _ := rt.Route(s); !slices.Equal(got, []string{"ab2", "ab1", "astar", "adstar"}) {
				t.Fatalf("before: %v", got)
			}
			if n := rt.Remove("a.b"); n != 2 {
				t.Errorf("Remove(a.b) = %d; want 2", n)
			}
			if n := rt.Remove("a.b"); n != 0 {
				t.Errorf("second Remove(a.b) = %d; want 0", n)
			}
			if n := rt.Remove("a.x"); n != 0 {
				t.Errorf("Remove(a.x) = %d; want 0", n)
			}
			if rt.Len() != 3 {
				t.Errorf("Len = %d; want 3", rt.Len())
			}
			if got, _ := rt.Route(s); !slices.Equal(got, []string{"astar", "adstar"}) {
				t.Errorf("after Remove: %v", got)
			}
			// Pruning a.b must keep a.b.c reachable.
			if got, _ := rt.Route(sig(t, "a.b.c")); !slices.Equal(got, []string{"abc", "adstar"}) {
				t.Errorf("a.b.c after Remove: %v", got)
			}
			rt.Remove("a.*")
			rt.Remove("a.**")
			if _, err := rt.Route(s); !errors.Is(err, router.ErrNoMatch) {
				t.Errorf("after removing all: %v", err)
			}
			if err := rt.Add(r("a.b", 0, "back")); err != nil {
				t.Fatal(err)
			}
			if got, _ := rt.Route(s); !slices.Equal(got, []string{"back"}) {
				t.Errorf("re-added: %v", got)
			}
		})
	}
}

// A lookup after Add or Remove must see the change even when the type was
// cached (or compiled) before it.
func TestInvalidation(t *testing.T) {
	for _, c := range combos {
		t.Run(c.name, func(t *testing.T) {
			rt := mustRouter(t, c.opts, r("a.b", 0, "lit"), r("x.*", 0, "xstar"))
			for _, typ := range []string{"a.b", "x.y", "q.r"} {
				rt.Route(sig(t, typ))
				rt.Route(sig(t, typ))
			}
			if err := rt.Add(r("*.b", 0, "starb"), r("**", -1, "all")); err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{"a.b": {"lit", "starb", "all"}, "x.y": {"xstar", "all"}, "q.r": {"all"}}
			for typ, w := range want {
				if got, err := rt.Route(sig(t, typ)); err != nil || !slices.Equal(got, w) {
					t.Errorf("after Add, %s: %v, %v; want %v", typ, got, err, w)
				}
			}
			rt.Remove("**")
			rt.Remove("x.*")
			want = map[string][]string{"a.b": {"lit", "starb"}, "x.y": nil, "q.r": nil}
			for typ, w := range want {
				got, err := rt.Route(sig(t, typ))
				if w == nil && !errors.Is(err, router.ErrNoMatch) || w != nil && !slices.Equal(got, w) {
					t.Errorf("after Remove, %s: %v, %v; want %v", typ, got, err, w)
				}
			}
		})
	}
}

// TestCacheStats scripts a sequence of lookups and checks every counter.
func TestCacheStats(t *testing.T) {
	pred := func(s *signal.Signal) bool { return s.Subject() == "yes" }
	routes := []router.Route[string]{
		r("a.b", 0, "ab"),
		r("w.*", 0, "wstar"),
		{Pattern: "p.q", Handler: "pq", Match: pred},
		{Pattern: "pw.*", Handler: "pw", Match: pred},
	}
	type step struct {
		typ   string
		add   string // pattern to Add instead of a lookup
		stats router.Stats
	}
	tests := []struct {
		name  string
		opts  router.Options
		steps []step
	}{
		{
			name: "jit off",
			opts: router.Options{Caching: true},
			steps: []step{
				{typ: "a.b", stats: router.Stats{Misses: 1}},
				{typ: "a.b", stats: router.Stats{Hits: 1, Misses: 1}},
				{typ: "w.x", stats: router.Stats{Hits: 1, Misses: 2}},
				{typ: "w.x", stats: router.Stats{Hits: 2, Misses: 2}},
				{typ: "p.q", stats: router.Stats{Hits: 2, Misses: 2, Bypassed: 1}},
				{typ: "p.q", stats: router.Stats{Hits: 2, Misses: 2, Bypassed: 2}},
				{typ: "none", stats: router.Stats{Hits: 2, Misses: 3, Bypassed: 2}}, // negative results are cached too
				{typ: "none", stats: router.Stats{Hits: 3, Misses: 3, Bypassed: 2}},
				// A change carries over entries it cannot affect …
				{add: "zz", stats: router.Stats{Hits: 3, Misses: 3, Bypassed: 2}},
				{typ: "a.b", stats: router.Stats{Hits: 4, Misses: 3, Bypassed: 2}},
				{typ: "a.b", stats: router.Stats{Hits: 5, Misses: 3, Bypassed: 2}},
				// … and recomputes those it can.
				{add: "a.*", stats: router.Stats{Hits: 5, Misses: 3, Bypassed: 2}},
				{typ: "a.b", stats: router.Stats{Hits: 5, Misses: 4, Bypassed: 2}},
				{typ: "a.b", stats: router.Stats{Hits: 6, Misses: 4, Bypassed: 2}},
			},
		},
		{
			// Types named by a literal pattern are answered by the exact
			// table and never reach the cache.
			name: "jit on",
			opts: router.Options{Caching: true, JIT: true},
			steps: []step{
				{typ: "a.b", stats: router.Stats{Compiles: 1}},
				{typ: "a.b", stats: router.Stats{Compiles: 1}},
				{typ: "p.q", stats: router.Stats{Compiles: 1}},
				{typ: "w.x", stats: router.Stats{Misses: 1, Compiles: 1}},
				{typ: "w.x", stats: router.Stats{Hits: 1, Misses: 1, Compiles: 1}},
				{typ: "pw.x", stats: router.Stats{Hits: 1, Misses: 1, Bypassed: 1, Compiles: 1}},
				{typ: "pw.x", stats: router.Stats{Hits: 1, Misses: 1, Bypassed: 2, Compiles: 1}},
				{typ: "none", stats: router.Stats{Hits: 1, Misses: 2, Bypassed: 2, Compiles: 1}},
				{typ: "none", stats: router.Stats{Hits: 2, Misses: 2, Bypassed: 2, Compiles: 1}},
				{add: "zz", stats: router.Stats{Hits: 2, Misses: 2, Bypassed: 2, Compiles: 1}},
				{typ: "w.x", stats: router.Stats{Hits: 3, Misses: 2, Bypassed: 2, Compiles: 2}},
				{typ: "w.x", stats: router.Stats{Hits: 4, Misses: 2, Bypassed: 2, Compiles: 2}},
				{add: "w.**", stats: router.Stats{Hits: 4, Misses: 2, Bypassed: 2, Compiles: 2}},
				{typ: "w.x", stats: router.Stats{Hits: 4, Misses: 3, Bypassed: 2, Compiles: 3}},
				{typ: "w.x", stats: router.Stats{Hits: 5, Misses: 3, Bypassed: 2, Compiles: 3}},
			},
		},
		{
			name: "cache off counts nothing",
			opts: router.Options{},
			steps: []step{
				{typ: "a.b"}, {typ: "a.b"}, {typ: "p.q"}, {typ: "none"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := mustRouter(t, tc.opts, routes...)
			for i, st := range tc.steps {
				if st.add != "" {
					if err := rt.Add(r(st.add, 0, st.add)); err != nil {
						t.Fatal(err)
					}
				} else {
					rt.Route(sig(t, st.typ, signal.WithSubject("yes")))
				}
				if got := rt.Stats(); got != st.stats {
					t.Fatalf("step %d (%s%s): stats %+v; want %+v", i, st.typ, st.add, got, st.stats)
				}
			}
		})
	}
}

func TestCompiles(t *testing.T) {
	rt := mustRouter(t, router.Options{JIT: true}, r("a.b", 0, "ab"), r("a.*", 0, "astar"))
	compiles := func() uint64 { return rt.Stats().Compiles }
	if compiles() != 0 {
		t.Fatalf("compiled before any lookup: %d", compiles())
	}
	s := sig(t, "a.b")
	for range 3 {
		rt.Route(s)
	}
	if compiles() != 1 {
		t.Fatalf("after lookups: %d compiles; want 1", compiles())
	}
	rt.Add(r("a.b", 9, "ab9"))
	rt.Add(r("a.c", 0, "ac"))
	if compiles() != 1 {
		t.Fatalf("compiled eagerly on Add: %d", compiles())
	}
	if got, _ := rt.Route(s); !slices.Equal(got, []string{"ab9", "ab", "astar"}) || compiles() != 2 {
		t.Fatalf("after Add: %v, %d compiles; want 2", got, compiles())
	}
	rt.Remove("nothing")
	rt.Route(s)
	if compiles() != 2 {
		t.Fatalf("Remove of nothing recompiled: %d", compiles())
	}
	rt.Remove("a.b")
	if got, _ := rt.Route(s); !slices.Equal(got, []string{"astar"}) || compiles() != 3 {
		t.Fatalf("after Remove: %v, %d compiles; want 3", got, compiles())
	}

	off := mustRouter(t, router.Options{}, r("a.b", 0, "ab"))
	off.Route(s)
	if n := off.Stats().Compiles; n != 0 {
		t.Fatalf("JIT off compiled %d times", n)
	}
}

func TestAllocs(t *testing.T) {
	routes := []router.Route[string]{
		r("order.created", 0, "lit"),
		r("order.*", 0, "star"),
		r("**.failed", 0, "fail"),
		r("order.**.shipped", 0, "ship"),
		{Pattern: "order.paid", Handler: "pred", Match: func(s *signal.Signal) bool { return s.Subject() == "x" }},
	}
	types := []string{
		"order.created",        // exact table
		"order.paid",           // exact table with a predicate
		"order.updated",        // wildcard walk
		"billing.order.failed", // "**" walk
		"order.a.b.c.shipped",  // "**" in the middle
	}
	for _, opts := range []router.Options{{JIT: true}, {JIT: true, Caching: true}} {
		rt := mustRouter(t, opts, routes...)
		for _, typ := range types {
			s := sig(t, typ, signal.WithSubject("x"))
			dst := make([]string, 0, 8)
			rt.AppendHandlers(dst, s) // compile and fill the cache
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := rt.AppendHandlers(dst[:0], s); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%+v %s: %v allocs per lookup; want 0", opts, typ, allocs)
			}
		}
	}
}

func ExampleRouter() {
	rt := router.New[string](router.Options{JIT: true, Caching: true})
	err := rt.Add(
		router.Route[string]{Pattern: "order.**", Handler: "audit", Priority: 100},
		router.Route[string]{Pattern: "order.created", Handler: "fulfil"},
		router.Route[string]{Pattern: "order.*", Handler: "notify", Priority: 10},
		router.Route[string]{Pattern: "order", Handler: "never for order.created"},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, typ := range []string{"order.created", "order.cancelled", "order.item.added", "user.created"} {
		s, _ := signal.New(typ, "/shop", nil)
		handlers, err := rt.Route(s)
		fmt.Println(typ, handlers, err)
	}
	fmt.Println(router.ValidatePattern("order.**.**"))
	// Output:
	// order.created [fulfil notify audit] <nil>
	// order.cancelled [notify audit] <nil>
	// order.item.added [audit] <nil>
	// user.created [] router: no route matches: type "user.created"
	// router: invalid pattern: "order.**.**" has consecutive "**" segments at positions 2 and 3; a single "**" already matches any number of segments
}
