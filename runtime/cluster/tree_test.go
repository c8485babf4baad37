package cluster

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/runtime/features"
)

// ceilLog is ⌈log_k n⌉ (n − 1 for a chain, k = 1), the design's bound on a
// tree broadcast's depth.
func ceilLog(n, k int) int {
	if k == 1 {
		return n - 1
	}
	d := 0
	for p := 1; p < n; p *= k {
		d++
	}
	return d
}

// Every group size and fanout, from two roots, tree off and on: the exact
// properties the design states, counted from the acks (root sends ≤
// fanout, depth ≤ ⌈log_k N⌉ and exactly the tree's, every node reached by
// one copy), and every agent receiving the same signals off and on.
func TestTreeBroadcastExactProperties(t *testing.T) {
	s := startServer(t)
	ids := []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"}
	type key struct{ g, k, root int }
	run := func(f features.Set, k int) (map[string][]string, map[key]BroadcastResult) {
		r := newRig(t, s.ClientURL(), f, ids, k)
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		res := map[key]BroadcastResult{}
		want := 0
		for g := 2; g <= len(ids); g++ {
			for _, root := range []int{0, 1} {
				b, err := r.nodes[root].Broadcast(ctx, g, "rec", sig(t, 1000+100*g+root))
				if err != nil {
					t.Fatal(err)
				}
				res[key{g, k, root}] = b
				want += g
			}
		}
		waitFor(t, "deliveries", func() bool { return r.rec.count() == want })
		return r.rec.sorted(), res
	}
	for _, k := range []int{1, 2, 3} {
		off, offRes := run(features.Set{}, k)
		on, onRes := run(features.Set{Tree: true}, k)
		for node, want := range off {
			if !slices.Equal(on[node], want) {
				t.Errorf("k=%d: %s received %d signals with the tree, %d without (or different ones)", k, node, len(on[node]), len(want))
			}
			if len(slices.Compact(slices.Clone(on[node]))) != len(on[node]) {
				t.Errorf("k=%d: %s received a broadcast twice with the tree", k, node)
			}
		}
		if len(on) != len(off) {
			t.Errorf("k=%d: %d nodes received with the tree, %d without", k, len(on), len(off))
		}
		for kk, b := range onRes {
			ob := offRes[kk]
			wantSent := min(k, kk.g-1)
			if !b.Once() || b.Sent != wantSent || b.Depth != treeDepth(kk.g, k) || b.Depth > ceilLog(kk.g, k) || b.Sent > k {
				t.Errorf("tree g=%d k=%d root n%d: %+v (messages %d); want once, sent %d, depth %d ≤ %d",
					kk.g, k, kk.root, b, b.Messages(), wantSent, treeDepth(kk.g, k), ceilLog(kk.g, k))
			}
			if !ob.Once() || ob.Sent != kk.g-1 || ob.Depth != 1 || ob.Forwarded != 0 {
				t.Errorf("direct g=%d root n%d: %+v; want once, sent %d, depth 1, none forwarded", kk.g, kk.root, ob, kk.g-1)
			}
		}
	}
}

// Once holds only when every node acked one copy and no copy was extra.
func TestOnceCountsDuplicatesAndExtraCopies(t *testing.T) {
	for _, c := range []struct {
		r    BroadcastResult
		once bool
	}{
		{BroadcastResult{Group: 8, Acked: 7, Sent: 3, Forwarded: 4}, true},
		{BroadcastResult{Group: 8, Acked: 7, Sent: 7}, true},
		{BroadcastResult{Group: 8, Acked: 7, Sent: 3, Forwarded: 4, Duplicates: 1}, false},
		{BroadcastResult{Group: 8, Acked: 7, Sent: 3, Forwarded: 5}, false}, // a copy went to someone twice
		{BroadcastResult{Group: 8, Acked: 6, Sent: 3, Forwarded: 3}, false}, // a node not reached
	} {
		if got := c.r.Once(); got != c.once {
			t.Errorf("%+v: Once() = %v, want %v", c.r, got, c.once)
		}
	}
}

