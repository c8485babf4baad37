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
	"slices"
	"strings"
)

// Set holds one switch per optimization. The zero value is "everything off",
// the behaviour of the unoptimized Jido model.
//
// The runtime's own switches are typed fields, so its hot paths read a bool.
// A switch the runtime does not know (a toggle defined by a team's own
// workloads) is carried by name in extra, switched and read through With and
// Get; extra is one sorted string so that a Set stays comparable and can key
// a map.
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

	// extra holds the names of the other switches that are on, sorted and
	// joined by "+"; "" when there are none.
	extra string
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

// Names lists the runtime's own switch names, in a stable order. Get and
// With also accept any other valid name (see ValidName).
func Names() []string {
	names := make([]string, len(switches))
	for i, sw := range switches {
		names[i] = sw.name
	}
	return names
}

// All returns a Set with every one of the runtime's own optimizations on.
func All() Set {
	var s Set
	for _, sw := range switches {
		*sw.of(&s) = true
	}
	return s
}

func (s *Set) field(name string) *bool {
	for _, sw := range switches {
		if sw.name == name {
			return sw.of(s)
		}
	}
	return nil
}

// ValidName reports whether name can be a switch's name: kebab-case, a
// lower-case letter first, then lower-case letters, digits and single
// hyphens, not ending in one. "+" and "none" are reserved by String.
func ValidName(name string) error {
	ok := name != "" && name != "none" && name[0] >= 'a' && name[0] <= 'z' && name[len(name)-1] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && name[i-1] != '-':
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("invalid feature name %q: want kebab-case (lower-case letters, digits and single hyphens, a letter first), not \"none\"; the runtime's own: %s",
			name, strings.Join(Names(), ", "))
	}
	return nil
}

func (s Set) extras() []string {
	if s.extra == "" {
		return nil
	}
	return strings.Split(s.extra, "+")
}

// With returns a copy of s with the named switch set to on. A name that is
// not one of the runtime's own is carried by name; only an invalid name is
// an error.
func (s Set) With(name string, on bool) (Set, error) {
	if p := s.field(name); p != nil {
		*p = on
		return s, nil
	}
	if err := ValidName(name); err != nil {
		return s, err
	}
	ex := s.extras()
	i, found := slices.BinarySearch(ex, name)
	switch {
	case on && !found:
		ex = slices.Insert(ex, i, name)
	case !on && found:
		ex = slices.Delete(ex, i, i+1)
	}
	s.extra = strings.Join(ex, "+")
	return s, nil
}

// Get reports whether the named switch is on; only an invalid name is an
// error.
func (s Set) Get(name string) (bool, error) {
	if p := s.field(name); p != nil {
		return *p, nil
	}
	if err := ValidName(name); err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(s.extras(), name)
	return found, nil
}

// On lists the switches that are on: the runtime's own in the order of
// Names, then the others sorted.
func (s Set) On() []string {
	var on []string
	for _, sw := range switches {
		if *sw.of(&s) {
			on = append(on, sw.name)
		}
	}
	return append(on, s.extras()...)
}

// String lists the switches that are on as On does, joined by "+", e.g.
// "jit+caching", or "none".
func (s Set) String() string {
	on := s.On()
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, "+")
}
