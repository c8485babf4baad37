// Package routertest generates route tables and signal-type mixes for the
// router's tests and benchmarks and for the workbench's route-match
// workload, and carries a reference matcher to check routers against.
//
// Everything is deterministic for a seed: generators take their own
// math/rand/v2 source and never touch the global one.
package routertest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

var (
	domains = []string{
		"user", "order", "payment", "agent", "sensor", "invoice", "shipment", "inventory",
		"session", "notification", "document", "workflow", "device", "account", "chat", "cart",
	}
	entities = []string{
		"profile", "item", "refund", "task", "reading", "line", "parcel", "stock", "token", "email",
		"page", "step", "firmware", "balance", "message", "coupon", "address", "card", "plan", "batch",
	}
	actions = []string{
		"created", "updated", "deleted", "completed", "failed", "started", "stopped", "approved",
		"rejected", "received", "sent", "expired", "retried", "cancelled", "scheduled", "archived",
	}
	qualifiers = []string{"v1", "v2", "eu", "us", "bulk", "internal"}
	tenants    = []string{"tenant-a", "tenant-b", "tenant-c", "tenant-d"}
)

// Tenant returns one of the four tenants that Table's predicates test: a
// predicate route k applies to signals whose data["tenant"] is Tenant(k).
func Tenant(i int) string { return tenants[uint(i)%uint(len(tenants))] }

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func pick(r *rand.Rand, words []string) string { return words[r.IntN(len(words))] }

// literal draws a wildcard-free pattern of 2 to 4 segments.
func literal(r *rand.Rand) []string {
	switch u := r.IntN(100); {
	case u < 25:
		return []string{pick(r, domains), pick(r, actions)}
	case u < 80:
		return []string{pick(r, domains), pick(r, entities), pick(r, actions)}
	default:
		return []string{pick(r, domains), pick(r, entities), pick(r, qualifiers), pick(r, actions)}
	}
}

// Table returns n routes, deterministic for seed: about 60 % literal
// patterns, 25 % with "*", 10 % with "**" and 5 % literal patterns with a
// predicate on data["tenant"] (see Tenant), priorities uniform in -100..100.
// Route i's handler is i. No pattern is all wildcards, so some types match
// nothing (a bare "**" would match every type).
func Table(n int, seed uint64) []router.Route[int] {
	r := newRand(seed)
	routes := make([]router.Route[int], 0, max(n, 0))
	for i := range max(n, 0) {
		rt := router.Route[int]{Priority: r.IntN(router.MaxPriority-router.MinPriority+1) + router.MinPriority, Handler: i}
		segs := literal(r)
		switch u := r.IntN(100); {
		case u < 60:
		case u < 85:
			segs[r.IntN(len(segs))] = "*"
			if len(segs) >= 3 && r.IntN(5) == 0 {
				// A second "*", keeping at least one literal.
				for _, j := range r.Perm(len(segs)) {
					if segs[j] != "*" {
						segs[j] = "*"
						break
					}
				}
			}
		case u < 95:
			segs = doubleStar(r, segs)
		default:
			// As a Jido route's match function reads the signal's data.
			tenant := Tenant(r.IntN(len(tenants)))
			rt.Match = func(s *signal.Signal) bool { return s.Data()["tenant"] == tenant }
		}
		rt.Pattern = strings.Join(segs, ".")
		routes = append(routes, rt)
	}
	return routes
}

// doubleStar turns a literal into one of the usual "**" shapes.
func doubleStar(r *rand.Rand, segs []string) []string {
	last := segs[len(segs)-1]
	switch r.IntN(4) {
	case 0:
		return []string{segs[0], "**"} // everything in a domain
	case 1:
		return []string{"**", last} // an action anywhere
	case 2:
		return []string{segs[0], "**", last}
	default:
		if len(segs) >= 3 {
			return []string{segs[0], segs[1], "**"}
		}
		return []string{segs[0], "**"}
	}
}

// Matches is a reference matcher, written independently of the router's
// tries: it reports whether pattern matches all of typ.
func Matches(pattern, typ string) bool {
	return matchSegs(strings.Split(pattern, "."), strings.Split(typ, "."))
}

