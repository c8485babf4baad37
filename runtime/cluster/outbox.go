package cluster

import (
	"fmt"
	"sync"
	"time"
)

// BatchOptions tune XBatch's per-peer outboxes.
type BatchOptions struct {
	// MaxBytes flushes an outbox once its uncompressed envelopes reach this
	// size. Default DefaultBatchBytes.
	MaxBytes int
	// MaxDelay flushes an outbox this long after its first signal arrived,
	// however little it holds. Default DefaultBatchDelay.
	MaxDelay time.Duration
}

// Defaults and bounds of BatchOptions.
//
// 32 KiB holds about 80 envelopes of a 64 B signal (≈ 400 B of JSON each):
// enough that NATS's per-message framing (≈ 40 B) and zstd's frame header
// are under 1 % of a batch, and that the compressor sees the repeated field
// names and ids many times; small enough to stay far below NATS's default
// 1 MiB max_payload and to compress in tens of µs.
//
// 2 ms is the latency the plan can afford: its cross-node target is a 5 ms
// mean, and a batch waits at most MaxDelay, on average half of it when
// signals arrive steadily. A longer delay would save few bytes more at the
// rates a node sends (a full batch every few ms at 20 000 signals/s) and
// would spend most of that budget.
const (
	DefaultBatchBytes = 32 << 10
	DefaultBatchDelay = 2 * time.Millisecond
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

// outbox collects envelopes for one peer, newline-separated. It is flushed
// by the sender that fills it, or by a timer armed when the first envelope
// goes in.
type outbox struct {
	n  *Node
	to string

	mu     sync.Mutex
	buf    []byte
	count  int // signals in buf
	timer  *time.Timer
	closed bool
}

// add takes env into the outbox. A failure to publish the batch it fills
// is counted against every signal in it, this one included, by flushLocked.
func (o *outbox) add(env []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		o.n.failed(o.to, 1)
		return ErrClosed
	}
	if len(o.buf) > 0 {
		o.buf = append(o.buf, '\n')
	}
	o.buf = append(o.buf, env...)
	o.count++
	if len(o.buf) >= o.n.batch.MaxBytes {
		return o.flushLocked()
	}
	if o.timer == nil {
		o.timer = time.AfterFunc(o.n.batch.MaxDelay, func() { o.flush() })
	}
	return nil
}

func (o *outbox) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushLocked()
}

// flushLocked compresses and publishes under the lock, so that batches to
// one peer leave in the order their signals were sent.
func (o *outbox) flushLocked() error {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	if len(o.buf) == 0 {
		return nil
	}
	raw, count := len(o.buf), o.count
	z := o.n.enc.EncodeAll(o.buf, make([]byte, 0, raw/2))
	o.buf, o.count = o.buf[:0], 0
	err := o.n.publish(o.n.subject(o.to, "b"), z, raw, true)
	if err != nil {
		o.n.failed(o.to, count)
	}
	return err
}

func (o *outbox) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	err := o.flushLocked()
	o.closed = true
	return err
}
