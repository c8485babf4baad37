package bus

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mk(t *testing.T, typ string, i int) *signal.Signal {
	t.Helper()
	s, err := signal.New(typ, "/bus-test", map[string]any{"i": fmt.Sprint(i)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type observed struct {
	Got       map[string][]string
	Delivered int
	Failed    int
	Replay    []string
	Stats     Stats
}

// alternating sends a different type than the one before each time;
// inRuns sends each type in runs of 1 to 6, so that a batching bus routes
// once per run, with runs crossing Publish calls.
var (
	alternating = func(i int) string { return []string{"user.created", "user.deleted", "order.paid.eu", "misc"}[i%4] }
	inRuns      = func(i int) string {
		return []string{"user.created", "user.deleted", "order.paid.eu", "misc", "nobody.listens"}[(i*i/7)%5]
	}
)

func exercise(t *testing.T, f features.Set, typeOf func(int) string) observed {
	b := New(Options{Features: f, LogSize: 50})
	chans := map[string]chan *signal.Signal{}
	for _, p := range []string{"user.*", "user.created", "**", "order.**"} {
		size := 100
		if p == "order.**" {
			size = 5 // overflows: failures must be counted
		}
		ch := make(chan *signal.Signal, size)
		chans[p] = ch
		if _, err := b.Subscribe(p, dispatch.Channel(ch, f.ZeroCopy)); err != nil {
			t.Fatal(err)
		}
	}
	var o observed
	var sigs []*signal.Signal
	for i := 0; i < 60; i++ {
		sigs = append(sigs, mk(t, typeOf(i), i))
	}
	for i := 0; i < len(sigs); i += 10 {
		res, err := b.Publish(sigs[i : i+10]...)
		if res.Failed > 0 && !errors.Is(err, dispatch.ErrChannelFull) {
			t.Fatalf("failed deliveries without ErrChannelFull: %v", err)
		}
		if res.First != uint64(i) || res.Last != uint64(i+9) {
			t.Fatalf("positions %d..%d, want %d..%d", res.First, res.Last, i, i+9)
		}
		o.Delivered += res.Delivered
		o.Failed += res.Failed
	}
	o.Got = map[string][]string{}
	for p, ch := range chans {
		close(ch)
		for s := range ch {
			o.Got[p] = append(o.Got[p], s.Type()+"/"+s.Data()["i"].(string))
		}
	}
	recs, err := b.Replay(20, "user.*")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		o.Replay = append(o.Replay, fmt.Sprintf("%d:%s", r.Pos, r.Signal.Data()["i"]))
	}
	o.Stats = b.Stats()
	o.Stats.Copies, o.Stats.BytesCopied = 0, 0 // differ by design
	return o
}

func TestBusTogglesKeepObservableResults(t *testing.T) {
	base := exercise(t, features.Set{}, alternating)
	// 60 signals: 15 user.created reach 3 subscribers, 15 user.deleted 2,
	// 15 order.paid.eu 2 (of which order.** takes only 5), 15 misc 1.
	if base.Delivered+base.Failed != 15*3+15*2+15*2+15 || base.Failed != 10 {
		t.Fatalf("delivered %d failed %d", base.Delivered, base.Failed)
	}
	if len(base.Got["user.*"]) != 30 || len(base.Got["order.**"]) != 5 {
		t.Fatalf("got %v", base.Got)
	}
	if len(base.Replay) != 20 || base.Replay[0] != "20:20" {
		t.Fatalf("replay %v", base.Replay)
	}
	for _, f := range []features.Set{{ZeroCopy: true}, {Batching: true}, {JIT: true}, {Caching: true}, features.All()} {
		if got := exercise(t, f, alternating); !reflect.DeepEqual(got, base) {
			t.Fatalf("%v differs from all off:\n%+v\n%+v", f, got, base)
		}
	}
}

// Signals in runs of one type: Batching off and on give the same deliveries, failures, log and counters, over each other
// toggle.
func TestBusBatchingRunsKeepObservableResults(t *testing.T) {
	bases := []features.Set{{}, {ZeroCopy: true}, {JIT: true}, {Caching: true}, {JIT: true, Caching: true}, features.All()}
	for _, f := range bases {
		f.Batching = false
		off := exercise(t, f, inRuns)
		if off.Failed == 0 || off.Delivered == 0 {
			t.Fatalf("%v: the script must fail and deliver: %+v", f, off.Stats)
		}
		f.Batching = true
		if on := exercise(t, f, inRuns); !reflect.DeepEqual(on, off) {
			t.Fatalf("%v: batching on differs from off:\n%+v\n%+v", f, on, off)
		}
	}
}

func TestReplayAndErrors(t *testing.T) {
	b := New(Options{LogSize: 3})
	for i := 0; i < 5; i++ {
		if _, err := b.Publish(mk(t, "a.b", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Replay(1, ""); !errors.Is(err, ErrTruncated) {
		t.Fatalf("replay of an evicted position: %v", err)
	}
	recs, err := b.Replay(2, "")
	if err != nil || len(recs) != 3 || recs[0].Pos != 2 {
		t.Fatalf("replay = %v, %v", recs, err)
	}
	if _, err := b.Replay(0, "a..b"); !errors.Is(err, router.ErrInvalidPattern) {
		t.Fatalf("bad replay pattern: %v", err)
	}
	if _, err := b.Subscribe("x.**.**", &dispatch.Noop{}); !errors.Is(err, router.ErrInvalidPattern) {
		t.Fatalf("bad subscribe pattern: %v", err)
	}
	if _, err := b.Subscribe("x", nil); !errors.Is(err, ErrNilTarget) {
		t.Fatalf("nil target: %v", err)
	}
	if err := b.Unsubscribe("sub-99"); !errors.Is(err, ErrUnknownSubscription) {
		t.Fatalf("unknown subscription: %v", err)
	}
	if _, err := b.Publish(nil); err == nil {
		t.Fatal("nil signal published")
	}
	if st := b.Stats(); st.Published != 5 || st.Unrouted != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnsubscribeKeepsOthers(t *testing.T) {
	b := New(Options{Features: features.All()})
	n1, n2 := &dispatch.Noop{}, &dispatch.Noop{}
	id1, _ := b.Subscribe("a.*", n1)
	if _, err := b.Subscribe("a.*", n2); err != nil {
		t.Fatal(err)
	}
	b.Publish(mk(t, "a.x", 0))
	if err := b.Unsubscribe(id1); err != nil {
		t.Fatal(err)
	}
	b.Publish(mk(t, "a.x", 1))
	if n1.Count() != 1 || n2.Count() != 2 {
		t.Fatalf("counts %d, %d; want 1, 2", n1.Count(), n2.Count())
	}
}

// Agents as subscribers take batches (CastBatch). Batching off and on give
// the same deliveries, failures, log and agent states, over each other
// toggle, with one agent's mailbox overflowing: sent = delivered + failed.
func TestBusBatchingToAgentsKeepsObservableResults(t *testing.T) {
	type result struct {
		Delivered, Failed int
		Stats             Stats
		Agents            [][2]uint64 // accepted, rejected
	}
	do := func(t *testing.T, f features.Set) result {
		b := New(Options{Features: f, LogSize: 100})
		gate := make(chan struct{})
		entered := make(chan struct{}, 1)
		actions := map[string]agent.Action{
			"inc": func(_ *agent.Instruction, st agent.Reader, out *agent.Result) error {
				n, _ := st.Get("count")
				c, _ := n.(int)
				out.Set("count", c+1)
				return nil
			},
			"block": func(*agent.Instruction, agent.Reader, *agent.Result) error { entered <- struct{}{}; <-gate; return nil },
		}
		var agents []*agent.Server
		for i, p := range []string{"user.*", "**", "order.**"} {
			s, err := agent.Start(agent.Config{ID: fmt.Sprint("a", i), Features: f, Actions: actions, MailboxSize: 8,
				Routes: []router.Route[agent.Binding]{{Pattern: "**", Handler: agent.Binding{Action: "inc"}},
					{Pattern: "hold.on", Handler: agent.Binding{Action: "block"}}}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Stop)
			agents = append(agents, s)
			if _, err := b.Subscribe(p, dispatch.Agent(s)); err != nil {
				t.Fatal(err)
			}
		}
		// Hold every agent, so that what fits is exactly each mailbox's 8.
		for _, a := range agents {
			if err := a.Cast(mk(t, "hold.on", 0)); err != nil {
				t.Fatal(err)
			}
			<-entered
		}
		var r result
		var sigs []*signal.Signal
		for i := 0; i < 40; i++ {
			typ := []string{"user.created", "user.created", "order.paid", "misc", "misc"}[i%5]
			sigs = append(sigs, mk(t, typ, i))
		}
		for i := 0; i < len(sigs); i += 10 {
			res, err := b.Publish(sigs[i : i+10]...)
			if res.Failed > 0 && !errors.Is(err, agent.ErrMailboxFull) {
				t.Fatalf("failed deliveries without ErrMailboxFull: %v", err)
			}
			r.Delivered += res.Delivered
			r.Failed += res.Failed
		}
		close(gate)
		for _, a := range agents {
			a.Stop()
			st := a.Stats()
			r.Agents = append(r.Agents, [2]uint64{st.Accepted, st.Rejected})
		}
		r.Stats = b.Stats()
		return r
	}
	// 40 signals: 16 user.created reach user.* and **, 8 order.paid ** and
	// order.**, 16 misc **. Each held agent's box takes 8: user.* 8 of 16,
	// ** 8 of 40, order.** 8 of 8.
	want := result{Delivered: 24, Failed: 40, Agents: [][2]uint64{{9, 8}, {9, 32}, {9, 0}}}
	for _, base := range []features.Set{{}, {ZeroCopy: true}, {JIT: true}, {Caching: true}, {Pooling: true}} {
		t.Run(base.String(), func(t *testing.T) {
			off := do(t, base)
			on, _ := base.With("batching", true)
			got := do(t, on)
			if !reflect.DeepEqual(got, off) {
				t.Fatalf("batching on %+v\nbatching off %+v", got, off)
			}
			off.Stats, want.Stats = Stats{}, Stats{}
			if !reflect.DeepEqual(off, want) {
				t.Fatalf("got %+v, want %+v", off, want)
			}
		})
	}
}