func matchSegs(p, t []string) bool {
	if len(p) == 0 {
		return len(t) == 0
	}
	switch p[0] {
	case "**":
		for j := 0; j <= len(t); j++ {
			if matchSegs(p[1:], t[j:]) {
				return true
			}
		}
		return false
	case "*":
		return len(t) > 0 && matchSegs(p[1:], t[1:])
	default:
		return len(t) > 0 && t[0] == p[0] && matchSegs(p[1:], t[1:])
	}
}

// Specificity is the documented router score (literal 3, "*" 2, "**" 0),
// recomputed here so tests do not check the router against itself.
func Specificity(pattern string) int {
	score := 0
	for _, s := range strings.Split(pattern, ".") {
		switch s {
		case "**":
		case "*":
			score += 2
		default:
			score += 3
		}
	}
	return score
}

// Expected returns the handlers a router holding routes (added in slice
// order) must return for sig, by brute force over the reference matcher.
func Expected(routes []router.Route[int], sig *signal.Signal) []int {
	return NewOracle(routes).Handlers(sig)
}

// Oracle is Expected with the patterns split once, for checking many
// signals against one table.
type Oracle struct {
	routes []router.Route[int]
	segs   [][]string
	spec   []int
}

// NewOracle prepares routes (in insertion order) for Handlers.
func NewOracle(routes []router.Route[int]) *Oracle {
	o := &Oracle{routes: routes, segs: make([][]string, len(routes)), spec: make([]int, len(routes))}
	for i, rt := range routes {
		o.segs[i] = strings.Split(rt.Pattern, ".")
		o.spec[i] = Specificity(rt.Pattern)
	}
	return o
}

// Handlers returns what a router must return for sig: the matching routes'
// handlers by specificity, then priority, then insertion order.
func (o *Oracle) Handlers(sig *signal.Signal) []int {
	typ := strings.Split(sig.Type(), ".")
	var idx []int
	for i, rt := range o.routes {
		if matchSegs(o.segs[i], typ) && (rt.Match == nil || rt.Match(sig)) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if o.spec[a] != o.spec[b] {
			return o.spec[b] - o.spec[a]
		}
		return o.routes[b].Priority - o.routes[a].Priority
	})
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = o.routes[j].Handler
	}
	return out
}

// TypeMix draws signal types with a Zipf skew: about 94 % are types named by
// a literal pattern of the table, 5 % match only wildcard routes and 1 %
// match nothing. It is not safe for concurrent use.
type TypeMix struct {
	r                *rand.Rand
	hit, wild, none  []string
	zHit, zWild, zNo *rand.Zipf
}

// NewTypeMix builds the universe of types for routes. s is the Zipf
// exponent; it must exceed 1 (math/rand/v2's Zipf), smaller values are
// raised to 1.01.
func NewTypeMix(routes []router.Route[int], seed uint64, s float64) *TypeMix {
	r := newRand(seed)
	m := &TypeMix{r: r}
	literals := map[string]bool{}
	var wildcards []string
	for _, rt := range routes {
		switch {
		case strings.Contains(rt.Pattern, "*"):
			wildcards = append(wildcards, rt.Pattern)
		case !literals[rt.Pattern]:
			literals[rt.Pattern] = true
			m.hit = append(m.hit, rt.Pattern)
		}
	}
	// Zipf rank should not follow table order.
	r.Shuffle(len(m.hit), func(i, j int) { m.hit[i], m.hit[j] = m.hit[j], m.hit[i] })

	seen := map[string]bool{}
	words := slices.Concat(entities, actions, qualifiers, []string{"x1", "x2", "beta"})
	for tries, want := 0, max(4, len(m.hit)/8); len(wildcards) > 0 && len(m.wild) < want && tries < 50*want; tries++ {
		t := instantiate(r, pick(r, wildcards), words)
		if !literals[t] && !seen[t] {
			seen[t] = true
			m.wild = append(m.wild, t)
		}
	}
	split := splitPatterns(routes)
	for tries, want := 0, max(2, len(m.hit)/50); len(m.none) < want && tries < 50*want; tries++ {
		t := fmt.Sprintf("unrouted.z%d", r.IntN(1000))
		if r.IntN(2) == 0 {
			t += ".q" + fmt.Sprint(r.IntN(10))
		}
		if !seen[t] && !split.matchAny(t) {
			seen[t] = true
			m.none = append(m.none, t)
		}
	}
	if s <= 1 {
		s = 1.01
	}
	zipf := func(n int) *rand.Zipf {
		if n == 0 {
			return nil
		}
		return rand.NewZipf(r, s, 1, uint64(n-1))
	}
	m.zHit, m.zWild, m.zNo = zipf(len(m.hit)), zipf(len(m.wild)), zipf(len(m.none))
	return m
}

