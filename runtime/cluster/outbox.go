package cluster

import (
	"fmt"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/perfbench/perfbench/runtime/signal"
)

// BatchOptions tune XBatch's per-peer outboxes.
type BatchOptions struct {
	// MaxBytes flushes an outbox once its uncompressed batch reaches this
	// size. Default DefaultBatchBytes.
	MaxBytes int
	// MaxDelay flushes an outbox this long after its first signal arrived,
	// however little it holds. Default DefaultBatchDelay.
	MaxDelay time.Duration
}

// Defaults and bounds of BatchOptions.
//
// 32 KiB holds about 330 records of a 64 B signal (≈ 100 B each in the
// binary codec): enough that NATS's per-message framing (≈ 40 B), the
// batch header and zstd's frame header are under 1 % of a batch; small
// enough to stay far below NATS's default 1 MiB max_payload and to
// compress in tens of µs.
//
// 1 ms is set by latency. The median signal waits about MaxDelay/2 in the
// outbox before its transit (~0.3 ms on loopback), so a median cross-node
// latency under 1 ms at 10 000 signals/s over 4 nodes needs about 1 ms. A
// longer delay fills paced batches further and shares the per-batch work
// (wake-ups, NATS's write and read syscalls; small batches skip zstd, see
// codecFor) among more signals: measured on 4 nodes, 6 rounds, 2 ms missed
// that median (1.42–1.48 ms) and 1 ms held it (0.83–0.90 ms), while CPU per
// signal came out about −50 % either way, its CI straddling the goal. An
// unpaced stream fills batches by MaxBytes long before either delay.
const (
	DefaultBatchBytes = 32 << 10
	DefaultBatchDelay = time.Millisecond
	MaxBatchBytes     = 512 << 10
	MaxBatchDelay     = time.Second
	// maxBatchDecoded bounds what a receiver will decompress from one
	// message; a batch is flushed before it passes MaxBatchBytes plus one
	// envelope.
	maxBatchDecoded = 2 * (MaxBatchBytes + 16<<20 + 1<<20)
)

func (o BatchOptions) normalize() (BatchOptions, error) {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultBatchBytes
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = DefaultBatchDelay
	}
	if o.MaxBytes < 1 || o.MaxBytes > MaxBatchBytes {
		return o, fmt.Errorf("%w: batch size %d B (want 1 to %d)", ErrInvalidConfig, o.MaxBytes, MaxBatchBytes)
	}
	if o.MaxDelay < 0 || o.MaxDelay > MaxBatchDelay {
		return o, fmt.Errorf("%w: batch delay %s (want up to %s)", ErrInvalidConfig, o.MaxDelay, MaxBatchDelay)
	}
	return o, nil
}

// outbox collects the signals for one peer into a batch (batchWriter). A
// batch is flushed when it reaches MaxBytes, when it holds a request (a
// caller waits for the answer), at once when the outbox had been idle for
// longer than MaxDelay (a signal that finds nothing to join would only
// wait, so at low rates a signal travels as soon as off's does), and once
// its oldest signal has waited MaxDelay: by the first signal added at or
// after that time, which travels with it, or else by the outbox's one
// timer, re-armed for each batch. The timer alone is late: a Go timer
// wakes an idle process up to about 1 ms late on Linux (the netpoller
// waits in whole milliseconds), and measured at 10 k signals/s on 4 nodes
// it fired 450 µs late at the median and 1 ms at p90. A signal that comes
// meanwhile is on time by its own clock, and costs no wake-up; the timer
// serves when the traffic stops. (A flusher sleeping in nanosleep instead
// was precise to 75 µs but cost CPU per batch: a blocked thread and its P
// handed back and forth.) Its buffers, the batch body and the compressed
// message, are reused from batch to batch, and its counters are its own,
// so that a signal takes no lock but the outbox's.
type outbox struct {
	n  *Node
	to string

	mu    sync.Mutex
	w     batchWriter
	msg   []byte // the compressed batch, reused
	timer *time.Timer
	armed bool
	due   time.Time // when the timer's batch is due
	last  int64     // when the last signal went in, Unix ns
	// sent and failed count the signals handed to this outbox, and those
	// of them that never reached NATS (Counters adds them to the peer's).
	sent, failed uint64
	closed       bool
}

func newOutbox(n *Node, to string) *outbox {
	o := &outbox{n: n, to: to}
	o.timer = time.AfterFunc(time.Hour, o.fire)
	o.timer.Stop()
	return o
}

