// Package router matches signal types against route patterns, the way
// jido_signal's Router does: a trie over dot-separated type segments.
//
// Pattern syntax: literal segments (letters, digits, '_' and '-'), "*"
// (exactly one segment) and "**" (zero or more segments). "**.**", empty
// segments and segments mixing '*' with other characters are rejected. A
// route matches only when the whole type is consumed: unlike jido_signal's
// trie, pattern "user" does not match type "user.created" ("user.**" does).
//
// Matching handlers come back ordered by specificity (most specific first),
// then priority (higher first, -100..100), then insertion order (earlier
// first). Specificity is a score summed over the pattern's segments:
//
//	literal 3, "*" 2, "**" 0
//
// so "a.b" (6) > "a.*" (5) > "*.*" (4) > "a.**" (3) > "**" (0). A literal
// outweighs "*" because it names the segment rather than only counting it,
// and "**" constrains nothing. A route's optional Match predicate is applied
// last: a route whose predicate returns false is left out.
//
// Two optimizations live here, switched by Options:
//   - JIT off: every lookup splits the type and walks a trie of maps
//     (recursing for "**"), then sorts what it collected. JIT on: the routes
//     are compiled, lazily on the first lookup after a change, into an
//     immutable plan: an exact-type table holding, for every wildcard-free
//     pattern, the pre-sorted handlers of every route matching that type
//     (wildcard routes included); and, for other types, flat trie arrays
//     walked segment by segment over the type string, collecting global
//     ranks on the stack. A JIT lookup allocates nothing.
//   - Caching on: a bounded cache keyed by signal type holds the sorted
//     handler list. A route change (Add or Remove) invalidates the entries
//     of the types its patterns match, lazily: an entry is checked against
//     the patterns changed since it was computed when it is next used, and
//     recomputed if one of them matches its type (see cache). The cache is
//     bypassed (and counted as Bypassed, not as a hit or miss) when a
//     matching route has a predicate, and also remembers types that match
//     nothing. When full it
//     drops one arbitrary entry per insertion (Go's randomized map
//     iteration order makes that random replacement), which keeps the hot
//     types of a skewed mix resident without bookkeeping on hits.
//
// Order of checks with JIT on: the exact-type table first (a single map
// read that already answers every type named by a literal pattern; the cache
// is not consulted or counted for these), then the cache, then the compiled
// trie walk. With JIT off: the cache, then the trie walk.
//
// All four JIT x Caching combinations return the same handlers in the same
// order for the same signal. Lookups are safe from many goroutines while
// routes are added and removed: a lookup sees the routes either before or
// after a concurrent change, never a mix.
package router

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/signal"
)

// Errors; test with errors.Is.
var (
	ErrNoMatch        = errors.New("router: no route matches")
	ErrInvalidPattern = errors.New("router: invalid pattern")
	ErrPriority       = errors.New("router: priority out of range -100..100")
)

// Priority bounds, as in jido_signal.
const (
	MinPriority = -100
	MaxPriority = 100
)

// Route binds a pattern to a handler.
type Route[H any] struct {
	Pattern  string
	Priority int                       // -100..100, higher first among equally specific routes
	Match    func(*signal.Signal) bool // optional predicate; nil matches every signal
	Handler  H
}

// Options select the lookup strategy.
type Options struct {
	JIT       bool
	Caching   bool
	CacheSize int // entries; 0 (or less) means DefaultCacheSize
}

// DefaultCacheSize bounds the lookup cache when Options.CacheSize is 0.
const DefaultCacheSize = 4096

// Stats counts cache traffic.
type Stats struct {
	Hits, Misses, Bypassed uint64
	Compiles               uint64 // JIT plan builds
}

// Router routes signals to handlers. The zero value is not usable; call New.
type Router[H any] struct {
	jit       bool
	cacheSize int // 0 when caching is off

	// mu serializes Add and Remove and guards root, which the JIT-off path
	// reads under RLock. The JIT path never takes it: it reads snap.
	mu   sync.RWMutex
	root *node[H]
	seq  uint64 // insertion counter; the last tie-break

	// snap is replaced, never mutated, on every change, so a lookup that
	// loaded it sees one consistent route set together with the cache and
	// plan built for exactly that set.
	snap atomic.Pointer[snapshot[H]]

	hits, misses, bypassed, compiles atomic.Uint64
}

