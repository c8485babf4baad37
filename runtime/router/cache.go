package router

import "sync"

// cache maps a signal type to its sorted handler list. One cache serves
// every generation of routes: each entry is tagged with the generation it
// was computed for, and a lookup in a later generation uses it only if no
// change since then touched a pattern that matches the type (the handlers
// of such a type cannot have changed); it then re-tags the entry. An entry
// older than the change log a generation keeps, or of an affected type, is
// a miss and is recomputed. So a route change costs nothing up front, the
// cache stays within its bound, and only the types a change can affect are
// looked up again.
//
// Values are shared by every hit and must not be modified; lookups copy them
// into the caller's slice.
type cache[H any] struct {
	mu   sync.RWMutex
	m    map[string]entry[H]
	size int
}

type entry[H any] struct {
	hs  []H
	gen uint64
}

// newCache makes an empty cache. Its map grows with use instead of being
// sized up front.
func newCache[H any](size int) *cache[H] {
	return &cache[H]{m: make(map[string]entry[H]), size: size}
}

func (c *cache[H]) get(typ string) (entry[H], bool) {
	c.mu.RLock()
	e, ok := c.m[typ]
	c.mu.RUnlock()
	return e, ok
}

// put stores hs as computed for generation gen, unless the entry there is
// already of a later generation (a lookup that started before a change
// must not overwrite what one after it stored). When full it evicts one
// arbitrary entry. Go randomizes where map iteration starts, so this is
// random replacement: no per-hit bookkeeping (hits stay under a read
// lock), and on a skewed mix the hot types, re-inserted soon after any
// eviction, stay resident.
func (c *cache[H]) put(typ string, hs []H, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.m[typ]
	if ok && old.gen > gen {
		return
	}
	if !ok && len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[typ] = entry[H]{hs, gen}
}

// retag moves an entry checked to be valid in generation to from
// generation from, if nobody replaced it meanwhile.
func (c *cache[H]) retag(typ string, from, to uint64) {
	c.mu.Lock()
	if e, ok := c.m[typ]; ok && e.gen == from {
		c.m[typ] = entry[H]{e.hs, to}
	}
	c.mu.Unlock()
}

func (c *cache[H]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