// add puts one signal in the outbox. A failure to publish the batch it
// fills is counted against every signal in it, this one included, by
// flushLocked.
func (o *outbox) add(agent string, sent int64, req uint64, sig *signal.Signal) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent++
	if o.closed {
		o.failed++
		return ErrClosed
	}
	idle := o.w.count == 0 && sent-o.last > int64(o.n.batch.MaxDelay)
	o.last = sent
	o.w.add(agent, sent, req, sig)
	if idle || req != 0 || o.w.size() >= o.n.batch.MaxBytes || (o.armed && !time.Unix(0, sent).Before(o.due)) {
		return o.flushLocked()
	}
	if !o.armed {
		o.armed = true
		o.due = time.Unix(0, sent).Add(o.n.batch.MaxDelay)
		o.timer.Reset(o.n.batch.MaxDelay)
	}
	return nil
}

// fire is the timer's: it flushes the batch it was armed for, unless that
// one already left (then a later batch, armed anew, is not yet due).
func (o *outbox) fire() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.armed {
		return
	}
	if d := time.Until(o.due); d > 0 {
		o.timer.Reset(d)
		return
	}
	o.flushLocked()
}

func (o *outbox) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushLocked()
}

// flushLocked compresses and publishes under the lock, so that batches to
// one peer leave in the order their signals were sent.
func (o *outbox) flushLocked() error {
	if o.armed {
		o.timer.Stop()
		o.armed = false
	}
	if o.w.count == 0 {
		return nil
	}
	count := o.w.count
	body := o.w.finish(o.n.id)
	o.msg = o.n.encodeBatch(o.msg[:0], body)
	// NATS copies the payload into its buffer before Publish returns, so
	// msg and body are free again.
	err := o.n.publish(o.n.subject(o.to, "b"), o.msg, len(body), true)
	if err != nil {
		o.failed += uint64(count)
	}
	return err
}

// counts returns what the outbox has counted.
func (o *outbox) counts() (sent, failed uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent, o.failed
}

func (o *outbox) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	err := o.flushLocked()
	o.closed = true
	return err
}

// Where compression starts to pay, by the size of a batch's body; measured
// by BenchmarkBatchCost (batch sizes 1 to 64, of random 64 B binaries and
// of text events), which writes, compresses, decompresses and reads one
// batch per op:
//   - Below compressMinBody a batch travels raw. zstd's frame costs 13 B,
//     and on random binaries it saved nothing below about 600 B (four
//     signals came out 13 B larger, and were sent raw anyway); on text
//     events, 7.5 % at most (three signals, 436 B). It cost 0.6 to 8 µs a
//     batch meanwhile, as much as writing and reading the batch itself, and
//     small batches are what a paced stream at a short delay sends.
//   - Below entropyMinBody zstd codes matches only, not the literals'
//     entropy: building the literals' Huffman table costs a flat 8 to 13 µs
//     a batch, which saved nothing on random binaries and about 10 % on text
//     events. From entropyMinBody (about 40 signals of 64 B) that cost is
//     under 0.4 µs a signal, and a full batch, the bulk of a busy link's
//     bytes, gets the smaller form.
const (
	compressMinBody = 512
	entropyMinBody  = 4 << 10
)

// batchCodec is how a batch body of size bytes travels.
type batchCodec int

const (
	sendRaw batchCodec = iota
	sendMatchesOnly
	sendEntropy
)

func codecFor(size int) batchCodec {
	switch {
	case size < compressMinBody:
		return sendRaw
	case size < entropyMinBody:
		return sendMatchesOnly
	default:
		return sendEntropy
	}
}

// encodeBatch appends to dst the message for body: the codec byte, then
// the body raw or zstd-compressed as codecFor says, raw after all if
// compression would only enlarge it.
func (n *Node) encodeBatch(dst, body []byte) []byte {
	var enc *zstd.Encoder
	switch codecFor(len(body)) {
	case sendMatchesOnly:
		enc = n.encFast
	case sendEntropy:
		enc = n.enc
	}
	if enc != nil {
		msg := enc.EncodeAll(body, append(dst, codecZstd))
		if len(msg)-len(dst) <= len(body) {
			return msg
		}
		dst = msg[:len(dst)]
	}
	return append(append(dst, codecRaw), body...)
}
