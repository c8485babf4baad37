package agent

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// body is the binary the test signals carry.
func body(s *signal.Signal) []byte {
	b, _ := s.Data()["body"].([]byte)
	return b
}

var errBoom = errors.New("boom")

// testActions covers every directive and a state merge.
func testActions(gate <-chan struct{}) map[string]Action {
	return map[string]Action{
		"count": func(in *Instruction, st Reader, out *Result) error {
			n, _ := st.Get("count")
			c, _ := n.(int)
			out.Set("count", c+1)
			out.Set("last", in.Signal.ID())
			return nil
		},
		"record": func(in *Instruction, st Reader, out *Result) error {
			seen, _ := st.Get("seen")
			s, _ := seen.([]string)
			out.Set("seen", append(append([]string(nil), s...), in.Signal.Type()+"#"+string(body(in.Signal))))
			return nil
		},
		"payload": func(in *Instruction, st Reader, out *Result) error {
			var sum int
			for _, b := range body(in.Signal) {
				sum += int(b)
			}
			v, _ := st.Get("sum")
			prev, _ := v.(int)
			out.Set("sum", prev+sum)
			out.Set("nested", map[string]any{in.Signal.Type(): len(body(in.Signal))})
			return nil
		},
		"set": func(in *Instruction, _ Reader, out *Result) error {
			out.Directive(SetState{Key: "flag", Value: param(in, "v")})
			return nil
		},
		"fail": func(*Instruction, Reader, *Result) error { return errBoom },
		"chain": func(in *Instruction, _ Reader, out *Result) error {
			out.Directive(Enqueue{Action: "count"})
			return nil
		},
		"loop": func(in *Instruction, _ Reader, out *Result) error { out.Directive(Enqueue{Action: "loop"}); return nil },
		"emit": func(in *Instruction, _ Reader, out *Result) error {
			out.Directive(Emit{Signal: in.Signal, To: dispatch.Config{Adapter: "named", Target: "sink"}})
			return nil
		},
		"emit-bad": func(in *Instruction, _ Reader, out *Result) error {
			out.Directive(Emit{Signal: in.Signal, To: dispatch.Config{Adapter: "named", Target: "nowhere"}})
			return nil
		},
		"block": func(*Instruction, Reader, *Result) error { <-gate; return nil },
	}
}

func testRoutes() []router.Route[Binding] {
	return []router.Route[Binding]{
		{Pattern: "counter.inc", Handler: Binding{Action: "count"}},
		{Pattern: "log.**", Handler: Binding{Action: "record"}},
		{Pattern: "blob.*", Handler: Binding{Action: "payload"}},
		{Pattern: "flag.set", Handler: Binding{Action: "set", Params: map[string]any{"v": "on"}}},
		{Pattern: "fail.now", Handler: Binding{Action: "fail"}},
		{Pattern: "chain.go", Handler: Binding{Action: "chain"}},
		{Pattern: "loop.go", Handler: Binding{Action: "loop"}},
		{Pattern: "emit.go", Handler: Binding{Action: "emit"}},
		{Pattern: "emit.bad", Handler: Binding{Action: "emit-bad"}},
		{Pattern: "block.now", Handler: Binding{Action: "block"}},
		// Two bindings for one type: both run, more specific first.
		{Pattern: "log.audit", Priority: 10, Handler: Binding{Action: "count"}},
	}
}

