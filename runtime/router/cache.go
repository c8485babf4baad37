package router

import "sync"

// cache maps a signal type to its sorted handler list for one generation of
// routes. It is never invalidated in place: Add and Remove install a fresh
// one with the new generation, so a stale list cannot outlive its routes.
//
// Values are shared by every hit and must not be modified; lookups copy them
// into the caller's slice.
type cache[H any] struct {
	mu   sync.RWMutex
	m    map[string][]H
	size int
}

// newCache makes an empty cache. Its map grows with use instead of being
// sized up front: every route change makes a new cache, and a router whose
// routes change often must not pay for a large empty map each time.
func newCache[H any](size int) *cache[H] {
	return &cache[H]{m: make(map[string][]H), size: size}
}

func (c *cache[H]) get(typ string) ([]H, bool) {
	c.mu.RLock()
	hs, ok := c.m[typ]
	c.mu.RUnlock()
	return hs, ok
}

// put stores hs, evicting one arbitrary entry when full. Go randomizes where
// map iteration starts, so this is random replacement: no per-hit
// bookkeeping (hits stay under a read lock), and on a skewed mix the hot
// types, re-inserted soon after any eviction, stay resident.
func (c *cache[H]) put(typ string, hs []H) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[typ]; !ok && len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[typ] = hs
}

func (c *cache[H]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
