package cluster

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/perfbench/perfbench/runtime/signal"
)

// streamSigs builds n signals as a cross-node stream carries them: a 64 B
// binary of pseudo-random bytes, a subject of its own, a fresh UUIDv7 id
// and the time it was made.
func streamSigs(tb testing.TB, n int) []*signal.Signal {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	sigs := make([]*signal.Signal, n)
	for i := range sigs {
		blob := make([]byte, 64)
		for k := range blob {
			blob[k] = byte(r.Uint32())
		}
		s, err := signal.New("stream.tick", "/perfbench/cluster", map[string]any{"blob": blob}, signal.WithSubject(fmt.Sprintf("seq-%d", i)))
		if err != nil {
			tb.Fatal(err)
		}
		sigs[i] = s
	}
	return sigs
}

// BenchmarkBatchBytes reports the bytes per signal of full batches of a
// stream, by section of the body and after zstd at the outbox's level: the
// measure behind the codec's layout. One op is one full batch. Of the
// zstd bytes, 72 per signal are random (the 64 B binary and the id's
// second half) and no codec can shorten them.
func BenchmarkBatchBytes(b *testing.B) {
	sigs := streamSigs(b, 4096)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	var w batchWriter
	var msg []byte
	var signals, body, recs, nums, ids, bins, strs, wire int
	next := 0
	b.ResetTimer()
	for range b.N {
		for w.size() < DefaultBatchBytes {
			w.add("agent-0", time.Now().UnixNano(), 0, sigs[next%len(sigs)])
			next++
		}
		signals += w.count
		recs += len(w.recs)
		nums += len(w.chain.Nums)
		ids += len(w.chain.Rand)
		bins += len(w.bins)
		strs += w.strs.Size()
		out := w.finish("n0")
		body += len(out)
		msg = enc.EncodeAll(out, msg[:0])
		wire += len(msg)
	}
	n := float64(signals)
	b.ReportMetric(n/float64(b.N), "signals/batch")
	b.ReportMetric(float64(body)/n, "body-B/signal")
	b.ReportMetric(float64(recs)/n, "recs-B/signal")
	b.ReportMetric(float64(nums)/n, "nums-B/signal")
	b.ReportMetric(float64(ids)/n, "ids-B/signal")
	b.ReportMetric(float64(bins)/n, "bins-B/signal")
	b.ReportMetric(float64(strs)/n, "strs-B/signal")
	b.ReportMetric(float64(wire)/n, "zstd-B/signal")
}

// A stream's records, numbers and ids take exactly what the layout says
// per signal: the records only indexes and tags (12 B, 13 once the subject's
// index passes 127), the numbers a varint difference each of the send
// time, the time and the id (2 + 2 + 1 B at 1 µs apart, the id made at its
// signal's time), the ids their random half (8 B).
func TestBatchSectionsPerSignal(t *testing.T) {
	const n = 200
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	var w batchWriter
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Microsecond)
		ns := at.UnixNano()
		id := fmt.Sprintf("%012x-7%03x-8000-%012x", ns/1e6, ns%1e6>>8, i)
		id = id[:8] + "-" + id[8:]
		s, err := signal.New("stream.tick", "/perfbench/cluster", map[string]any{"blob": make([]byte, 64)},
			signal.WithSubject(fmt.Sprintf("seq-%d", i)), signal.WithID(id), signal.WithTime(at))
		if err != nil {
			t.Fatal(err)
		}
		w.add("agent-0", ns+500, 0, s)
	}
	// Table: agent-0, the source, the type, seq-0, the content type, blob,
	// then seq-i at 5 + i (i ≥ 1): its index passes 127 from i = 123.
	wantRecs := n*12 + (n - 123)
	// The first send and time differ from the base by 0 and −500 ns (1 and
	// 2 B), the rest by 1000 ns (2 B each); every id's by 0 (1 B).
	wantNums := 1 + 2 + 1 + (n-1)*5
	if len(w.recs) != wantRecs || len(w.chain.Nums) != wantNums || len(w.chain.Rand) != n*8 || len(w.bins) != n*64 {
		t.Fatalf("records %d B, numbers %d B, ids %d B, binaries %d B; want %d, %d, %d, %d",
			len(w.recs), len(w.chain.Nums), len(w.chain.Rand), len(w.bins), wantRecs, wantNums, n*8, n*64)
	}
	var r batchReader
	if _, count, err := r.open(bytes.Clone(w.finish("n0"))); err != nil || count != n {
		t.Fatalf("open: %d records, %v", count, err)
	}
	for i := range n {
		if _, _, _, s, err := r.next(); err != nil || s.Subject() != fmt.Sprintf("seq-%d", i) {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}
