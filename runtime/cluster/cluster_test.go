package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds every wait in these tests: a deadlock guard, not a timing
// assertion.
const guard = 20 * time.Second

func startServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(guard) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// recorder keeps the CloudEvents JSON of every signal each node's agent
// processed.
type recorder struct {
	mu  sync.Mutex
	got map[string][]string
}

func (r *recorder) action(node string) agent.Action {
	return func(in *agent.Instruction, _ agent.Reader, _ *agent.Result) error {
		b, err := in.Signal.MarshalJSON()
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.got[node] = append(r.got[node], string(b))
		r.mu.Unlock()
		return nil
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.got {
		n += len(v)
	}
	return n
}

func (r *recorder) sorted() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for k, v := range r.got {
		out[k] = slices.Sorted(slices.Values(v))
	}
	return out
}

type rig struct {
	nodes []*Node
	rec   *recorder
}

func newRig(t *testing.T, url string, f features.Set, ids []string, fanout int) *rig {
	t.Helper()
	r := &rig{rec: &recorder{got: map[string][]string{}}}
	prefix := fmt.Sprintf("t%d", time.Now().UnixNano()) // runs sharing the server stay apart
	for _, id := range ids {
		nc, err := nats.Connect(url, nats.Name(id))
		if err != nil {
			t.Fatal(err)
		}
		a, err := agent.Start(agent.Config{
			ID: "rec", Features: f,
			Routes:  []router.Route[agent.Binding]{{Pattern: "**", Handler: agent.Binding{Action: "rec"}}},
			Actions: map[string]agent.Action{"rec": r.rec.action(id)},
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Start(Config{ID: id, Conn: nc, Features: f, Peers: ids, Agents: []*agent.Server{a}, Fanout: fanout,
			Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		r.nodes = append(r.nodes, n)
		t.Cleanup(func() { n.Close(); a.Stop(); nc.Close() })
	}
	return r
}

// sig builds a deterministic signal: the same id, time and payload on
// every run, so that runs with different features can be compared.
func sig(t *testing.T, i int) *signal.Signal {
	t.Helper()
	s, err := signal.New("test.item", "/cluster/test", map[string]any{"i": i, "pad": fmt.Sprintf("%064d", i)},
		signal.WithID(fmt.Sprintf("00000000-0000-7000-8000-%012d", i)), signal.WithContentType("application/json"),
		signal.WithTime(time.Unix(1700000000, int64(i)).UTC()), signal.WithExtension("k", "v"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type scenario struct {
	got     map[string][]string
	bcasts  []BroadcastResult
	counter []Counters
}

// play sends streams, requests and broadcasts from node 0 and 1, and
// returns what every agent received.
func play(t *testing.T, url string, f features.Set) scenario {
	ids := []string{"n0", "n1", "n2", "n3", "n4"}
	r := newRig(t, url, f, ids, 2)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	want := 0
	for i := 0; i < 200; i++ {
		from, to := r.nodes[i%2], ids[2+i%3]
		if err := from.Send(to, "rec", sig(t, i)); err != nil {
			t.Fatal(err)
		}
		want++
	}
	for i := 200; i < 205; i++ {
		if err := r.nodes[0].Request(ctx, "n1", "rec", sig(t, i)); err != nil {
			t.Fatal(err)
		}
		want++
	}
	if err := r.nodes[0].Send("n3", "nobody", sig(t, 300)); err != nil {
		t.Fatal(err)
	}
	var sc scenario
	for i, g := range []int{5, 3} {
		res, err := r.nodes[0].Broadcast(ctx, g, "rec", sig(t, 400+i))
		if err != nil {
			t.Fatal(err)
		}
		sc.bcasts = append(sc.bcasts, res)
		want += g
		res, err = r.nodes[1].BroadcastServer(ctx, g, "rec", sig(t, 500+i))
		if err != nil {
			t.Fatal(err)
		}
		sc.bcasts = append(sc.bcasts, res)
		want += g
	}
	for _, n := range r.nodes {
		if err := n.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "deliveries", func() bool { return r.rec.count() == want })
	for _, n := range r.nodes {
		if err := n.FlushAcks(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "acks", func() bool {
		for _, a := range r.nodes {
			for p, pc := range a.Counters().Peers {
				if pc.Acked.Total() != pc.Sent {
					_ = p
					return false
				}
			}
		}
		return true
	})
	for _, n := range r.nodes {
		sc.counter = append(sc.counter, n.Counters())
	}
	sc.got = r.rec.sorted()
	return sc
}

func TestOffAndOnDeliverTheSameSignals(t *testing.T) {
	s := startServer(t)
	base := play(t, s.ClientURL(), features.Set{})
	if got := len(base.got["n3"]); got != 67+1*2 { // 67 of the stream, one broadcast of each kind (groups 5 and 3)
		t.Errorf("n3 got %d signals", got)
	}
	for _, f := range []features.Set{{XBatch: true}, {Tree: true}, {XBatch: true, Tree: true}} {
		t.Run(f.String(), func(t *testing.T) {
			on := play(t, s.ClientURL(), f)
			for node, want := range base.got {
				if !slices.Equal(on.got[node], want) {
					t.Errorf("%s: %s received %d signals, off received %d (or different contents)", f, node, len(on.got[node]), len(want))
				}
			}
			if len(on.got) != len(base.got) {
				t.Errorf("%s: %d nodes received, off %d", f, len(on.got), len(base.got))
			}
		})
	}
}

func TestCountersAgreeAndConserve(t *testing.T) {
	s := startServer(t)
	for _, f := range []features.Set{{}, {XBatch: true}} {
		sc := play(t, s.ClientURL(), f)
		byID := map[string]Counters{}
		for _, c := range sc.counter {
			byID[c.Node] = c
		}
		for _, a := range sc.counter {
			for b, pc := range a.Peers {
				recv := byID[b].Peers[a.Node].Received
				if pc.Acked != recv {
					t.Errorf("%s: %s→%s acked %+v, receiver counted %+v", f, a.Node, b, pc.Acked, recv)
				}
				if pc.Sent != pc.SendFailed+recv.Total() {
					t.Errorf("%s: %s→%s sent %d ≠ failed %d + arrived %d", f, a.Node, b, pc.Sent, pc.SendFailed, recv.Total())
				}
			}
		}
		// The signal for an agent that does not exist is an error, counted.
		if got := byID["n3"].Peers["n0"].Received.Errored; got != 1 {
			t.Errorf("%s: n3 counted %d errors from n0, want 1", f, got)
		}
		if f.XBatch {
			c := byID["n0"]
			if c.Batches == 0 || c.Messages >= 100 || c.PayloadBytes >= c.RawBytes {
				t.Errorf("xbatch: %d batches, %d messages, %d bytes from %d raw", c.Batches, c.Messages, c.PayloadBytes, c.RawBytes)
			}
		} else if c := byID["n0"]; c.Batches != 0 || c.Messages != 100+5+1 {
			t.Errorf("off: %d batches, %d messages (want 0, 106)", c.Batches, c.Messages)
		}
	}
}

func TestBroadcastShapes(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct {
		f             features.Set
		depth5, sent5 int
		depth3, sent3 int
	}{
		{features.Set{}, 1, 4, 1, 2},
		{features.Set{Tree: true}, 2, 2, 1, 2}, // fanout 2: 0→1,2; 1→3,4
	} {
		sc := play(t, s.ClientURL(), tc.f)
		got := [][2]int{{sc.bcasts[0].Depth, sc.bcasts[0].Sent}, {sc.bcasts[2].Depth, sc.bcasts[2].Sent}}
		want := [][2]int{{tc.depth5, tc.sent5}, {tc.depth3, tc.sent3}}
		if !slices.Equal(got, want) {
			t.Errorf("%s: (depth, sent) = %v, want %v", tc.f, got, want)
		}
		for _, ref := range []BroadcastResult{sc.bcasts[1], sc.bcasts[3]} {
			if ref.Depth != 1 || ref.Sent != 1 || ref.Acked != ref.Group-1 {
				t.Errorf("%s: reference %+v", tc.f, ref)
			}
		}
	}
}

func TestChildrenCoverTheGroupOnce(t *testing.T) {
	ids := make([]string, 16)
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
	}
	n := &Node{id: "n0", peers: ids, index: map[string]int{}}
	for i, id := range ids {
		n.index[id] = i
	}
	for _, k := range []int{0, 1, 2, 3, 5} {
		for _, g := range []int{2, 4, 8, 16} {
			for _, root := range []string{"n0", "n1"} {
				if n.index[root] >= g {
					continue
				}
				// Walk the tree from the root; every member must be reached once.
				seen := map[string]int{root: 0}
				queue := []string{root}
				depth := 0
				for len(queue) > 0 {
					x := queue[0]
					queue = queue[1:]
					m := &Node{id: x, peers: ids, index: n.index}
					for _, c := range m.children(g, root, m.position(g, root), k) {
						if _, dup := seen[c]; dup {
							t.Fatalf("k=%d g=%d: %s reached twice", k, g, c)
						}
						seen[c] = seen[x] + 1
						depth = max(depth, seen[c])
						queue = append(queue, c)
					}
				}
				var got []string
				for id := range seen {
					got = append(got, id)
				}
				sort.Strings(got)
				want := slices.Clone(ids[:g])
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("k=%d g=%d root=%s: reached %v", k, g, root, got)
				}
				if want := treeDepth(g, k); depth != want {
					t.Errorf("k=%d g=%d: depth %d, want %d", k, g, depth, want)
				}
			}
		}
	}
}

// treeDepth is the depth of a complete k-ary tree of g nodes (1 when the
// root sends to all).
func treeDepth(g, k int) int {
	if k == 0 {
		return 1
	}
	d, level, total := 0, 1, 1
	for total < g {
		level *= k
		total += level
		d++
	}
	return d
}

func TestEnvelopeCarriesCloudEventsJSON(t *testing.T) {
	s := sig(t, 7)
	b, err := encodeEnvelope(&envelope{From: "a", Agent: "x"}, s)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Event["specversion"] != signal.SpecVersion || raw.Event["id"] != s.ID() {
		t.Errorf("event = %v", raw.Event)
	}
	_, back, err := decodeEnvelope(b)
	if err != nil || !back.Equal(s) {
		t.Errorf("round trip: %v, equal %v", err, back != nil && back.Equal(s))
	}
}

// ReceivedAtLeast is released by the receiving side's count of the signal
// that reaches the target, per peer, and never before.
func TestReceivedAtLeastReleasesAtTheTarget(t *testing.T) {
	s := startServer(t)
	for _, f := range []features.Set{{}, {XBatch: true}} {
		t.Run(f.String(), func(t *testing.T) {
			r := newRig(t, s.ClientURL(), f, []string{"n0", "n1", "n2"}, 0)
			from, to := r.nodes[0], r.nodes[1]
			closed := func(ch <-chan struct{}) bool {
				select {
				case <-ch:
					return true
				default:
					return false
				}
			}
			wait := func(ch <-chan struct{}, what string) {
				t.Helper()
				select {
				case <-ch:
				case <-time.After(guard): // deadlock guard
					t.Fatalf("%s never released", what)
				}
			}
			if _, _, err := to.ReceivedAtLeast("n9", 1); err == nil {
				t.Error("unknown peer n9: no error")
			}
			now, _, err := to.ReceivedAtLeast("n0", 0)
			if err != nil || !closed(now) {
				t.Fatalf("a target already reached: closed %v, err %v", now != nil && closed(now), err)
			}
			w4, stop4, _ := to.ReceivedAtLeast("n0", 4)
			defer stop4()
			w5, stop5, _ := to.ReceivedAtLeast("n0", 5)
			defer stop5()
			w3, stop3, _ := to.ReceivedAtLeast("n0", 3)
			stop3() // abandoned: stays open, and is no longer tracked
			other, stopOther, _ := to.ReceivedAtLeast("n2", 1)
			defer stopOther()
			send := func(i int) {
				if err := from.Send("n1", "rec", sig(t, i)); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 4 {
				send(i)
			}
			if err := from.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			wait(w4, "4 of 4")
			// Only 4 were sent: the wait for 5 and the other peer's stay open.
			if closed(w5) || closed(other) || closed(w3) {
				t.Errorf("released early: 5 of 4 %v, other peer %v, abandoned %v", closed(w5), closed(other), closed(w3))
			}
			if got := to.Counters().Peers["n0"].Received.Total(); got != 4 {
				t.Errorf("received %d, want 4", got)
			}
			to.mu.Lock()
			pending := len(to.waiters)
			to.mu.Unlock()
			if pending != 2 {
				t.Errorf("%d waits pending, want 2 (5 from n0, 1 from n2)", pending)
			}
			send(4)
			if err := from.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			wait(w5, "5 of 5")
			if closed(other) {
				t.Error("signals from n0 released a wait on n2")
			}
		})
	}
}
