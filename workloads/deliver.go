package workloads

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// signalDeliver is the optimization plan's own zero-copy benchmark,
// ZeroCopy.send_local_signal(signal, self()): one local delivery of a
// signal into a mailbox its owner reads, as a BEAM process sends to
// itself, and nothing else. No router or action runs, so the bytes and
// allocations per op are the delivery's alone: the message copy (ZeroCopy
// off) and the envelope. The owner receives every flushEvery deliveries,
// which allocates nothing. signal-pass is the same signal delivered and
// processed end to end.
func signalDeliver(label, holds string, data func(*rand.Rand) map[string]any) Workload {
	return Workload{
		Name:    "signal-deliver/" + label,
		Doc:     fmt.Sprintf("deliver a signal holding %s into a local mailbox its owner reads (a send to self)", holds),
		Op:      "one local delivery",
		Toggles: []string{"zerocopy", "pooling", "batching"},
		Metrics: []stats.Metric{metricBytesCopied},
		MinOps:  flushEvery,
		New: func(f features.Set) (Instance, error) {
			mb, err := agent.NewMailbox("self", f, flushEvery)
			if err != nil {
				return nil, err
			}
			// The same signal as signal-pass/<label> carries.
			sig, err := signal.New("data.blob.ready", "/perfbench/pass", data(newRand(2)))
			if err != nil {
				mb.Close()
				return nil, err
			}
			return &deliverInstance{mb: mb, sig: sig, got: make([]*signal.Signal, 0, flushEvery)}, nil
		},
	}
}

type deliverInstance struct {
	mb  *agent.Mailbox
	sig *signal.Signal
	got []*signal.Signal // the owner's receive buffer
}

func (d *deliverInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := d.mb.Stats().BytesCopied
	for i := 0; i < n; i++ {
		if i > 0 && i%flushEvery == 0 {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			d.receive()
		}
		if err := d.mb.Deliver(d.sig); err != nil {
			return nil, err
		}
	}
	d.receive()
	return map[string]float64{metricBytesCopied.Name: float64(d.mb.Stats().BytesCopied-before) / float64(n)}, nil
}

// receive takes everything delivered and lets it go, as a process that
// handles its messages does.
func (d *deliverInstance) receive() {
	d.got = d.mb.Receive(d.got[:0], flushEvery)
	clear(d.got)
}

func (d *deliverInstance) Close() error {
	d.mb.Close()
	return nil
}
