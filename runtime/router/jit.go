package router

import (
	"slices"
	"strings"

	"github.com/perfbench/perfbench/runtime/signal"
)

// plan is the compiled, immutable form of one generation of routes. Routes
// are numbered by rank, their position in the global handler order, so
// ordering any set of matches is sorting small integers.
type plan[H any] struct {
	handlers []H                         // by rank
	preds    []func(*signal.Signal) bool // by rank; nil where a route has none
	exact    map[string]exactEntry[H]
	m        matcher
}

// exactEntry answers one type named by a literal pattern.
type exactEntry[H any] struct {
	handlers []H     // every route matching the type, in order, predicates not applied
	ranks    []int32 // the same routes, for predicate filtering
	pred     bool    // some route here has a predicate
}

// matcher is the compiled trie: nodes and edges in flat arrays, literal
// segments interned to small integers so that a type segment costs one map
// read however many trie branches are live.
type matcher struct {
	segID map[string]int32
	nodes []cnode
	edges []cedge // literal children, contiguous per node, sorted by seg
	ends  []int32 // ranks of routes ending at each node, ascending
}

type cnode struct {
	edgeLo, edgeHi int32
	star, dstar    int32 // child index, or -1
	loop           bool  // reached through "**", so may consume more segments
	endLo, endHi   int32
}

type cedge struct{ seg, child int32 }

// appendCompiled is the JIT-on lookup: exact table, then cache, then walk.
func (r *Router[H]) appendCompiled(dst []H, sig *signal.Signal, typ string) []H {
	s := r.snap.Load()
	p := s.plan.Load()
	if p == nil {
		p = r.compile(s)
	}
	if e, ok := p.exact[typ]; ok {
		if !e.pred {
			return append(dst, e.handlers...)
		}
		return p.appendRanks(dst, e.ranks, sig)
	}
	if out, ok := r.cacheLookup(s, dst, typ); ok {
		return out
	}
	// Most types match a handful of routes; a larger set spills to the heap.
	var buf [64]int32
	ranks := p.m.walk(typ, buf[:0])
	if s.cache != nil {
		pred := false
		for _, rk := range ranks {
			if p.preds[rk] != nil {
				pred = true
				break
			}
		}
		if pred {
			r.bypassed.Add(1)
		} else {
			r.misses.Add(1)
			hs := make([]H, len(ranks))
			for i, rk := range ranks {
				hs[i] = p.handlers[rk]
			}
			s.cache.put(typ, hs, s.gen)
			return append(dst, hs...)
		}
	}
	return p.appendRanks(dst, ranks, sig)
}

func (p *plan[H]) appendRanks(dst []H, ranks []int32, sig *signal.Signal) []H {
	for _, rk := range ranks {
		if m := p.preds[rk]; m == nil || m(sig) {
			dst = append(dst, p.handlers[rk])
		}
	}
	return dst
}

// compile builds s's plan once; concurrent first lookups wait for it.
func (r *Router[H]) compile(s *snapshot[H]) *plan[H] {
	s.compileMu.Lock()
	defer s.compileMu.Unlock()
	if p := s.plan.Load(); p != nil {
		return p
	}
	p := buildPlan(s.routes)
	s.plan.Store(p)
	r.compiles.Add(1)
	return p
}

// bnode is the pointer trie compile goes through before flattening.
type bnode struct {
	lit         map[string]*bnode
	star, dstar *bnode
	viaDstar    bool
	ends        []int32
}

func buildPlan[H any](routes []*route[H]) *plan[H] {
	sorted := slices.Clone(routes)
	slices.SortFunc(sorted, func(a, b *route[H]) int {
		switch {
		case a == b:
			return 0
		case a.before(b):
			return -1
		default:
			return 1
		}
	})
	p := &plan[H]{
		handlers: make([]H, len(sorted)),
		preds:    make([]func(*signal.Signal) bool, len(sorted)),
		exact:    make(map[string]exactEntry[H]),
	}

	root := &bnode{}
	segNames := map[string]bool{}
	for rank, rt := range sorted {
		p.handlers[rank] = rt.Handler
		p.preds[rank] = rt.Match
		n := root
		for _, seg := range strings.Split(rt.Pattern, ".") {
			switch seg {
			case "*":
				if n.star == nil {
					n.star = &bnode{}
				}
				n = n.star
			case "**":
				if n.dstar == nil {
					n.dstar = &bnode{viaDstar: true}
				}
				n = n.dstar
			default:
				if n.lit == nil {
					n.lit = map[string]*bnode{}
				}
				c, ok := n.lit[seg]
				if !ok {
					c = &bnode{}
					n.lit[seg] = c
				}
				segNames[seg] = true
				n = c
			}
		}
		n.ends = append(n.ends, int32(rank)) // ascending: routes go in rank order
	}
	p.m = flatten(root, segNames)

	for _, rt := range sorted {
		if !isLiteralPattern(rt.Pattern) {
			continue
		}
		if _, done := p.exact[rt.Pattern]; done {
			continue
		}
		e := exactEntry[H]{ranks: p.m.walk(rt.Pattern, nil)}
		e.handlers = make([]H, len(e.ranks))
		for i, rk := range e.ranks {
			e.handlers[i] = p.handlers[rk]
			e.pred = e.pred || p.preds[rk] != nil
		}
		p.exact[rt.Pattern] = e
	}
	return p
}

