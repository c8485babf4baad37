package agent

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// evenBody is a predicate that decides differently for signals of one type.
func evenBody(s *signal.Signal) bool { return len(body(s))%2 == 0 }

// withPredicate adds a predicate route on a type the scripts send in runs.
func withPredicate(c *Config) {
	c.Routes = append(c.Routes, router.Route[Binding]{Pattern: "blob.*", Match: evenBody, Handler: Binding{Action: "record"}})
}

// runsScript sends each type in runs of several, so that the batching path
// routes once per run; blob.small runs carry bodies of both parities, for
// the predicate route.
func runsScript(t testing.TB) []*signal.Signal {
	var out []*signal.Signal
	for i := 0; i < 40; i++ {
		for j := 0; j < 1+i%5; j++ {
			switch i % 4 {
			case 0:
				out = append(out, sig(t, "counter.inc", ""))
			case 1:
				out = append(out, sig(t, "blob.small", string(make([]byte, i+j))))
			case 2:
				out = append(out, sig(t, "log.audit", fmt.Sprint(i, j)))
			case 3:
				out = append(out, sig(t, "unknown.type", ""))
			}
		}
	}
	return append(out, sig(t, "flag.set", ""), sig(t, "fail.now", ""), sig(t, "emit.go", "e"))
}

type batchOutcome struct {
	outcome
	Accepted, Rejected, Copies, BytesCopied uint64
}

func runWith(t *testing.T, f features.Set, sigs []*signal.Signal, mutate func(*Config)) batchOutcome {
	t.Helper()
	var o batchOutcome
	var s *Server
	o.outcome = runOn(t, f, sigs, mutate, &s)
	st := s.Stats()
	o.Accepted, o.Rejected, o.Copies, o.BytesCopied = st.Accepted, st.Rejected, st.Copies, st.BytesCopied
	return o
}

// Batching off and on give the same state, errors, emitted signals and
// counts, over each other toggle and all of them, on a mixed script, a
// script of same-type runs, and with a predicate route.
func TestBatchingKeepsObservableResults(t *testing.T) {
	bases := []features.Set{{}}
	for _, name := range features.Names() {
		if name == "batching" {
			continue
		}
		on, _ := features.Set{}.With(name, true)
		bases = append(bases, on)
	}
	allButBatching, _ := features.All().With("batching", false)
	bases = append(bases, allButBatching)
	scripts := []struct {
		name   string
		sigs   []*signal.Signal
		mutate func(*Config)
	}{
		{"mixed", script(t), nil},
		{"runs", runsScript(t), nil},
		{"runs with a predicate route", runsScript(t), withPredicate},
	}
	for _, sc := range scripts {
		for _, base := range bases {
			t.Run(sc.name+"/"+base.String(), func(t *testing.T) {
				off := runWith(t, base, sc.sigs, sc.mutate)
				on := runWith(t, withBatching(base, true), sc.sigs, sc.mutate)
				if !reflect.DeepEqual(on, off) {
					diffOutcome(t, "batching", on.outcome, off.outcome)
					t.Fatalf("batching on %+v\nbatching off %+v", on, off)
				}
				if off.Processed != uint64(len(sc.sigs)) || off.Rejected != 0 {
					t.Fatalf("processed %d rejected %d of %d", off.Processed, off.Rejected, len(sc.sigs))
				}
			})
		}
	}
}

// A CastBatch into a mailbox with less room than the batch: the same prefix
// is accepted and the rest refused and counted, whether the batch is handed
// over in one envelope or one by one; sent = accepted + rejected.
func TestBatchingOverflowMatchesUnbatched(t *testing.T) {
	type result struct {
		Accepted       []int
		Errs           []bool
		Stats          [3]uint64 // accepted, rejected, processed
		Count, Version int
	}
	do := func(t *testing.T, f features.Set) result {
		gate := make(chan struct{})
		s := start(t, f, func(c *Config) { c.MailboxSize = 10; c.Actions = testActions(gate) })
		if err := s.Cast(sig(t, "block.now", "")); err != nil {
			t.Fatal(err)
		}
		for s.Stats().Wakeups == 0 {
			time.Sleep(time.Millisecond)
		}
		var r result
		for _, size := range []int{4, 3, 5, 2} { // 4 + 3 fit, then 3 of 5, then none
			batch := make([]*signal.Signal, size)
			for i := range batch {
				batch[i] = sig(t, "counter.inc", "")
			}
			n, err := s.CastBatch(batch)
			if err != nil && !errors.Is(err, ErrMailboxFull) {
				t.Fatal(err)
			}
			r.Accepted, r.Errs = append(r.Accepted, n), append(r.Errs, err != nil)
		}
		close(gate)
		deadline := time.Now().Add(10 * time.Second) // deadlock guard only
		for s.Stats().Processed < 11 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		st := s.Stats()
		r.Stats = [3]uint64{st.Accepted, st.Rejected, st.Processed}
		// Processed counts a command once it is visible to either read.
		c, v := count(t, s)
		r.Count, r.Version = c, int(v)
		return r
	}
	want := result{Accepted: []int{4, 3, 3, 0}, Errs: []bool{false, false, true, true},
		Stats: [3]uint64{11, 4, 11}, Count: 10, Version: 11}
	for _, base := range []features.Set{{}, {ZeroCopy: true}, {Pooling: true}, {FastPath: true}} {
		t.Run(base.String(), func(t *testing.T) {
			for _, batching := range []bool{false, true} {
				if got := do(t, withBatching(base, batching)); !reflect.DeepEqual(got, want) {
					t.Errorf("batching=%v: %+v, want %+v", batching, got, want)
				}
			}
		})
	}
}

