package cluster

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
)

// textSigs builds n signals whose data is text, as an application's events
// are: a user, an action, a path, a status and a message, drawn from small
// vocabularies, so that an entropy coder has something to code.
func textSigs(tb testing.TB, n int) []*signal.Signal {
	tb.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	actions := []string{"click", "view", "purchase", "login", "logout", "search"}
	words := []string{"order", "cart", "item", "user", "session", "page", "price", "total", "ok", "retry", "shipped", "pending"}
	sigs := make([]*signal.Signal, n)
	for i := range sigs {
		msg := ""
		for k := range 4 {
			if k > 0 {
				msg += " "
			}
			msg += words[r.IntN(len(words))]
		}
		s, err := signal.New("app.event", "/perfbench/cluster", map[string]any{
			"user": fmt.Sprintf("user-%d", r.IntN(1000)), "action": actions[r.IntN(len(actions))],
			"path": fmt.Sprintf("/api/v1/items/%d", r.IntN(100000)), "status": 200, "msg": msg,
		}, signal.WithSubject(fmt.Sprintf("seq-%d", i)))
		if err != nil {
			tb.Fatal(err)
		}
		sigs[i] = s
	}
	return sigs
}

// BenchmarkBatchCost measures, per batch of k signals as a paced stream
// sends them, what the outbox and the receiver spend on each codec: the
// body alone (raw), zstd at the outbox's level, and zstd without entropy
// coding of literals; with the bytes on the wire. One op is one batch
// written, compressed, decompressed and read. It is the measure behind
// compressMinBody: where zstd stops paying in bytes for its time.
func BenchmarkBatchCost(b *testing.B) {
	kinds := []struct {
		name string
		sigs func(testing.TB, int) []*signal.Signal
	}{{"random64", streamSigs}, {"text", textSigs}}
	codecs := []struct {
		name string
		opts []zstd.EOption
	}{
		{"raw", nil},
		{"zstd", []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1)}},
		{"zstd-noentropy", []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithNoEntropyCompression(true)}},
	}
	for _, kind := range kinds {
		sigs := kind.sigs(b, 1024)
		for _, k := range []int{1, 2, 3, 4, 6, 8, 12, 16, 32, 64} {
			for _, c := range codecs {
				b.Run(fmt.Sprintf("%s/k=%d/%s", kind.name, k, c.name), func(b *testing.B) {
					var enc *zstd.Encoder
					if c.opts != nil {
						var err error
						if enc, err = zstd.NewWriter(nil, c.opts...); err != nil {
							b.Fatal(err)
						}
						defer enc.Close()
					}
					dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
					if err != nil {
						b.Fatal(err)
					}
					defer dec.Close()
					var w batchWriter
					var r batchReader
					var msg, unz []byte
					var wire, body int
					now := time.Now().UnixNano()
					next := 0
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						for range k {
							w.add("agent-0", now+int64(next)*400e3, 0, sigs[next%len(sigs)])
							next++
						}
						out := w.finish("n0")
						body += len(out)
						in := out
						if enc != nil {
							msg = enc.EncodeAll(out, msg[:0])
							wire += len(msg)
							if unz, err = dec.DecodeAll(msg, unz[:0]); err != nil {
								b.Fatal(err)
							}
							in = unz
						} else {
							wire += len(out)
						}
						_, cnt, err := r.open(in)
						if err != nil {
							b.Fatal(err)
						}
						for range cnt {
							if _, _, _, _, err := r.next(); err != nil {
								b.Fatal(err)
							}
						}
					}
					b.ReportMetric(float64(body)/float64(b.N), "body-B/batch")
					b.ReportMetric(float64(wire)/float64(b.N), "wire-B/batch")
				})
			}
		}
	}
}

