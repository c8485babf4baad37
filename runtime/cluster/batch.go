package cluster

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/perfbench/perfbench/runtime/signal"
)

// A batch on the wire (XBatch) is one codec byte, then the body, raw or
// zstd-compressed. The body is one header for every signal in it — its
// version, the string table, the sender, the base time, how many records
// and the sizes of its sections — then four sections:
//   - the records, one per signal: the agent (a table index), the request
//     id, and the signal's binary form (signal.AppendBinary); what varies
//     from signal to signal is mostly in the other sections, so the records
//     of a stream repeat and a compressor takes them for almost nothing;
//   - the numbers (signal.Chain): per signal, its send time, then its time
//     and id's first half, as varint differences (a byte or two each);
//   - the ids' second halves, random in a UUIDv7, 8 bytes each;
//   - the bytes of all the binaries.
//
// The random sections come last: a fast compressor that meets random bytes
// skips ahead, and would skip what follows them too. BenchmarkBatchBytes
// measures each section per signal. A receiver reads the sections side by
// side in one pass, with no JSON, reflection or base64.
const (
	codecRaw  byte = 0
	codecZstd byte = 1

	batchVersion byte = 2
)

// batchWriter builds the body of one batch; an outbox keeps one and reuses
// its memory from batch to batch.
type batchWriter struct {
	strs  signal.StringTable
	chain signal.Chain
	recs  []byte
	bins  []byte
	body  []byte
	base  int64 // send time of the first record, Unix ns
	prev  int64 // send time of the last record
	count int
}

func (w *batchWriter) add(agent string, sent int64, req uint64, sig *signal.Signal) {
	if w.count == 0 {
		w.base, w.prev = sent, sent
		w.chain = signal.NewChain(sent, w.chain.Nums[:0], w.chain.Rand[:0])
	}
	w.recs = binary.AppendUvarint(w.recs, uint64(w.strs.Index(agent)))
	w.recs = binary.AppendUvarint(w.recs, req)
	// Wrapping: the reader adds it back exactly, whatever the clock did.
	w.chain.Nums = binary.AppendVarint(w.chain.Nums, int64(uint64(sent)-uint64(w.prev)))
	w.recs, w.bins = sig.AppendBinary(w.recs, w.bins, &w.strs, &w.chain)
	w.prev = sent
	w.count++
}

// size is about the bytes of the body so far.
func (w *batchWriter) size() int {
	return len(w.recs) + len(w.chain.Nums) + len(w.chain.Rand) + len(w.bins) + w.strs.Size()
}

// finish returns the body of the batch from node from, and starts the next
// one. The body is valid until the next call.
func (w *batchWriter) finish(from string) []byte {
	fromIdx := w.strs.Index(from)
	c := &w.chain
	b := append(w.body[:0], batchVersion)
	b = w.strs.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(fromIdx))
	b = binary.LittleEndian.AppendUint64(b, uint64(w.base))
	b = binary.AppendUvarint(b, uint64(w.count))
	for _, sec := range [...][]byte{w.recs, c.Nums, c.Rand} {
		b = binary.AppendUvarint(b, uint64(len(sec)))
	}
	b = append(b, w.recs...)
	b = append(b, c.Nums...)
	b = append(b, c.Rand...)
	b = append(b, w.bins...)
	w.body = b
	w.strs.Reset()
	w.recs, w.bins, c.Nums, c.Rand, w.count = w.recs[:0], w.bins[:0], c.Nums[:0], c.Rand[:0], 0
	return b
}

// batchReader reads one body; a node keeps one for its batch subscription
// and reuses its string table.
type batchReader struct {
	strs  []string
	rest  []byte
	chain signal.Chain
	prev  int64 // as batchWriter's
	left  int
	arena []byte
}

// open reads the header of body and returns the sender and the number of
// records.
func (r *batchReader) open(body []byte) (from string, count int, err error) {
	if len(body) < 1 || body[0] != batchVersion {
		return "", 0, fmt.Errorf("%w: batch version", signal.ErrBinary)
	}
	if r.strs, body, err = signal.ReadStringTable(r.strs, body[1:]); err != nil {
		return "", 0, err
	}
	fromIdx, n := binary.Uvarint(body)
	if n <= 0 || fromIdx >= uint64(len(r.strs)) || len(body) < n+8 {
		return "", 0, fmt.Errorf("%w: batch header", signal.ErrBinary)
	}
	from, body = r.strs[fromIdx], body[n:]
	r.prev, body = int64(binary.LittleEndian.Uint64(body)), body[8:]
	cnt, n := binary.Uvarint(body)
	if n <= 0 || cnt > uint64(len(body)) {
		return "", 0, fmt.Errorf("%w: batch count", signal.ErrBinary)
	}
	body = body[n:]
	// The sizes of the records, the numbers and the ids; the binaries are
	// the rest.
	var lens [3]uint64
	for i := range lens {
		if lens[i], n = binary.Uvarint(body); n <= 0 || lens[i] > uint64(len(body)) {
			return "", 0, fmt.Errorf("%w: batch sections", signal.ErrBinary)
		}
		body = body[n:]
	}
	if lens[0]+lens[1]+lens[2] > uint64(len(body)) {
		return "", 0, fmt.Errorf("%w: batch sections", signal.ErrBinary)
	}
	recs, body := body[:lens[0]], body[lens[0]:]
	nums, body := body[:lens[1]], body[lens[1]:]
	ids, bins := body[:lens[2]], body[lens[2]:]
	// One block for all the batch's binaries, the signals' own memory:
	// body is reused for the next batch. The ids and numbers are copied
	// into the signals as they are read.
	r.arena = nil
	if len(bins) > 0 {
		r.arena = bytes.Clone(bins)
	}
	r.chain = signal.NewChain(r.prev, nums, ids)
	r.rest, r.left = recs, int(cnt)
	return from, int(cnt), nil
}

// next reads the next record.
func (r *batchReader) next() (agent string, sent int64, req uint64, sig *signal.Signal, err error) {
	b := r.rest
	ai, n := binary.Uvarint(b)
	if r.left == 0 || n <= 0 || ai >= uint64(len(r.strs)) {
		return r.fail()
	}
	agent, b = r.strs[ai], b[n:]
	d, dn := binary.Varint(r.chain.Nums)
	if dn <= 0 {
		return r.fail()
	}
	sent, r.chain.Nums = int64(uint64(r.prev)+uint64(d)), r.chain.Nums[dn:]
	req, n = binary.Uvarint(b)
	if n <= 0 {
		return r.fail()
	}
	sig, b, err = signal.ReadBinary(b[n:], r.strs, &r.chain, &r.arena)
	if err != nil {
		r.rest = nil
		return "", 0, 0, nil, err
	}
	r.prev, r.rest = sent, b
	r.left--
	return agent, sent, req, sig, nil
}

func (r *batchReader) fail() (string, int64, uint64, *signal.Signal, error) {
	r.rest = nil
	return "", 0, 0, nil, fmt.Errorf("%w: batch record", signal.ErrBinary)
}