// flatten lays the trie out breadth-first; node 0 is the root.
func flatten(root *bnode, segNames map[string]bool) matcher {
	names := make([]string, 0, len(segNames))
	for s := range segNames {
		names = append(names, s)
	}
	slices.Sort(names) // deterministic ids, whatever the map order
	m := matcher{segID: make(map[string]int32, len(names))}
	for i, s := range names {
		m.segID[s] = int32(i)
	}

	queue := []*bnode{root}
	for i := 0; i < len(queue); i++ {
		b := queue[i]
		enqueue := func(c *bnode) int32 {
			if c == nil {
				return -1
			}
			queue = append(queue, c)
			return int32(len(queue) - 1)
		}
		cn := cnode{loop: b.viaDstar}
		cn.edgeLo = int32(len(m.edges))
		lits := make([]cedge, 0, len(b.lit))
		for seg, c := range b.lit {
			lits = append(lits, cedge{seg: m.segID[seg], child: enqueue(c)})
		}
		slices.SortFunc(lits, func(a, b cedge) int { return int(a.seg - b.seg) })
		m.edges = append(m.edges, lits...)
		cn.edgeHi = int32(len(m.edges))
		cn.star = enqueue(b.star)
		cn.dstar = enqueue(b.dstar)
		cn.endLo = int32(len(m.ends))
		m.ends = append(m.ends, b.ends...)
		cn.endHi = int32(len(m.ends))
		m.nodes = append(m.nodes, cn)
	}
	return m
}

// child follows the literal edge seg from n, or returns -1.
func (m *matcher) child(n *cnode, seg int32) int32 {
	// Narrow to a short run that starts at or before seg, then scan it.
	lo, hi := n.edgeLo, n.edgeHi
	for hi-lo > 8 {
		mid := int32(uint32(lo+hi) >> 1)
		if m.edges[mid].seg < seg {
			lo = mid + 1
		} else {
			hi = mid + 1
		}
	}
	for ; lo < hi; lo++ {
		if e := m.edges[lo]; e.seg == seg {
			return e.child
		} else if e.seg > seg {
			break
		}
	}
	return -1
}

// walk appends to out, ascending, the ranks of every route whose pattern
// matches all of typ. It runs the trie as an NFA over the set of live nodes,
// one type segment at a time, so each route is found once and "**" costs no
// backtracking. The state sets live on the stack for realistic tries.
func (m *matcher) walk(typ string, out []int32) []int32 {
	var bufA, bufB [32]int32
	cur := m.closure(append(bufA[:0], 0))
	next := bufB[:0]
	for i := 0; i <= len(typ); {
		var seg string
		seg, i = nextSegment(typ, i)
		id, known := m.segID[seg]
		next = next[:0]
		for _, n := range cur {
			nd := &m.nodes[n]
			if known {
				if c := m.child(nd, id); c >= 0 {
					next = addState(next, c)
				}
			}
			if nd.star >= 0 {
				next = addState(next, nd.star)
			}
			if nd.loop {
				next = addState(next, n)
			}
		}
		next = m.closure(next)
		if len(next) == 0 {
			return out
		}
		cur, next = next, cur
	}
	start := len(out)
	for _, n := range cur {
		nd := &m.nodes[n]
		out = append(out, m.ends[nd.endLo:nd.endHi]...)
	}
	slices.Sort(out[start:])
	return out
}

// closure adds the "**" children of live nodes: "**" may match nothing.
func (m *matcher) closure(s []int32) []int32 {
	for k := 0; k < len(s); k++ {
		if d := m.nodes[s[k]].dstar; d >= 0 {
			s = addState(s, d)
		}
	}
	return s
}

func addState(s []int32, n int32) []int32 {
	for _, x := range s {
		if x == n {
			return s
		}
	}
	return append(s, n)
}
