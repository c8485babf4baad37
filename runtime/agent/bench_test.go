package agent

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Each toggle gets a benchmark with sub-benchmarks off and on over the hot
// path it changes, so `benchstat -col /toggle` (or by name) compares them.

func benchServer(b *testing.B, f features.Set) *Server {
	b.Helper()
	s, err := Start(Config{
		ID:       "bench",
		Features: f,
		Routes: []router.Route[Binding]{
			{Pattern: "counter.inc", Handler: Binding{Action: "inc", Params: map[string]any{"by": 1}}},
			{Pattern: "blob.*", Handler: Binding{Action: "size"}},
		},
		Actions: map[string]Action{
			"inc": func(in *Instruction, st Reader, out *Result) error {
				n, _ := st.Get("n")
				c, _ := n.(int)
				by, _ := param(in, "by").(int)
				out.Set("n", c+by)
				return nil
			},
			"size": func(in *Instruction, st Reader, out *Result) error {
				v, _ := st.Get("bytes")
				c, _ := v.(int)
				out.Set("bytes", c+in.Signal.DataSize())
				return nil
			},
		},
		InitialState: map[string]any{"n": 0, "bytes": 0, "name": "bench", "tags": []string{"a", "b"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Stop)
	return s
}

func toggle(b *testing.B, name string, body func(b *testing.B, f features.Set)) {
	toggleOver(b, features.Set{}, name, body)
}

// toggleOver switches one toggle on top of base.
func toggleOver(b *testing.B, base features.Set, name string, body func(b *testing.B, f features.Set)) {
	for _, on := range []bool{false, true} {
		f, err := base.With(name, on)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) { body(b, f) })
	}
}

// castAll casts sig n times, retrying when the mailbox is full (a closed-loop
// producer), then waits until the server has processed everything.
func castAll(b *testing.B, s *Server, sig *signal.Signal, n int) {
	start := s.Stats().Processed
	for i := 0; i < n; i++ {
		for {
			err := s.Cast(sig)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrMailboxFull) {
				b.Fatal(err)
			}
			runtime.Gosched()
		}
	}
	waitProcessed(s, start+uint64(n))
}

func waitProcessed(s *Server, n uint64) {
	for s.Stats().Processed < n {
		runtime.Gosched()
	}
}

func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func mustSig(b *testing.B, typ string, size int) *signal.Signal {
	s, err := signal.New(typ, "/bench", map[string]any{"body": make([]byte, size)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkFastPath(b *testing.B) {
	toggle(b, "fastpath", func(b *testing.B, f features.Set) {
		s := benchServer(b, f)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.State(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkZeroCopy(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			toggle(b, "zerocopy", func(b *testing.B, f features.Set) {
				s := benchServer(b, f)
				sig := mustSig(b, "blob.data", size)
				b.ReportAllocs()
				b.ResetTimer()
				castAll(b, s, sig, b.N)
			})
		})
	}
}

func BenchmarkPooling(b *testing.B) {
	toggle(b, "pooling", func(b *testing.B, f features.Set) {
		s := benchServer(b, f)
		sig := mustSig(b, "counter.inc", 0)
		b.ReportAllocs()
		gc0 := gcCycles()
		b.ResetTimer()
		castAll(b, s, sig, b.N)
		b.StopTimer()
		b.ReportMetric(float64(gcCycles()-gc0)/float64(b.N)*1e6, "gc/Mop")
	})
}

// BenchmarkBatching runs batching alone, and on top of every other
// optimization: alone, per-signal processing (copies, trie walk, fresh
// instructions) dwarfs the hand-over that batching saves.
func BenchmarkBatching(b *testing.B) {
	b.Run("others=off", func(b *testing.B) { toggleOver(b, features.Set{}, "batching", benchBatching) })
	b.Run("others=on", func(b *testing.B) { toggleOver(b, features.All(), "batching", benchBatching) })
}

func benchBatching(b *testing.B, f features.Set) {
	s := benchServer(b, f)
	batch := make([]*signal.Signal, 100)
	for i := range batch {
		batch[i] = mustSig(b, "counter.inc", 0)
	}
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		k := min(len(batch), b.N-sent)
		n, err := s.CastBatch(batch[:k])
		if err != nil && !errors.Is(err, ErrMailboxFull) {
			b.Fatal(err)
		}
		sent += n
		if n < k {
			runtime.Gosched()
		}
	}
	waitProcessed(s, uint64(b.N))
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "signals/s")
}

// BenchmarkCast is one signal through router, instruction and state merge
// with everything off and everything on: the per-signal cost and bytes.
func BenchmarkCast(b *testing.B) {
	for _, c := range []struct {
		name string
		f    features.Set
	}{{"off", features.Set{}}, {"on", features.All()}} {
		b.Run(c.name, func(b *testing.B) {
			s := benchServer(b, c.f)
			sig := mustSig(b, "blob.data", 64)
			b.ReportAllocs()
			b.ResetTimer()
			castAll(b, s, sig, b.N)
		})
	}
}
