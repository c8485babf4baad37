package routertest_test

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/router/routertest"
)

func TestTableDeterministicAndValid(t *testing.T) {
	a, b := routertest.Table(1000, 7), routertest.Table(1000, 7)
	for i := range a {
		if a[i].Pattern != b[i].Pattern || a[i].Priority != b[i].Priority || (a[i].Match == nil) != (b[i].Match == nil) {
			t.Fatalf("route %d differs between runs with one seed: %+v vs %+v", i, a[i], b[i])
		}
	}
	if c := routertest.Table(1000, 8); reflect.DeepEqual(patterns(a), patterns(c)) {
		t.Fatal("seeds 7 and 8 gave the same table")
	}
	var lit, star, dstar, pred int
	for i, rt := range a {
		if err := router.ValidatePattern(rt.Pattern); err != nil {
			t.Fatalf("route %d: %v", i, err)
		}
		if rt.Handler != i || rt.Priority < router.MinPriority || rt.Priority > router.MaxPriority {
			t.Fatalf("route %d: %+v", i, rt)
		}
		switch {
		case rt.Match != nil:
			pred++
		case strings.Contains(rt.Pattern, "**"):
			dstar++
		case strings.Contains(rt.Pattern, "*"):
			star++
		default:
			lit++
		}
	}
	// Loose bounds around 60/25/10/5 % for n = 1000.
	for _, c := range []struct {
		name      string
		n, lo, hi int
	}{{"literal", lit, 540, 660}, {"*", star, 200, 300}, {"**", dstar, 70, 130}, {"predicate", pred, 25, 75}} {
		if c.n < c.lo || c.n > c.hi {
			t.Errorf("%s routes: %d; want %d..%d", c.name, c.n, c.lo, c.hi)
		}
	}
	if len(routertest.Table(0, 1)) != 0 || len(routertest.Table(-3, 1)) != 0 {
		t.Error("Table(n <= 0) not empty")
	}
}

func patterns(rs []router.Route[int]) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Pattern
	}
	return out
}

func TestTypeMix(t *testing.T) {
	routes := routertest.Table(1000, 3)
	literal := map[string]bool{}
	for _, rt := range routes {
		if !strings.Contains(rt.Pattern, "*") {
			literal[rt.Pattern] = true
		}
	}
	universe := map[string]bool{}
	for _, typ := range routertest.NewTypeMix(routes, 3, 1.1).Types() {
		if universe[typ] {
			t.Fatalf("Types repeats %q", typ)
		}
		universe[typ] = true
	}
	m1, m2 := routertest.NewTypeMix(routes, 3, 1.1), routertest.NewTypeMix(routes, 3, 1.1)
	const n = 50000
	s1, s2 := m1.Sample(n), m2.Sample(n)
	if !reflect.DeepEqual(s1, s2) {
		t.Fatal("one seed, two different samples")
	}
	counts := map[string]int{}
	var hit, wild, none int
	for _, typ := range s1 {
		if !universe[typ] {
			t.Fatalf("Next returned %q, not in Types", typ)
		}
		counts[typ]++
		matched := false
		for _, rt := range routes {
			if routertest.Matches(rt.Pattern, typ) {
				matched = true
				break
			}
		}
		switch {
		case literal[typ]:
			hit++
		case matched:
			wild++
		default:
			none++
		}
	}
	if hit < n*90/100 || wild < n*3/100 || wild > n*7/100 || none < n/200 || none > n*2/100 {
		t.Errorf("mix: %d literal, %d wildcard-only, %d unmatched of %d; want about 94/5/1 %%", hit, wild, none, n)
	}
	// Zipf skew: the most frequent type is far above the mean.
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	if mean := n / len(counts); top < 20*mean {
		t.Errorf("most frequent type drawn %d times, mean %d: not skewed", top, mean)
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		pattern, typ string
		want         bool
	}{
		{"a.b", "a.b", true}, {"a", "a.b", false}, {"a.*", "a.b", true}, {"a.*", "a", false},
		{"a.**", "a", true}, {"**.b", "a.x.b", true}, {"a.**.b", "a.b", true}, {"*.**", "a", true},
	}
	for _, tc := range tests {
		if got := routertest.Matches(tc.pattern, tc.typ); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v", tc.pattern, tc.typ, got)
		}
	}
}

func TestSignals(t *testing.T) {
	sigs, err := routertest.Signals([]string{"a.b", "c"})
	if err != nil || len(sigs) != 2 || sigs[1].Type() != "c" || sigs[0].Data()["tenant"] != routertest.Tenant(0) {
		t.Fatalf("Signals: %v, %v", sigs, err)
	}
	if _, err := routertest.Signals([]string{"a..b"}); err == nil {
		t.Fatal("Signals accepted an invalid type")
	}
}

func TestUniverse(t *testing.T) {
	routes := routertest.Table(1000, 7)
	u := routertest.Universe(routes, 3, 16384)
	if len(u) != 16384 {
		t.Fatalf("%d types, want 16384", len(u))
	}
	seen, none := map[string]bool{}, 0
	for _, typ := range u {
		if seen[typ] {
			t.Fatalf("type %q twice", typ)
		}
		seen[typ] = true
		matched := false
		for _, rt := range routes {
			if routertest.Matches(rt.Pattern, typ) {
				matched = true
				break
			}
		}
		if !matched {
			none++
		}
	}
	if none < 100 || none > 400 {
		t.Errorf("%d types match nothing, want about 1 %%", none)
	}
	if !reflect.DeepEqual(u, routertest.Universe(routes, 3, 16384)) {
		t.Error("not deterministic for a seed")
	}
}

// The type spaces route-match and route-cache draw are pinned: a faster
// way to draw them must draw the same ones, or two commits' workloads
// would look up different types and their comparison would measure the
// fixture instead of the router.
func TestDrawnTypesArePinned(t *testing.T) {
	routes := routertest.Table(1000, 7)
	for _, tc := range []struct {
		name  string
		types []string
		want  string
	}{
		{"route-cache universe", routertest.Universe(routes, 13, 4*router.DefaultCacheSize),
			"737d09cf38712a73cd515b1ce4218383dc151cdc8a367d75cf6111c1b35b3c31"},
		{"route-match mix", routertest.NewTypeMix(routes, 11, 1.1).Sample(8192),
			"1dadbf22aa5dad0a0536584e0317d5fd1e5dcc8f53dcee884ba48f6ba3cd00cc"},
	} {
		if got := fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(tc.types, "\n")))); got != tc.want {
			t.Errorf("%s: sha256 of the types %s, want %s", tc.name, got, tc.want)
		}
	}
}