func withBatching(f features.Set, on bool) features.Set {
	out, err := f.With("batching", on)
	if err != nil {
		panic(err)
	}
	return out
}

// blockingActions are testActions whose "block" says when it has started,
// so a test knows the agent is inside a command.
func blockingActions(entered chan<- struct{}, gate <-chan struct{}) map[string]Action {
	acts := testActions(gate)
	acts["block"] = func(*Instruction, Reader, *Result) error {
		entered <- struct{}{}
		<-gate
		return nil
	}
	return acts
}

// Stats().Processed counts a command only once its effects are visible to
// a fast-path read (the package comment's promise), batching off and on.
func TestProcessedCountsOnlyVisibleCommands(t *testing.T) {
	ctx := context.Background()
	for _, f := range []features.Set{{FastPath: true}, {FastPath: true, Batching: true}} {
		t.Run(f.String(), func(t *testing.T) {
			entered, gate := make(chan struct{}, 1), make(chan struct{})
			s := start(t, f, func(c *Config) { c.Actions = blockingActions(entered, gate) })
			if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
				t.Fatal(err)
			}
			// Read once, so the snapshot is current and the read below need
			// not wait for the running command to copy it.
			if c, v := count(t, s); c != 1 || v != 1 {
				t.Fatalf("after own Call: count %d version %d, want 1, 1", c, v)
			}
			if err := s.Cast(sig(t, "block.now", "")); err != nil {
				t.Fatal(err)
			}
			<-entered
			if p := s.Stats().Processed; p != 1 {
				t.Errorf("inside the second command: processed %d, want 1 (the command is not visible yet)", p)
			}
			if c, v := count(t, s); c != 1 || v != 1 {
				t.Errorf("fast read inside the second command: count %d version %d, want 1, 1", c, v)
			}
			close(gate)
		})
	}
}

// With Batching and FastPath on, readers see the state at batch
// boundaries: while a batch is running, a read gets the state before it at
// once (it neither waits for the batch nor sees part of it); a Call commits
// before it replies, so its caller reads its own write.
func TestFastPathBatchBoundaries(t *testing.T) {
	ctx := context.Background()
	entered, gate := make(chan struct{}, 1), make(chan struct{})
	s := start(t, features.Set{FastPath: true, Batching: true}, func(c *Config) { c.Actions = blockingActions(entered, gate) })
	if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
		t.Fatal(err)
	}
	if c, v := count(t, s); c != 1 || v != 1 {
		t.Fatalf("after own Call: count %d version %d, want 1, 1", c, v)
	}
	// One batch: two increments around a command that holds the agent.
	batch := []*signal.Signal{sig(t, "counter.inc", ""), sig(t, "block.now", ""), sig(t, "counter.inc", "")}
	if n, err := s.CastBatch(batch); n != 3 || err != nil {
		t.Fatalf("CastBatch = %d, %v", n, err)
	}
	<-entered
	got := readCountAsync(ctx, s)
	select {
	case r := <-got:
		if r != [2]uint64{1, 1} {
			t.Errorf("read inside a batch = count %d version %d, want the state before the batch: 1, 1", r[0], r[1])
		}
	case <-time.After(10 * time.Second): // deadlock guard only
		t.Error("a fast-path read waited for the running batch")
	}
	close(gate)
	if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
		t.Fatal(err)
	}
	if c, v := count(t, s); c != 4 || v != 5 {
		t.Fatalf("after the batch and own Call: count %d version %d, want 4, 5", c, v)
	}
}