func start(t *testing.T, f features.Set, mutate func(*Config)) *Server {
	t.Helper()
	cfg := Config{ID: "a1", Features: f, Routes: testRoutes(), Actions: testActions(nil)}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func sig(t testing.TB, typ, data string) *signal.Signal {
	t.Helper()
	var d map[string]any
	if data != "" {
		d = map[string]any{"body": []byte(data)}
	}
	s, err := signal.New(typ, "/test", d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// script is the input every toggle's equivalence test replays.
func script(t testing.TB) []*signal.Signal {
	var out []*signal.Signal
	for i := 0; i < 300; i++ {
		switch i % 6 {
		case 0:
			out = append(out, sig(t, "counter.inc", ""))
		case 1:
			out = append(out, sig(t, "log.app.start", fmt.Sprint(i)))
		case 2:
			out = append(out, sig(t, "blob.small", string(make([]byte, i))))
		case 3:
			out = append(out, sig(t, "log.audit", fmt.Sprint(i)))
		case 4:
			out = append(out, sig(t, "chain.go", ""))
		case 5:
			out = append(out, sig(t, "unknown.type", ""))
		}
	}
	return append(out, sig(t, "flag.set", ""), sig(t, "fail.now", ""), sig(t, "emit.go", "e"))
}

type outcome struct {
	State     map[string]any
	Version   uint64
	Errors    []string
	Emitted   []string
	Processed uint64
	Failed    uint64
}

// run replays the script half as casts, half in batches, then one call, and
// returns everything a user of the agent can observe.
func run(t *testing.T, f features.Set, sigs []*signal.Signal) outcome {
	return runOn(t, f, sigs, nil, nil)
}

// runOn is run with a config change (may be nil); it leaves the stopped
// server in *srv when srv is not nil.
func runOn(t *testing.T, f features.Set, sigs []*signal.Signal, mutate func(*Config), srv **Server) outcome {
	sink := make(chan *signal.Signal, 16)
	d := dispatch.NewDispatcher(nil)
	if err := d.Register("sink", dispatch.Channel(sink, f.ZeroCopy)); err != nil {
		t.Fatal(err)
	}
	s := start(t, f, func(c *Config) {
		c.Dispatcher = d
		if mutate != nil {
			mutate(c)
		}
	})
	if srv != nil {
		*srv = s
	}
	half := len(sigs) / 2
	for _, x := range sigs[:half] {
		if err := s.Cast(x); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CastBatch(sigs[half : len(sigs)-3]); err != nil || n != len(sigs)-3-half {
		t.Fatalf("CastBatch = %d, %v", n, err)
	}
	var o outcome
	ctx := context.Background()
	for _, x := range sigs[len(sigs)-3:] {
		if err := s.Call(ctx, x); err != nil {
			o.Errors = append(o.Errors, errors.Unwrap(err).Error())
		}
	}
	snap, err := s.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o.State, o.Version = snap.Map(), snap.Version()
	close(sink)
	for e := range sink {
		o.Emitted = append(o.Emitted, e.ID()+string(body(e)))
	}
	s.Stop()
	st := s.Stats()
	o.Processed, o.Failed = st.Processed, st.Failed
	return o
}

func TestTogglesKeepObservableResults(t *testing.T) {
	sigs := script(t)
	base := run(t, features.Set{}, sigs)
	if base.Processed != 303 || base.Failed != 51 || base.Version != 303 {
		t.Fatalf("baseline processed %d failed %d version %d, want 303, 51, 303", base.Processed, base.Failed, base.Version)
	}
	if got, _ := base.State["count"].(int); got != 150 {
		t.Fatalf("count = %d, want 150 (50 inc + 50 audit + 50 chained)", got)
	}
	for _, name := range features.Names() {
		t.Run(name, func(t *testing.T) {
			on, _ := features.Set{}.With(name, true)
			got := run(t, on, sigs)
			// The "last" key holds a signal id: equal across sides because
			// copies keep the id.
			if !reflect.DeepEqual(got, base) {
				diffOutcome(t, name, got, base)
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		if got := run(t, features.All(), sigs); !reflect.DeepEqual(got, base) {
			t.Fatalf("all on differs from all off")
		}
	})
}

func TestMailboxFullIsCountedNotDropped(t *testing.T) {
	for _, batching := range []bool{false, true} {
		t.Run(fmt.Sprintf("batching=%v", batching), func(t *testing.T) {
			gate := make(chan struct{})
			s := start(t, features.Set{Batching: batching}, func(c *Config) {
				c.MailboxSize = 10
				c.Actions = testActions(gate)
			})
			const sent = 100
			var accepted, rejected int
			blocker := sig(t, "block.now", "")
			if err := s.Cast(blocker); err != nil {
				t.Fatal(err)
			}
			// Wait until the server holds the blocker, so the box is empty.
			for s.Stats().Wakeups == 0 {
				time.Sleep(time.Millisecond)
			}
			for i := 0; i < sent; i++ {
				err := s.Cast(sig(t, "counter.inc", ""))
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ErrMailboxFull):
					rejected++
				default:
					t.Fatal(err)
				}
			}
			n, err := s.CastBatch([]*signal.Signal{sig(t, "counter.inc", ""), sig(t, "counter.inc", "")})
			if n != 0 || !errors.Is(err, ErrMailboxFull) {
				t.Fatalf("CastBatch into a full box = %d, %v", n, err)
			}
			close(gate)
			s.Stop()
			st := s.Stats()
			if accepted != 10 || rejected != 90 {
				t.Fatalf("accepted %d rejected %d, want 10 and 90", accepted, rejected)
			}
			if st.Accepted != 11 || st.Rejected != 92 || st.Processed != 11 {
				t.Fatalf("stats %+v: want accepted 11 (blocker+10), rejected 92, processed 11", st)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no route", func(t *testing.T) {
		s := start(t, features.Set{}, nil)
		if err := s.Call(ctx, sig(t, "nobody.listens", "")); !errors.Is(err, router.ErrNoMatch) {
			t.Fatalf("err = %v, want ErrNoMatch", err)
		}
	})
	t.Run("action error", func(t *testing.T) {
		s := start(t, features.Set{}, nil)
		if err := s.Call(ctx, sig(t, "fail.now", "")); !errors.Is(err, errBoom) {
			t.Fatalf("err = %v, want errBoom", err)
		}
	})
	t.Run("enqueue loop", func(t *testing.T) {
		s := start(t, features.Set{Pooling: true}, nil)
		if err := s.Call(ctx, sig(t, "loop.go", "")); !errors.Is(err, ErrEnqueueLimit) {
			t.Fatalf("err = %v, want ErrEnqueueLimit", err)
		}
	})
	t.Run("unknown emit target", func(t *testing.T) {
		s := start(t, features.Set{}, func(c *Config) { c.Dispatcher = dispatch.NewDispatcher(nil) })
		if err := s.Call(ctx, sig(t, "emit.bad", "")); !errors.Is(err, dispatch.ErrUnknownTarget) {
			t.Fatalf("err = %v, want ErrUnknownTarget", err)
		}
	})
	t.Run("emit without dispatcher", func(t *testing.T) {
		s := start(t, features.Set{}, nil)
		if err := s.Call(ctx, sig(t, "emit.go", "")); !errors.Is(err, ErrNoDispatcher) {
			t.Fatalf("err = %v, want ErrNoDispatcher", err)
		}
	})
	t.Run("call after stop", func(t *testing.T) {
		for _, f := range []features.Set{{}, features.All()} {
			s := start(t, f, nil)
			s.Stop()
			if err := s.Call(ctx, sig(t, "counter.inc", "")); !errors.Is(err, ErrStopped) {
				t.Fatalf("%v: call err = %v, want ErrStopped", f, err)
			}
			if err := s.Cast(sig(t, "counter.inc", "")); !errors.Is(err, ErrStopped) {
				t.Fatalf("%v: cast err = %v, want ErrStopped", f, err)
			}
			if _, err := s.State(ctx); !errors.Is(err, ErrStopped) {
				t.Fatalf("%v: state err = %v, want ErrStopped", f, err)
			}
		}
	})
	t.Run("call timeout", func(t *testing.T) {
		gate := make(chan struct{})
		s := start(t, features.Set{}, func(c *Config) { c.Actions = testActions(gate) })
		tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		err := s.Call(tctx, sig(t, "block.now", ""))
		close(gate)
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeout wrapping DeadlineExceeded", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		cases := map[string]Config{
			"no id":          {Actions: testActions(nil)},
			"unknown action": {ID: "x", Routes: []router.Route[Binding]{{Pattern: "a", Handler: Binding{Action: "nope"}}}},
			"bad pattern":    {ID: "x", Actions: testActions(nil), Routes: []router.Route[Binding]{{Pattern: "a..b", Handler: Binding{Action: "count"}}}},
			"negative box":   {ID: "x", MailboxSize: -1},
		}
		for name, c := range cases {
			if s, err := Start(c); err == nil {
				s.Stop()
				t.Errorf("%s: Start accepted", name)
			}
		}
	})
	t.Run("nil signal", func(t *testing.T) {
		s := start(t, features.All(), nil)
		if err := s.Cast(nil); err == nil {
			t.Fatal("Cast(nil) accepted")
		}
		if _, err := s.CastBatch([]*signal.Signal{nil}); err == nil {
			t.Fatal("CastBatch(nil) accepted")
		}
	})
}

func TestFastPathSnapshotIsImmutable(t *testing.T) {
	s := start(t, features.Set{FastPath: true}, nil)
	ctx := context.Background()
	if err := s.Call(ctx, sig(t, "blob.a", "ab")); err != nil {
		t.Fatal(err)
	}
	before, _ := s.State(ctx)
	if err := s.Call(ctx, sig(t, "blob.b", "cd")); err != nil {
		t.Fatal(err)
	}
	after, _ := s.State(ctx)
	if before.Version() != 1 || after.Version() != 2 {
		t.Fatalf("versions %d, %d; want 1, 2", before.Version(), after.Version())
	}
	nested, _ := before.Get("nested")
	if len(nested.(map[string]any)) != 1 {
		t.Fatalf("an older snapshot saw a later merge: %v", nested)
	}
	if sum, _ := after.Get("sum"); sum != int('a'+'b'+'c'+'d') {
		t.Fatalf("sum = %v", sum)
	}
}

func TestReuseAndCopiesCounted(t *testing.T) {
	ctx := context.Background()
	for _, f := range []features.Set{{}, {Pooling: true, ZeroCopy: true}} {
		s := start(t, f, nil)
		for i := 0; i < 100; i++ {
			if err := s.Call(ctx, sig(t, "blob.x", "0123456789")); err != nil {
				t.Fatal(err)
			}
		}
		st := s.Stats()
		if st.InstructionsUsed != 100 || st.EnvelopesUsed != 100 {
			t.Fatalf("%v: used %d instructions, %d envelopes; want 100 each", f, st.InstructionsUsed, st.EnvelopesUsed)
		}
		if f.Pooling {
			// Sequential calls reuse one object. A GC may empty the pool, and
			// under the race detector sync.Pool drops a quarter of its Puts
			// on purpose, so the bound is loose: half of the gets.
			if st.InstructionsNew >= 50 || st.EnvelopesNew >= 50 {
				t.Fatalf("pooling on allocated %d instructions, %d envelopes", st.InstructionsNew, st.EnvelopesNew)
			}
			if st.Copies != 0 {
				t.Fatalf("zerocopy on copied %d signals", st.Copies)
			}
		} else if st.InstructionsNew != 100 || st.Copies != 100 || st.BytesCopied < 1000 {
			t.Fatalf("off: %+v", st)
		}
	}
}

func ExampleServer_Call() {
	s, err := Start(Config{
		ID:     "counter",
		Routes: []router.Route[Binding]{{Pattern: "counter.inc", Handler: Binding{Action: "inc"}}},
		Actions: map[string]Action{"inc": func(_ *Instruction, st Reader, out *Result) error {
			n, _ := st.Get("n")
			c, _ := n.(int)
			out.Set("n", c+1)
			return nil
		}},
		Features: features.All(),
	})
	if err != nil {
		panic(err)
	}
	defer s.Stop()
	inc, _ := signal.New("counter.inc", "/example", nil)
	for i := 0; i < 3; i++ {
		if err := s.Call(context.Background(), inc); err != nil {
			panic(err)
		}
	}
	st, _ := s.State(context.Background())
	n, _ := st.Get("n")
	fmt.Println("n =", n)
	// Output: n = 3
}

func diffOutcome(t *testing.T, name string, on, off outcome) {
	t.Helper()
	for k, v := range off.State {
		if !reflect.DeepEqual(on.State[k], v) {
			t.Errorf("%s: state[%q] on=%v off=%v", name, k, on.State[k], v)
		}
	}
	on.State, off.State = nil, nil
	if !reflect.DeepEqual(on, off) {
		t.Errorf("%s on differs from off:\n on: %+v\noff: %+v", name, on, off)
	}
}

// An action may hand its own params to a SetState directive. With Pooling
// on the instruction (and its Params map) is cleared and reused after the
// command, so the state must hold its own copy, never the pooled map.
func TestSetStateDoesNotAliasPooledParams(t *testing.T) {
	for _, f := range []features.Set{{}, {Pooling: true}, features.All()} {
		t.Run(f.String(), func(t *testing.T) {
			s := start(t, f, func(c *Config) {
				c.Routes = append(c.Routes,
					router.Route[Binding]{Pattern: "keep.params", Handler: Binding{Action: "keep", Params: map[string]any{"k": "v"}}},
					router.Route[Binding]{Pattern: "other.params", Handler: Binding{Action: "keep-ctx", Params: map[string]any{"x": 1}}})
				c.Actions["keep"] = func(in *Instruction, _ Reader, out *Result) error {
					out.Directive(SetState{Key: "params", Value: in.Params})
					out.Directive(SetState{Key: "nested", Value: map[string]any{"ctx": in.Context}})
					return nil
				}
				c.Actions["keep-ctx"] = func(in *Instruction, _ Reader, out *Result) error {
					out.Directive(SetState{Key: "other", Value: param(in, "x")})
					return nil
				}
			})
			ctx := context.Background()
			if err := s.Call(ctx, sig(t, "keep.params", "")); err != nil {
				t.Fatal(err)
			}
			// More commands reuse (and clear, then refill) the pooled instruction.
			for i := 0; i < 20; i++ {
				if err := s.Call(ctx, sig(t, "other.params", "")); err != nil {
					t.Fatal(err)
				}
			}
			snap, err := s.State(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := snap.Map()
			if want := map[string]any{"k": "v"}; !reflect.DeepEqual(got["params"], want) {
				t.Errorf("state[params] = %v, want %v", got["params"], want)
			}
			if want := map[string]any{"ctx": map[string]any{"agent_id": "a1"}}; !reflect.DeepEqual(got["nested"], want) {
				t.Errorf("state[nested] = %v, want %v", got["nested"], want)
			}
		})
	}
}

// The same holds for a plain update whose value holds a pooled map.
func TestUpdateDoesNotAliasPooledParams(t *testing.T) {
	s := start(t, features.Set{Pooling: true}, func(c *Config) {
		c.Routes = append(c.Routes,
			router.Route[Binding]{Pattern: "keep.params", Handler: Binding{Action: "keep", Params: map[string]any{"k": "v"}}})
		c.Actions["keep"] = func(in *Instruction, _ Reader, out *Result) error {
			out.Set("list", []any{in.Params})
			return nil
		}
	})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := s.Call(ctx, sig(t, "keep.params", "")); err != nil {
			t.Fatal(err)
		}
	}
	snap, _ := s.State(ctx)
	if got, want := snap.Map()["list"], []any{map[string]any{"k": "v"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("state[list] = %v, want %v", got, want)
	}
}

func count(t *testing.T, s *Server) (int, uint64) {
	t.Helper()
	snap, err := s.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := snap.Get("count")
	c, _ := n.(int)
	return c, snap.Version()
}

// The consistency each side promises (package comment), checked exactly:
// no timing, only the order the mailbox imposes.
func TestStateConsistency(t *testing.T) {
	ctx := context.Background()
	for _, f := range []features.Set{{}, {FastPath: true}, features.All()} {
		t.Run(f.String(), func(t *testing.T) {
			gate := make(chan struct{})
			s := start(t, f, func(c *Config) { c.Actions = testActions(gate) })

			// A caller's own Call is visible as soon as Call returns.
			for i := 1; i <= 50; i++ {
				if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
					t.Fatal(err)
				}
				if c, v := count(t, s); c != i || v != uint64(i) {
					t.Fatalf("after own Call %d: count %d version %d", i, c, v)
				}
			}
			// A Cast is visible once a later Call to the agent has returned.
			if err := s.Cast(sig(t, "counter.inc", "")); err != nil {
				t.Fatal(err)
			}
			if err := s.Call(ctx, sig(t, "unknown.type", "")); err == nil {
				t.Fatal("unrouted call succeeded")
			}
			if c, v := count(t, s); c != 51 || v != 52 {
				t.Fatalf("after Cast then Call: count %d version %d, want 51, 52", c, v)
			}

			// Hold the agent in an action, then cast behind it.
			if err := s.Cast(sig(t, "block.now", "")); err != nil {
				t.Fatal(err)
			}
			if err := s.Cast(sig(t, "counter.inc", "")); err != nil {
				t.Fatal(err)
			}
			got := readCountAsync(ctx, s)
			if f.FastPath {
				// The fast path does not queue: it answers while the agent is
				// busy, with the last completed command, so it misses the Cast.
				select {
				case r := <-got:
					if r != [2]uint64{51, 52} {
						t.Fatalf("fast read while busy = count %d version %d, want 51, 52", r[0], r[1])
					}
				case <-time.After(10 * time.Second): // deadlock guard only
					t.Fatal("a fast-path read waited for the mailbox")
				}
				close(gate)
				return
			}
			// The mailbox query queues behind the Cast and sees it.
			close(gate)
			if r := <-got; r != [2]uint64{52, 54} {
				t.Fatalf("queued read = count %d version %d, want 52, 54", r[0], r[1])
			}
		})
	}
}

// With FastPath on the agent copies nothing after its commands: the first
// reader that finds the snapshot stale copies it, later readers share it.
func TestFastPathCopiesLazily(t *testing.T) {
	ctx := context.Background()
	s := start(t, features.Set{FastPath: true}, nil)
	for i := 0; i < 100; i++ {
		if err := s.Cast(sig(t, "counter.inc", "")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
		t.Fatal(err)
	}
	if p := s.Stats().Published; p != 1 {
		t.Fatalf("published %d snapshots before any read, want 1 (the initial state)", p)
	}
	for i := 0; i < 3; i++ {
		if c, v := count(t, s); c != 101 || v != 101 {
			t.Fatalf("count %d version %d, want 101", c, v)
		}
	}
	if p := s.Stats().Published; p != 2 {
		t.Fatalf("published %d snapshots after three reads of one state, want 2", p)
	}
}

// param reads one of the instruction's params.
func param(in *Instruction, key string) any {
	v, _ := in.Params.Get(key)
	return v
}

// readCountAsync reads the state from another goroutine and sends back its
// count and version, so that a test can tell whether the read waited.
func readCountAsync(ctx context.Context, s *Server) <-chan [2]uint64 {
	got := make(chan [2]uint64, 1)
	go func() {
		snap, _ := s.State(ctx)
		n, _ := snap.Get("count")
		c, _ := n.(int)
		got <- [2]uint64{uint64(c), snap.Version()}
	}()
	return got
}