// route is a validated Route with what ordering needs precomputed.
type route[H any] struct {
	Route[H]
	spec int
	seq  uint64
}

// before is the handler order: specificity, then priority, then insertion.
func (a *route[H]) before(b *route[H]) bool {
	if a.spec != b.spec {
		return a.spec > b.spec
	}
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.seq < b.seq
}

// snapshot is one generation of the route set. The routes never change; the
// lazily compiled plan describes exactly those routes and is dropped with
// them. The cache is shared by all generations, its entries tagged with the
// generation they were computed for.
type snapshot[H any] struct {
	routes []*route[H] // insertion order; never modified after publication
	cache  *cache[H]   // nil when caching is off
	pred   bool        // some route has a Match predicate

	// gen numbers the generations; log holds the changes of the last few,
	// oldest first, so that a cache entry of an earlier generation can be
	// checked against what changed since.
	gen uint64
	log []change

	plan      atomic.Pointer[plan[H]]
	compileMu sync.Mutex
}

// New returns an empty router.
func New[H any](opts Options) *Router[H] {
	r := &Router[H]{jit: opts.JIT, root: newNode[H]()}
	if opts.Caching {
		r.cacheSize = opts.CacheSize
		if r.cacheSize <= 0 {
			r.cacheSize = DefaultCacheSize
		}
	}
	r.publish(nil, nil)
	return r
}

// change is one generation's route change: the patterns added or removed.
type change struct {
	gen      uint64
	patterns []string
}

// maxLog is how many changes a generation remembers: an entry last
// checked before them is recomputed. A change that replaces a route is
// two (Remove, then Add).
const maxLog = 8

// publish installs a new generation whose routes differ from the current
// one's by the changed patterns; callers hold mu (or own r exclusively).
// The cache is shared by all generations (nil when caching is off).
func (r *Router[H]) publish(routes []*route[H], changed []string) {
	s := &snapshot[H]{routes: routes}
	for _, rt := range routes {
		s.pred = s.pred || rt.Match != nil
	}
	if old := r.snap.Load(); old != nil {
		s.cache, s.gen = old.cache, old.gen+1
		s.log = append(slices.Clone(old.log[max(0, len(old.log)-maxLog+1):]), change{s.gen, changed})
	} else if r.cacheSize > 0 {
		s.cache = newCache[H](r.cacheSize)
	}
	r.snap.Store(s)
}

// Add validates every route first and adds none unless all are valid.
func (r *Router[H]) Add(routes ...Route[H]) error {
	for i, rt := range routes {
		if err := ValidatePattern(rt.Pattern); err != nil {
			return fmt.Errorf("route %d: %w", i, err)
		}
		if rt.Priority < MinPriority || rt.Priority > MaxPriority {
			return fmt.Errorf("%w: route %d (%q) has priority %d", ErrPriority, i, rt.Pattern, rt.Priority)
		}
	}
	if len(routes) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snap.Load().routes
	next := make([]*route[H], len(old), len(old)+len(routes))
	copy(next, old)
	changed := make([]string, 0, len(routes))
	for _, rt := range routes {
		r.seq++
		rr := &route[H]{Route: rt, spec: specificity(rt.Pattern), seq: r.seq}
		r.root.insert(rr)
		next = append(next, rr)
		changed = append(changed, rt.Pattern)
	}
	r.publish(next, changed)
	return nil
}

