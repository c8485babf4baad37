package router

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/signal"
)

func TestCacheBounded(t *testing.T) {
	for _, jit := range []bool{false, true} {
		t.Run(fmt.Sprint("jit=", jit), func(t *testing.T) {
			rt := New[int](Options{JIT: jit, Caching: true, CacheSize: 8})
			if err := rt.Add(Route[int]{Pattern: "a.*", Handler: 1}); err != nil {
				t.Fatal(err)
			}
			for i := range 100 {
				s, err := signal.New(fmt.Sprintf("a.t%d", i%20), "/t", nil)
				if err != nil {
					t.Fatal(err)
				}
				hs, err := rt.Route(s)
				if err != nil || len(hs) != 1 || hs[0] != 1 {
					t.Fatalf("lookup %d: %v, %v", i, hs, err)
				}
				if n := rt.snap.Load().cache.len(); n > 8 {
					t.Fatalf("cache holds %d entries; bound is 8", n)
				}
			}
			if st := rt.Stats(); st.Hits+st.Misses != 100 || st.Misses <= 20 {
				t.Fatalf("stats %+v: want 100 lookups with evictions forcing more than 20 misses", st)
			}
		})
	}
}

func TestDefaultCacheSize(t *testing.T) {
	for _, size := range []int{0, -5} {
		rt := New[int](Options{Caching: true, CacheSize: size})
		if got := rt.snap.Load().cache.size; got != DefaultCacheSize {
			t.Errorf("CacheSize %d: bound %d; want %d", size, got, DefaultCacheSize)
		}
	}
	if c := New[int](Options{CacheSize: 10}).snap.Load().cache; c != nil {
		t.Error("cache built with Caching off")
	}
}

func TestSpecificity(t *testing.T) {
	tests := map[string]int{"a.b": 6, "a.*": 5, "*.*": 4, "a.**": 3, "**": 0, "a.**.b": 6, "*": 2, "a": 3}
	for p, want := range tests {
		if got := specificity(p); got != want {
			t.Errorf("specificity(%q) = %d; want %d", p, got, want)
		}
	}
}

// refMatch is a plain reference for matchesPattern: split and recurse.
func refMatch(p, t []string) bool {
	if len(p) == 0 {
		return len(t) == 0
	}
	switch p[0] {
	case "**":
		for j := 0; j <= len(t); j++ {
			if refMatch(p[1:], t[j:]) {
				return true
			}
		}
		return false
	case "*":
		return len(t) > 0 && refMatch(p[1:], t[1:])
	}
	return len(t) > 0 && t[0] == p[0] && refMatch(p[1:], t[1:])
}

// Every valid pattern of up to 3 segments over {a, b, *, **} against every
// type of up to 4 segments over {a, b}.
func TestMatchesPattern(t *testing.T) {
	var patterns, types [][]string
	var grow func(cur []string, words []string, max int, out *[][]string)
	grow = func(cur []string, words []string, max int, out *[][]string) {
		if len(cur) > 0 {
			*out = append(*out, append([]string(nil), cur...))
		}
		if len(cur) == max {
			return
		}
		for _, w := range words {
			grow(append(cur, w), words, max, out)
		}
	}
	grow(nil, []string{"a", "b", "*", "**"}, 3, &patterns)
	grow(nil, []string{"a", "b"}, 4, &types)
	n := 0
	for _, p := range patterns {
		ps := strings.Join(p, ".")
		if ValidatePattern(ps) != nil {
			continue
		}
		for _, typ := range types {
			ts := strings.Join(typ, ".")
			if got, want := matchesPattern(ps, ts), refMatch(p, typ); got != want {
				t.Errorf("matchesPattern(%q, %q) = %v, want %v", ps, ts, got, want)
			}
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}

// After a route change the cache keeps serving the types the change cannot
// affect (hits, no recomputation) and recomputes the affected ones.
func TestCacheCarriesUnaffectedEntries(t *testing.T) {
	for _, jit := range []bool{false, true} {
		t.Run(fmt.Sprint("jit=", jit), func(t *testing.T) {
			rt := New[string](Options{JIT: jit, Caching: true})
			if err := rt.Add(Route[string]{Pattern: "a.*", Handler: "a"}, Route[string]{Pattern: "b.*", Handler: "b"}); err != nil {
				t.Fatal(err)
			}
			sa, _ := signal.New("a.x", "/t", nil)
			sb, _ := signal.New("b.x", "/t", nil)
			look := func(s *signal.Signal) []string {
				hs, err := rt.Route(s)
				if err != nil {
					t.Fatal(err)
				}
				return hs
			}
			look(sa)
			look(sb)
			if err := rt.Add(Route[string]{Pattern: "b.**", Handler: "b2"}); err != nil {
				t.Fatal(err)
			}
			before := rt.Stats()
			if got := look(sa); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("a.x = %v", got)
			}
			if got := look(sb); !slices.Equal(got, []string{"b", "b2"}) {
				t.Fatalf("b.x after adding b.** = %v, want [b b2]", got)
			}
			after := rt.Stats()
			if after.Hits-before.Hits != 1 || after.Misses-before.Misses != 1 {
				t.Fatalf("stats %+v → %+v: want a.x carried over (hit), b.x recomputed (miss)", before, after)
			}
			rt.Remove("b.**")
			if got := look(sb); !slices.Equal(got, []string{"b"}) {
				t.Fatalf("b.x after removing b.** = %v, want [b]", got)
			}
			// Replacing a route is two changes; entries from before both
			// still serve the types neither affects.
			rt.Remove("b.*")
			if err := rt.Add(Route[string]{Pattern: "b.*", Handler: "b"}); err != nil {
				t.Fatal(err)
			}
			before = rt.Stats()
			look(sa)
			if got := rt.Stats(); got.Hits != before.Hits+1 {
				t.Fatalf("a.x after replacing b.*: %+v → %+v, want a hit", before, got)
			}
		})
	}
}
