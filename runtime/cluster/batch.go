package cluster

import (
	"encoding/binary"
	"fmt"

	"github.com/perfbench/perfbench/runtime/signal"
)

// A batch on the wire (XBatch) is one codec byte, then the body, raw or
// zstd-compressed. The body is one header for every signal in it — its
// version, the string table, the sender, the base time, how many records
// and how many bytes of binaries they hold — then one record per signal:
// the agent (a table index), the send time and request id as fixed-width
// numbers, and the signal's binary form (signal.AppendBinary). A receiver
// reads it in one pass, with no JSON, reflection or base64.
const (
	codecRaw  byte = 0
	codecZstd byte = 1

	batchVersion byte = 1
)

// batchWriter builds the body of one batch; an outbox keeps one and reuses
// its memory from batch to batch.
type batchWriter struct {
	strs  signal.StringTable
	recs  []byte
	body  []byte
	base  int64 // send time of the first record, Unix ns
	count int
	bins  int
}

func (w *batchWriter) add(agent string, sent int64, req uint64, sig *signal.Signal) {
	if w.count == 0 {
		w.base = sent
	}
	w.recs = binary.AppendUvarint(w.recs, uint64(w.strs.Index(agent)))
	w.recs = binary.LittleEndian.AppendUint64(w.recs, uint64(sent-w.base))
	w.recs = binary.LittleEndian.AppendUint64(w.recs, req)
	w.recs = sig.AppendBinary(w.recs, &w.strs, w.base)
	w.count++
	w.bins += sig.BinaryBytes()
}

// size is about the bytes of the body so far.
func (w *batchWriter) size() int { return len(w.recs) + w.strs.Size() }

// finish returns the body of the batch from node from, and starts the next
// one. The body is valid until the next call.
func (w *batchWriter) finish(from string) []byte {
	fromIdx := w.strs.Index(from)
	b := append(w.body[:0], batchVersion)
	b = w.strs.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(fromIdx))
	b = binary.LittleEndian.AppendUint64(b, uint64(w.base))
	b = binary.AppendUvarint(b, uint64(w.count))
	b = binary.AppendUvarint(b, uint64(w.bins))
	b = append(b, w.recs...)
	w.body = b
	w.strs.Reset()
	w.recs, w.count, w.bins = w.recs[:0], 0, 0
	return b
}

// batchReader reads one body; a node keeps one for its batch subscription
// and reuses its string table.
type batchReader struct {
	strs  []string
	rest  []byte
	base  int64
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
	r.base, body = int64(binary.LittleEndian.Uint64(body)), body[8:]
	cnt, n := binary.Uvarint(body)
	if n <= 0 || cnt > uint64(len(body)) {
		return "", 0, fmt.Errorf("%w: batch count", signal.ErrBinary)
	}
	body = body[n:]
	bins, n := binary.Uvarint(body)
	if n <= 0 || bins > uint64(len(body)) {
		return "", 0, fmt.Errorf("%w: batch binaries", signal.ErrBinary)
	}
	// One block for all the batch's binaries, as the signals' own memory.
	r.arena = nil
	if bins > 0 {
		r.arena = make([]byte, bins)
	}
	r.rest, r.left = body[n:], int(cnt)
	return from, int(cnt), nil
}

// next reads the next record.
func (r *batchReader) next() (agent string, sent int64, req uint64, sig *signal.Signal, err error) {
	b := r.rest
	ai, n := binary.Uvarint(b)
	if r.left == 0 || n <= 0 || ai >= uint64(len(r.strs)) || len(b) < n+16 {
		r.rest = nil
		return "", 0, 0, nil, fmt.Errorf("%w: batch record", signal.ErrBinary)
	}
	agent, b = r.strs[ai], b[n:]
	sent = r.base + int64(binary.LittleEndian.Uint64(b))
	req = binary.LittleEndian.Uint64(b[8:])
	sig, b, err = signal.ReadBinary(b[16:], r.strs, r.base, &r.arena)
	if err != nil {
		r.rest = nil
		return "", 0, 0, nil, err
	}
	r.rest = b
	r.left--
	return agent, sent, req, sig, nil
}