// Remove deletes every route whose pattern is exactly pattern and returns
// how many it deleted.
func (r *Router[H]) Remove(pattern string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snap.Load().routes
	n := 0
	for _, rt := range old {
		if rt.Pattern == pattern {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	next := make([]*route[H], 0, len(old)-n)
	for _, rt := range old {
		if rt.Pattern != pattern {
			next = append(next, rt)
		}
	}
	r.root.remove(pattern)
	r.publish(next, []string{pattern})
	return n
}

// Len is the number of routes.
func (r *Router[H]) Len() int { return len(r.snap.Load().routes) }

// Route returns the handlers matching sig in order. It wraps ErrNoMatch,
// naming the type, when none matches. The slice is the caller's.
func (r *Router[H]) Route(sig *signal.Signal) ([]H, error) {
	hs, err := r.AppendHandlers(nil, sig)
	if err != nil {
		return nil, err
	}
	return hs, nil
}

// AppendHandlers appends the handlers matching sig to dst, in order, and
// returns the extended slice; on error dst comes back unchanged. With JIT on
// a lookup that matches allocates nothing when cap(dst) suffices. The
// exceptions are one-offs: the first lookup after a change compiles the
// plan, a cache miss stores its result, and the ErrNoMatch error names the
// type, so it is built per call.
func (r *Router[H]) AppendHandlers(dst []H, sig *signal.Signal) ([]H, error) {
	if sig == nil {
		return dst, fmt.Errorf("%w: nil signal", ErrNoMatch)
	}
	typ := sig.Type()
	if typ == "" {
		// Only a zero Signal has an empty type; signal.New rejects it.
		return dst, fmt.Errorf("%w: empty type", ErrNoMatch)
	}
	n := len(dst)
	dst = r.lookup(dst, sig, typ)
	if planted() {
		dst = r.lookup(dst[:n], sig, typ) // the same lookup again (plant.go)
	}
	if len(dst) == n {
		return dst, fmt.Errorf("%w: type %q", ErrNoMatch, typ)
	}
	return dst, nil
}

// lookup appends the handlers of typ by the compiled plan (JIT) or the
// trie walk.
func (r *Router[H]) lookup(dst []H, sig *signal.Signal, typ string) []H {
	if r.jit {
		return r.appendCompiled(dst, sig, typ)
	}
	return r.appendInterpreted(dst, sig, typ)
}

// Stats returns the cache and compile counters.
func (r *Router[H]) Stats() Stats {
	return Stats{
		Hits:     r.hits.Load(),
		Misses:   r.misses.Load(),
		Bypassed: r.bypassed.Load(),
		Compiles: r.compiles.Load(),
	}
}

// cacheLookup serves typ from the cache when its entry holds for this
// generation: computed for it, or for an earlier one with no change since
// touching typ (then the entry is re-tagged).
func (r *Router[H]) cacheLookup(s *snapshot[H], dst []H, typ string) ([]H, bool) {
	if s.cache == nil {
		return dst, false
	}
	e, ok := s.cache.get(typ)
	if !ok || !s.holds(e.gen, typ) {
		return dst, false
	}
	if e.gen != s.gen {
		s.cache.retag(typ, e.gen, s.gen)
	}
	r.hits.Add(1)
	return append(dst, e.hs...), true
}

// holds reports whether handlers computed in generation gen for typ are
// still right in s.
func (s *snapshot[H]) holds(gen uint64, typ string) bool {
	if gen == s.gen {
		return true
	}
	if gen > s.gen || len(s.log) == 0 || gen < s.log[0].gen-1 {
		return false // computed for later routes, or before what the log covers
	}
	for _, c := range s.log {
		if c.gen <= gen {
			continue
		}
		for _, p := range c.patterns {
			if matchesPattern(p, typ) {
				return false
			}
		}
	}
	return true
}

// cacheStore records a computed lookup: a result with a predicate cannot be
// reused for another signal of the same type, so it is only counted.
func (r *Router[H]) cacheStore(s *snapshot[H], typ string, pred bool, hs func() []H) {
	if s.cache == nil {
		return
	}
	if pred {
		r.bypassed.Add(1)
		return
	}
	r.misses.Add(1)
	s.cache.put(typ, hs(), s.gen)
}

// appendFiltered appends the handlers of sorted routes, applying predicates.
func appendFiltered[H any](dst []H, sorted []*route[H], sig *signal.Signal) []H {
	for _, rt := range sorted {
		if rt.Match == nil || rt.Match(sig) {
			dst = append(dst, rt.Handler)
		}
	}
	return dst
}

// sortRoutes orders matches and drops duplicates: "**" can reach one route
// along several paths (e.g. "**.a.**" on "a.a"), and since the order is
// total, copies end up adjacent.
func sortRoutes[H any](found []*route[H]) []*route[H] {
	sort.SliceStable(found, func(i, j int) bool { return found[i].before(found[j]) })
	return slices.Compact(found)
}