func TestCodecFor(t *testing.T) {
	for _, tc := range []struct {
		size int
		want batchCodec
	}{
		{0, sendRaw}, {1, sendRaw}, {compressMinBody - 1, sendRaw},
		{compressMinBody, sendMatchesOnly}, {entropyMinBody - 1, sendMatchesOnly},
		{entropyMinBody, sendEntropy}, {MaxBatchBytes + 1<<20, sendEntropy},
	} {
		if got := codecFor(tc.size); got != tc.want {
			t.Errorf("codecFor(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}

// Each batch travels as codecFor says for its body's size, byte for byte
// what that encoder makes of it (raw if it would only enlarge the body),
// and decodes back to the body.
func TestEncodeBatchBySize(t *testing.T) {
	full, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	fast, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithNoEntropyCompression(true))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	n := &Node{enc: full, encFast: fast}
	random, text := streamSigs(t, 64), textSigs(t, 64)
	// Compression that would only enlarge a body leaves it raw.
	noise := make([]byte, 1000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	if msg := n.encodeBatch(nil, noise); msg[0] != codecRaw || !bytes.Equal(msg[1:], noise) {
		t.Errorf("1000 B of noise: codec byte %d and %d B, want raw", msg[0], len(msg)-1)
	}
	for _, tc := range []struct {
		name string
		sigs []*signal.Signal
		want batchCodec
		zstd bool // compressed, not sent raw after all
	}{
		{"1 random", random[:1], sendRaw, false},
		{"2 text", text[:2], sendRaw, false},
		{"3 text", text[:3], sendRaw, false},     // 436 B: zstd would save 61 B
		{"4 random", random[:4], sendRaw, false}, // 469 B: zstd would add 13 B
		{"6 random", random[:6], sendMatchesOnly, true},
		{"4 text", text[:4], sendMatchesOnly, true},
		{"16 text", text[:16], sendMatchesOnly, true},
		{"64 random", random, sendEntropy, true},
		{"64 text", text, sendEntropy, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w batchWriter
			for i, s := range tc.sigs {
				w.add("agent-0", int64(i)*400e3, 0, s)
			}
			body := bytes.Clone(w.finish("n0"))
			if got := codecFor(len(body)); got != tc.want {
				t.Fatalf("a body of %d B: codec %d, want %d", len(body), got, tc.want)
			}
			msg := n.encodeBatch([]byte("x"), body)
			if msg[0] != 'x' {
				t.Fatal("encodeBatch overwrote dst")
			}
			msg = msg[1:]
			if !tc.zstd {
				if msg[0] != codecRaw || !bytes.Equal(msg[1:], body) {
					t.Fatalf("a body of %d B: codec byte %d and %d B, want raw", len(body), msg[0], len(msg)-1)
				}
				return
			}
			enc := map[batchCodec]*zstd.Encoder{sendMatchesOnly: fast, sendEntropy: full}[tc.want]
			if want := enc.EncodeAll(body, []byte{codecZstd}); !bytes.Equal(msg, want) {
				t.Fatalf("a body of %d B: %d B sent, not the %d B of codec %d", len(body), len(msg), len(want), tc.want)
			}
			got, err := dec.DecodeAll(msg[1:], nil)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("decoded %d B (%v), want the %d B body", len(got), err, len(body))
			}
		})
	}
}

// A small batch travels raw end to end, and arrives: three text events in
// one batch, which zstd would have shortened by 14 %.
func TestOutboxSendsSmallBatchRaw(t *testing.T) {
	s := startServer(t)
	nodes, rec := orderRig(t, s.ClientURL(), features.Set{XBatch: true}, []string{"n0", "n1"}, BatchOptions{MaxDelay: MaxBatchDelay})
	sigs := textSigs(t, 3)
	for _, sig := range sigs {
		if err := nodes[0].Send("n1", "rec", sig); err != nil {
			t.Fatal(err)
		}
	}
	if err := nodes[0].Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := nodes[0].Counters()
	// The first signal found the outbox idle and left alone; the other two
	// left together on Flush.
	if c.Batches != 2 || c.PayloadBytes != c.RawBytes+2 {
		t.Fatalf("%d batches, %d payload bytes for %d raw; want 2 batches, each raw + 1 codec byte", c.Batches, c.PayloadBytes, c.RawBytes)
	}
	waitFor(t, "deliveries", func() bool { return rec.count() == 3 })
}