// A tree hop relays the bytes it received before decoding them: the copy
// a grandchild gets is byte for byte the root's but for the prefix's hops
// and sender, which each relay rewrites in place.
func TestTreeRelaysTheReceivedBytes(t *testing.T) {
	s := startServer(t)
	ids := []string{"n0", "n1", "n2", "n3"}
	r := newRig(t, s.ClientURL(), features.Set{Tree: true}, ids, 1) // a chain: n0 → n1 → n2 → n3
	prefix := r.nodes[0].prefix
	spy, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	subs := map[string]*nats.Subscription{}
	for _, id := range ids[1:] {
		if subs[id], err = spy.SubscribeSync(prefix + ".n." + id + ".t"); err != nil {
			t.Fatal(err)
		}
	}
	if err := spy.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	b, err := r.nodes[0].Broadcast(ctx, 4, "rec", sig(t, 7))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Once() || b.Depth != 3 || b.Sent != 1 {
		t.Fatalf("chain of 4: %+v, want once, depth 3, 1 sent", b)
	}
	var first []byte
	for hop, id := range ids[1:] {
		m, err := subs[id].NextMsg(guard)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Data) < treePrefixLen {
			t.Fatalf("%s got %d B, shorter than the prefix", id, len(m.Data))
		}
		body := m.Data[treePrefixLen:]
		if first == nil {
			first = body
		} else if !bytes.Equal(body, first) {
			t.Errorf("%s got an envelope of %d B differing from the root's %d B", id, len(body), len(first))
		}
		want := make([]byte, treePrefixLen)
		putTreePrefix(want, treeHop{root: 0, group: 4, fanout: 1, hops: hop + 1, from: hop})
		if got := m.Data[:treePrefixLen]; !bytes.Equal(got, want) {
			t.Errorf("%s: prefix % x, want % x", id, got, want)
		}
	}
}

// A prefix round-trips, and a short, foreign or out-of-range one is
// refused rather than relayed.
func TestParseTreePrefix(t *testing.T) {
	put := func(h treeHop) []byte {
		b := make([]byte, treePrefixLen+2)
		putTreePrefix(b, h)
		copy(b[treePrefixLen:], "{}")
		return b
	}
	good := treeHop{root: 1, from: 2, group: 8, fanout: 3, hops: 2}
	for _, c := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"good", put(good), true},
		{"short", put(good)[:treePrefixLen-1], false},
		{"json", []byte(`{"from":"n0"}`), false},
		{"group past peers", put(treeHop{root: 1, from: 2, group: 10, fanout: 3, hops: 2}), false},
		{"group of one", put(treeHop{root: 0, from: 0, group: 1, fanout: 3, hops: 1}), false},
		{"fanout 0", put(treeHop{root: 1, from: 2, group: 8, fanout: 0, hops: 2}), false},
		{"root outside group", put(treeHop{root: 8, from: 2, group: 8, fanout: 3, hops: 2}), false},
		{"sender outside group", put(treeHop{root: 1, from: 8, group: 8, fanout: 3, hops: 2}), false},
		{"hops 0", put(treeHop{root: 1, from: 2, group: 8, fanout: 3, hops: 0}), false},
		{"hops ≥ group", put(treeHop{root: 1, from: 2, group: 8, fanout: 3, hops: 8}), false},
	} {
		h, err := parseTreePrefix(c.in, 9)
		if (err == nil) != c.ok {
			t.Errorf("%s: parseTreePrefix = %+v, %v; want ok %v", c.name, h, err, c.ok)
		}
		if c.ok && h != good {
			t.Errorf("%s: round trip %+v → %+v", c.name, good, h)
		}
	}
}

// Where the tree is the root's direct sends (3 nodes, fanout 3), a tree
// copy costs the wire no more than a direct one: its routing is a fixed
// prefix in place of the envelope's routing fields, with no NATS header.
func TestTreeCopyCostsNoMoreWireThanDirect(t *testing.T) {
	s := startServer(t)
	ids := []string{"n0", "n1", "n2"}
	copySize := func(f features.Set) int {
		r := newRig(t, s.ClientURL(), f, ids, 3)
		spy, err := nats.Connect(s.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		defer spy.Close()
		sub, err := spy.SubscribeSync(r.nodes[0].prefix + ".n.n1.t")
		if err != nil {
			t.Fatal(err)
		}
		if err := spy.Flush(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if b, err := r.nodes[0].Broadcast(ctx, 3, "rec", sig(t, 9)); err != nil || !b.Once() {
			t.Fatalf("%+v: %+v, %v", f, b, err)
		}
		m, err := sub.NextMsg(guard)
		if err != nil {
			t.Fatal(err)
		}
		if m.Header != nil {
			t.Errorf("%+v: the copy carries a NATS header %v", f, m.Header)
		}
		size := len(m.Data)
		for k, vs := range m.Header {
			for _, v := range vs {
				size += len(k) + len(": \r\n") + len(v)
			}
		}
		return size
	}
	direct, tree := copySize(features.Set{}), copySize(features.Set{Tree: true})
	if tree > direct {
		t.Errorf("a tree copy is %d B on the wire, a direct one %d B", tree, direct)
	}
}
