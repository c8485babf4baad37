package cluster

import (
	"bytes"
	"context"
	"fmt"
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

// A tree hop relays the bytes it received, unchanged, before decoding
// them: the copy a grandchild gets is byte for byte the root's.
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
		if first == nil {
			first = m.Data
		} else if !bytes.Equal(m.Data, first) {
			t.Errorf("%s got %d B differing from the root's %d B copy", id, len(m.Data), len(first))
		}
		want := fmt.Sprintf("n0 4 1 %d %s", hop+1, ids[hop])
		if got := m.Header.Get(treeHeader); got != want {
			t.Errorf("%s: header %q, want %q", id, got, want)
		}
	}
}

func TestParseTreeHop(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"n0 8 3 2 n1", true}, {"n0 8 3 2", false}, {"n0 x 3 2 n1", false}, {"n0 8 -3 2 n1", false}, {"", false},
	} {
		h, err := parseTreeHop(c.in)
		if (err == nil) != c.ok {
			t.Errorf("parseTreeHop(%q) = %v, want ok %v", c.in, err, c.ok)
		}
		if c.ok && h.String() != c.in {
			t.Errorf("round trip %q → %q", c.in, h.String())
		}
	}
}
