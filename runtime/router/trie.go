package router

import (
	"strings"

	"github.com/perfbench/perfbench/runtime/signal"
)

// node is one level of the interpreted (JIT off) trie. Children are keyed by
// segment, wildcards included ("*", "**"), the way jido_signal's trie is.
// It is mutated only under Router.mu.
type node[H any] struct {
	children map[string]*node[H]
	routes   []*route[H] // routes whose pattern ends here, insertion order
}

func newNode[H any]() *node[H] {
	return &node[H]{children: make(map[string]*node[H])}
}

func (n *node[H]) insert(rt *route[H]) {
	for _, seg := range strings.Split(rt.Pattern, ".") {
		c, ok := n.children[seg]
		if !ok {
			c = newNode[H]()
			n.children[seg] = c
		}
		n = c
	}
	n.routes = append(n.routes, rt)
}

// remove drops the routes with exactly pattern and prunes emptied nodes, so
// a router that churns routes does not keep growing its trie.
func (n *node[H]) remove(pattern string) {
	n.removeSegs(strings.Split(pattern, "."))
}

func (n *node[H]) removeSegs(segs []string) (empty bool) {
	if len(segs) == 0 {
		// Every route ending at a node has the pattern spelled by the path
		// to it, so all of them go.
		n.routes = nil
	} else if c, ok := n.children[segs[0]]; ok && c.removeSegs(segs[1:]) {
		delete(n.children, segs[0])
	}
	return len(n.routes) == 0 && len(n.children) == 0
}

// collect appends every route whose pattern matches segs[i:] from n. It is
// the straightforward backtracking walk: "**" tries every split point.
func (n *node[H]) collect(segs []string, i int, out []*route[H]) []*route[H] {
	if i == len(segs) {
		out = append(out, n.routes...)
	} else {
		if c, ok := n.children[segs[i]]; ok {
			out = c.collect(segs, i+1, out)
		}
		if c, ok := n.children["*"]; ok {
			out = c.collect(segs, i+1, out)
		}
	}
	if c, ok := n.children["**"]; ok {
		for j := i; j <= len(segs); j++ {
			out = c.collect(segs, j, out)
		}
	}
	return out
}

// appendInterpreted is the JIT-off lookup: split, walk, sort, copy.
func (r *Router[H]) appendInterpreted(dst []H, sig *signal.Signal, typ string) []H {
	if out, ok := r.cacheLookup(r.snap.Load(), dst, typ); ok {
		return out
	}
	segs := strings.Split(typ, ".")
	r.mu.RLock()
	// Loaded under the lock so the cache we may fill belongs to the same
	// generation as the trie we walk.
	s := r.snap.Load()
	found := r.root.collect(segs, 0, nil)
	r.mu.RUnlock()

	found = sortRoutes(found)
	pred := false
	for _, rt := range found {
		if rt.Match != nil {
			pred = true
			break
		}
	}
	r.cacheStore(s, typ, pred, func() []H {
		hs := make([]H, len(found))
		for i, rt := range found {
			hs[i] = rt.Handler
		}
		return hs
	})
	return appendFiltered(dst, found, sig)
}
