package router

import (
	"fmt"
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