// instantiate replaces the wildcards of pattern with words.
func instantiate(r *rand.Rand, pattern string, words []string) string {
	var out []string
	for _, seg := range strings.Split(pattern, ".") {
		switch seg {
		case "*":
			out = append(out, pick(r, words))
		case "**":
			for range r.IntN(3) {
				out = append(out, pick(r, words))
			}
		default:
			out = append(out, seg)
		}
	}
	if len(out) == 0 {
		out = append(out, pick(r, words))
	}
	return strings.Join(out, ".")
}

// patterns are route patterns split into segments once: a type is
// checked against all of a table's routes many times over while a type
// space is drawn, and splitting every pattern for every type made up a
// third of building route-cache's workload, which every round rebuilds.
type patterns [][]string

func splitPatterns(routes []router.Route[int]) patterns {
	ps := make(patterns, len(routes))
	for i, rt := range routes {
		ps[i] = strings.Split(rt.Pattern, ".")
	}
	return ps
}

// matchAny reports whether any pattern matches typ (Matches).
func (ps patterns) matchAny(typ string) bool {
	t := strings.Split(typ, ".")
	for _, p := range ps {
		if matchSegs(p, t) {
			return true
		}
	}
	return false
}

// Next draws one type.
func (m *TypeMix) Next() string {
	u := m.r.IntN(100)
	switch {
	case u < 1 && m.zNo != nil:
		return m.none[m.zNo.Uint64()]
	case u < 6 && m.zWild != nil:
		return m.wild[m.zWild.Uint64()]
	case m.zHit != nil:
		return m.hit[m.zHit.Uint64()]
	case m.zWild != nil:
		return m.wild[m.zWild.Uint64()]
	case m.zNo != nil:
		return m.none[m.zNo.Uint64()]
	}
	return "unrouted"
}

// Sample draws n types.
func (m *TypeMix) Sample(n int) []string {
	out := make([]string, max(n, 0))
	for i := range out {
		out[i] = m.Next()
	}
	return out
}

// Types returns the distinct universe Next draws from: literal-pattern
// types, then wildcard-only types, then types matching nothing.
func (m *TypeMix) Types() []string { return slices.Concat(m.hit, m.wild, m.none) }

// Signals builds one signal per type, with a fixed id, source and time so
// that runs are reproducible, and data {"tenant": …} (also the subject)
// cycling through Tenant so that predicate routes apply to some signals and
// not others.
func Signals(types []string) ([]*signal.Signal, error) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*signal.Signal, len(types))
	for i, t := range types {
		s, err := signal.New(t, "/routertest", map[string]any{"tenant": Tenant(i)},
			signal.WithID(fmt.Sprintf("sig-%d", i)), signal.WithTime(at), signal.WithSubject(Tenant(i)))
		if err != nil {
			return nil, fmt.Errorf("routertest: type %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// Universe returns n distinct types for routes, deterministic for seed,
// shuffled so that a rank-based draw (Zipf) does not follow table order:
// every type named by a literal pattern, then types of wildcard patterns
// instantiated with numbered words (w0, w1 …, as tenant or entity ids make
// a real type space grow past any cache), and about 1 % types that match
// nothing. It returns fewer than n only if the routes cannot produce them.
func Universe(routes []router.Route[int], seed uint64, n int) []string {
	r := newRand(seed)
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if len(out) < n && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var wildcards []string
	for _, rt := range routes {
		if strings.Contains(rt.Pattern, "*") {
			wildcards = append(wildcards, rt.Pattern)
		} else {
			add(rt.Pattern)
		}
	}
	for i := 0; len(out) < n-n/100 && len(wildcards) > 0 && i < 50*n; i++ {
		word := []string{fmt.Sprintf("w%d", r.IntN(max(n/4, 1)))}
		add(instantiate(r, pick(r, wildcards), word))
	}
	split := splitPatterns(routes)
	for i := 0; len(out) < n && i < 50*n; i++ {
		if t := fmt.Sprintf("unrouted.z%d", i); !split.matchAny(t) {
			add(t)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
