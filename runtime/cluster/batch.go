package cluster

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/perfbench/perfbench/runtime/signal"
)

// A batch on the wire (XBatch) is one codec byte, then the body, raw or
// zstd-compressed. The body is one header for every signal in it — its
// version, the string table, the sender, the base time, how many records
// — then one record per signal, then the bytes of all their binaries (last:
// a fast compressor that meets random bytes skips ahead, and would skip the
// records after them too). A record is
// the agent (a table index), the send time (after the previous record's)
// and request id as fixed-width numbers, and the signal's binary form
// (signal.AppendBinary) with its time after the previous signal's. A receiver
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
	bins  []byte
	body  []byte
	base  int64 // send time of the first record, Unix ns
	prev  int64 // send time of the last record
	last  int64 // event time of the last record's signal, else base
	count int
}

func (w *batchWriter) add(agent string, sent int64, req uint64, sig *signal.Signal) {
	if w.count == 0 {
		w.base, w.prev, w.last = sent, sent, sent
	}
	w.recs = binary.AppendUvarint(w.recs, uint64(w.strs.Index(agent)))
	w.recs = binary.LittleEndian.AppendUint64(w.recs, uint64(sent-w.prev))
	w.recs = binary.LittleEndian.AppendUint64(w.recs, req)
	w.recs, w.bins = sig.AppendBinary(w.recs, w.bins, &w.strs, w.last)
	w.prev = sent
	w.last = eventTime(sig, w.last)
	w.count++
}

// size is about the bytes of the body so far.
func (w *batchWriter) size() int { return len(w.recs) + len(w.bins) + w.strs.Size() }

// finish returns the body of the batch from node from, and starts the next
// one. The body is valid until the next call.
func (w *batchWriter) finish(from string) []byte {
	fromIdx := w.strs.Index(from)
	b := append(w.body[:0], batchVersion)
	b = w.strs.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(fromIdx))
	b = binary.LittleEndian.AppendUint64(b, uint64(w.base))
	b = binary.AppendUvarint(b, uint64(w.count))
	b = binary.AppendUvarint(b, uint64(len(w.bins)))
	b = append(b, w.recs...)
	b = append(b, w.bins...)
	w.body = b
	w.strs.Reset()
	w.recs, w.bins, w.count = w.recs[:0], w.bins[:0], 0
	return b
}

// eventTime is sig's time in Unix ns, the base of the next record's, or
// last when it does not fit: consecutive signals' times are close, so
// their differences, written fixed-width, are mostly zero bytes that the
// compressor takes for almost nothing.
func eventTime(sig *signal.Signal, last int64) int64 {
	t := sig.Time()
	if sec := t.Unix(); sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
		return last
	}
	return t.UnixNano()
}

// batchReader reads one body; a node keeps one for its batch subscription
// and reuses its string table.
type batchReader struct {
	strs  []string
	rest  []byte
	prev  int64 // as batchWriter's
	last  int64
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
	r.last = r.prev
	cnt, n := binary.Uvarint(body)
	if n <= 0 || cnt > uint64(len(body)) {
		return "", 0, fmt.Errorf("%w: batch count", signal.ErrBinary)
	}
	body = body[n:]
	bins, n := binary.Uvarint(body)
	if n <= 0 || bins > uint64(len(body)-n) {
		return "", 0, fmt.Errorf("%w: batch binaries", signal.ErrBinary)
	}
	// One block for all the batch's binaries, the signals' own memory:
	// body is reused for the next batch.
	body = body[n:]
	end := uint64(len(body)) - bins
	r.arena = nil
	if bins > 0 {
		r.arena = make([]byte, bins)
		copy(r.arena, body[end:])
	}
	r.rest, r.left = body[:end], int(cnt)
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
	sent = r.prev + int64(binary.LittleEndian.Uint64(b))
	req = binary.LittleEndian.Uint64(b[8:])
	sig, b, err = signal.ReadBinary(b[16:], r.strs, r.last, &r.arena)
	if err != nil {
		r.rest = nil
		return "", 0, 0, nil, err
	}
	r.prev, r.last = sent, eventTime(sig, r.last)
	r.rest = b
	r.left--
	return agent, sent, req, sig, nil
}
