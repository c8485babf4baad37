// Package features is the switchboard of the runtime's optimizations.
//
// A Set is built once and passed by value to every constructor of the runtime
// (agent servers, routers, buses). Nothing in the runtime reads environment
// variables or globals to decide which code path to take, so two runtimes with
// different Sets can run side by side in one process — which is exactly what
// an off/on comparison needs.
package features

import (
	"fmt"
	"strings"
)

// Set holds one switch per optimization. The zero value is "everything off",
// the behaviour of the unoptimized Jido model.
type Set struct {
	// FastPath answers state queries from an immutable snapshot read through
	// an atomic pointer instead of a round trip through the mailbox.
	FastPath bool
	// ZeroCopy shares one immutable signal between receivers instead of
	// deep-copying it on every local delivery.
	ZeroCopy bool
	// Pooling reuses instructions and mailbox envelopes from pools.
	Pooling bool
	// Batching hands signals to an agent in batches and drains up to
	// BatchSize of them per wake-up.
	Batching bool
	// JIT compiles routes into an allocation-free plan ahead of time instead
	// of splitting the type and walking the trie per signal.
	JIT bool
	// Caching keeps a bounded cache of route lookups keyed by signal type.
	Caching bool
	// XBatch keeps a per-peer outbox of cross-node signals, flushed by size
	// or time, and sends each batch compressed instead of one NATS message
	// per signal.
	XBatch bool
	// Tree sends a broadcast down a k-ary tree of nodes, each forwarding to
	// its children, instead of the root sending to every other node.
	Tree bool
}

// switches is the one table of the switches' names, in a stable order, and
// where each lives in a Set: Names, All, Get and With all read it, so a new
// switch is a field above plus one line here.
var switches = []struct {
	name string
	of   func(*Set) *bool
}{
	{"fastpath", func(s *Set) *bool { return &s.FastPath }},
	{"zerocopy", func(s *Set) *bool { return &s.ZeroCopy }},
	{"pooling", func(s *Set) *bool { return &s.Pooling }},
	{"batching", func(s *Set) *bool { return &s.Batching }},
	{"jit", func(s *Set) *bool { return &s.JIT }},
	{"caching", func(s *Set) *bool { return &s.Caching }},
	{"xbatch", func(s *Set) *bool { return &s.XBatch }},
	{"tree", func(s *Set) *bool { return &s.Tree }},
}

// Names lists the switch names accepted by Get and With, in a stable order.
func Names() []string {
	names := make([]string, len(switches))
	for i, sw := range switches {
		names[i] = sw.name
	}
	return names
}

// All returns a Set with every optimization on.
func All() Set {
	var s Set
	for _, sw := range switches {
		*sw.of(&s) = true
	}
	return s
}

func (s *Set) field(name string) (*bool, error) {
	for _, sw := range switches {
		if sw.name == name {
			return sw.of(s), nil
		}
	}
	return nil, fmt.Errorf("unknown feature %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// With returns a copy of s with the named switch set to on.
func (s Set) With(name string, on bool) (Set, error) {
	p, err := s.field(name)
	if err != nil {
		return s, err
	}
	*p = on
	return s, nil
}

// Get reports whether the named switch is on.
func (s Set) Get(name string) (bool, error) {
	p, err := s.field(name)
	if err != nil {
		return false, err
	}
	return *p, nil
}

// String lists the switches that are on, e.g. "jit+caching", or "none".
func (s Set) String() string {
	var on []string
	for _, n := range Names() {
		if v, _ := s.Get(n); v {
			on = append(on, n)
		}
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, "+")
}