// With Batching a CastBatch is one envelope, and the server routes a run
// of one type with one lookup (counted by the router's cache).
func TestBatchingOneEnvelopeAndOneLookupPerRun(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name               string
		f                  features.Set
		envelopes, lookups uint64
	}{
		{"off", features.Set{Caching: true}, 100 + 1, 100 + 1},
		{"on", features.Set{Caching: true, Batching: true}, 1 + 1, 2 + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.f, nil)
			batch := make([]*signal.Signal, 100)
			for i := range batch {
				typ := "counter.inc"
				if i >= 60 {
					typ = "log.audit"
				}
				batch[i] = sig(t, typ, "")
			}
			if n, err := s.CastBatch(batch); n != 100 || err != nil {
				t.Fatalf("CastBatch = %d, %v", n, err)
			}
			if err := s.Call(ctx, sig(t, "counter.inc", "")); err != nil {
				t.Fatal(err)
			}
			st, rs := s.Stats(), s.RouterStats()
			if st.EnvelopesUsed != tc.envelopes {
				t.Errorf("envelopes %d, want %d", st.EnvelopesUsed, tc.envelopes)
			}
			if n := rs.Hits + rs.Misses + rs.Bypassed; n != tc.lookups {
				t.Errorf("route lookups %d, want %d", n, tc.lookups)
			}
		})
	}
}

// Within a batch (Pooling off) fresh instructions are cut from one block
// per batch, each with room for one update of its own; outside a batch, and
// with Pooling on, get is as before. Exact allocation counts for 100 gets.
func TestBatchInstructionsComeFromOneBlock(t *testing.T) {
	const n = 100
	tests := []struct {
		name          string
		shared, batch bool
		allocs        float64
	}{
		{"no batch, own maps", false, false, n * 3},
		{"no batch, shared maps", true, false, n},
		{"batch, own maps", false, true, 1 + n*2},
		{"batch, shared maps", true, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &instructions{shared: tc.shared}
			got := make([]*Instruction, n)
			allocs := testing.AllocsPerRun(5, func() {
				if tc.batch {
					p.begin(n)
				}
				for i := range got {
					got[i] = p.get()
				}
				if tc.batch {
					p.end()
				}
				for _, in := range got {
					p.put(in)
				}
			})
			if allocs != tc.allocs {
				t.Errorf("%.0f allocations for %d instructions, want %.0f", allocs, n, tc.allocs)
			}
			if !tc.batch {
				return
			}
			// Each instruction's first update is its own: no two share it.
			p.begin(n)
			for i := range got {
				got[i] = p.get()
				got[i].result.Set("k", i)
			}
			p.end()
			for i, in := range got {
				if u := in.result.updates; len(u) != 1 || u[0].val != i || cap(u) != 1 {
					t.Fatalf("instruction %d: updates %v (cap %d)", i, u, cap(u))
				}
				if !tc.shared && (in.Params.m == nil || in.Context.m == nil) {
					t.Fatalf("instruction %d: own maps missing", i)
				}
			}
		})
	}
}

// With Pooling on, instructions come from the pool, batch or not.
func TestBatchLeavesPooledInstructionsToThePool(t *testing.T) {
	p := &instructions{pooled: true}
	p.begin(100)
	if p.batch != 0 {
		t.Fatalf("begin with Pooling on set a block of %d", p.batch)
	}
}

// A route added at run time may name an action the agent does not know:
// with the actions of a run resolved once, each signal of the run still
// fails with ErrUnknownAction, and the known binding of the same type still
// runs, as without batching.
func TestBatchingRunWithUnknownAction(t *testing.T) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("batching ", on), func(t *testing.T) {
			s := start(t, features.Set{Batching: on}, nil)
			if err := s.Router().Add(router.Route[Binding]{Pattern: "counter.*", Handler: Binding{Action: "nope"}}); err != nil {
				t.Fatal(err)
			}
			batch := []*signal.Signal{sig(t, "counter.inc", ""), sig(t, "counter.inc", ""), sig(t, "counter.inc", "")}
			if n, err := s.CastBatch(batch); n != 3 || err != nil {
				t.Fatalf("CastBatch = %d, %v", n, err)
			}
			if err := s.Call(ctx, sig(t, "counter.inc", "")); !errors.Is(err, ErrUnknownAction) {
				t.Fatalf("Call: %v, want ErrUnknownAction", err)
			}
			snap, err := s.State(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.Failed != 4 || st.Processed != 4 {
				t.Errorf("failed %d processed %d, want 4 and 4", st.Failed, st.Processed)
			}
			if c, _ := snap.Get("count"); c != 4 {
				t.Errorf("count %v, want 4: the known binding runs for every signal", c)
			}
		})
	}
}

// A batch of one signal takes its instruction as get does outside a batch.
func TestBatchOfOneHasNoBlock(t *testing.T) {
	p := &instructions{}
	p.begin(1)
	if p.batch != 0 {
		t.Fatalf("begin(1) set a block of %d", p.batch)
	}
	if allocs := testing.AllocsPerRun(10, func() { sinkInstruction = p.get() }); allocs != 3 {
		t.Errorf("%.0f allocations, want 3 (the instruction and its two maps)", allocs)
	}
	p.end()
}

var sinkInstruction *Instruction
