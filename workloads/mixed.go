package workloads

import (
	"context"
	"fmt"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// mixedCycle is the blend of the mixed workload, one entry per operation,
// repeated: 12 casts (to 4 agents, 6 signal types, a list of 8 integers:
// 64 B), 4 state queries, 3 bus publishes of a 1 KiB map fanned out to the 4 agents, 1 bus
// publish of a 64 KiB binary fanned out the same way.
var mixedCycle = []mixedOp{
	opCast, opQuery, opCast, opPublish, opCast, opCast, opQuery, opCast,
	opPublish, opCast, opCast, opQuery, opCast, opLarge, opCast, opCast,
	opQuery, opCast, opPublish, opCast,
}

type mixedOp uint8

const (
	opCast mixedOp = iota
	opQuery
	opPublish
	opLarge
)

func mixed() Workload {
	return Workload{
		Name: "mixed",
		Doc: fmt.Sprintf("a realistic blend per %d operations: 12 casts of 8 integers (64 B) into 4 agents, 4 state queries, "+
			"3 bus publishes of a 1 KiB map and 1 of a 64 KiB binary, each fanned out to the 4 agents", len(mixedCycle)),
		Op:      "one operation of the blend",
		Toggles: everyToggle(),
		Metrics: []stats.Metric{metricBytesCopied, metricPoolReuse, metricCacheHit, metricRetries},
		MinOps:  50 * len(mixedCycle),
		New:     newMixed,
	}
}

// mixedCastTypes are the signal types the mixed workload casts, in turn.
var mixedCastTypes = []string{"counter.inc", "order.created", "order.paid", "counter.add", "user.profile.updated", "work.item"}

// mixedCastSize is the default payload of a cast.
const mixedCastSize = 64

type mixedInstance struct {
	fl          *fleet
	casts       []*signal.Signal
	small, big  *signal.Signal
	i           int
	lastVersion uint64
}

func newMixed(f features.Set) (Instance, error) {
	fl, err := newFleet(f, 4)
	if err != nil {
		return nil, err
	}
	if err := fl.withBus(f, "data.**"); err != nil {
		fl.Close()
		return nil, err
	}
	m := &mixedInstance{fl: fl}
	if err := m.SetPayloadSize(mixedCastSize); err != nil {
		fl.Close()
		return nil, err
	}
	r := newRand(5)
	if m.small, err = signal.New("data.doc.small", "/perfbench/mixed", termData(r, 1<<10)); err != nil {
		fl.Close()
		return nil, err
	}
	if m.big, err = signal.New("data.doc.large", "/perfbench/mixed", binData(r, 64<<10)); err != nil {
		fl.Close()
		return nil, err
	}
	return m, nil
}

func (m *mixedInstance) Run(ctx context.Context, n int) (map[string]float64, error) {
	before := m.fl.totals()
	retries := 0
	for k := 0; k < n; k++ {
		if k > 0 && k%flushEvery == 0 {
			if err := m.fl.barrier(ctx); err != nil {
				return nil, err
			}
		}
		i := m.i
		m.i++
		a := m.fl.agents[i%len(m.fl.agents)]
		switch mixedCycle[i%len(mixedCycle)] {
		case opCast:
			r, err := cast(ctx, a, m.casts[i%len(m.casts)])
			if err != nil {
				return nil, err
			}
			retries += r
		case opQuery:
			snap, err := a.State(ctx)
			if err != nil {
				return nil, err
			}
			m.lastVersion = snap.Version()
		case opPublish:
			if _, err := m.fl.bus.Publish(m.small); err != nil {
				return nil, err
			}
		case opLarge:
			if _, err := m.fl.bus.Publish(m.big); err != nil {
				return nil, err
			}
		}
	}
	if err := m.fl.barrier(ctx); err != nil {
		return nil, err
	}
	out := m.fl.metrics(before, m.fl.totals(), n)
	out[metricRetries.Name] = float64(retries) / float64(n)
	return out, nil
}

// SetPayloadSize sets the payload of the casts (64 B by default), 12 of
// every 20 operations: a list of bytes/8 integers (readings, 8 B each) and
// the remaining bytes as a small binary. A BEAM send copies such a term
// whole (a single large binary it would share), so without ZeroCopy each
// cast's copy into its agent's mailbox grows with the size; with it the
// payload is shared. The publishes keep their sizes: the bus log retains
// what is published (up to its bound), and a larger publish would grow the
// heap by that much, not only the cost of an operation.
func (m *mixedInstance) SetPayloadSize(bytes int) error {
	if bytes < 0 || bytes > MaxPayload {
		return fmt.Errorf("mixed: payload size %d out of range (0 to %d bytes)", bytes, MaxPayload)
	}
	// One payload, shared by the six signals (they never change it). The
	// readings stay below 256, values Go boxes without allocating, so a
	// resize to 16 MiB costs the list, not two million small objects.
	readings := make([]any, bytes/8)
	for i := range readings {
		readings[i] = int64(i % 256)
	}
	data := map[string]any{"readings": readings}
	if tail := bytes % 8; tail > 0 {
		data["tail"] = payload(newRand(5), tail)
	}
	casts := make([]*signal.Signal, 0, len(mixedCastTypes))
	for _, t := range mixedCastTypes {
		s, err := signal.New(t, "/perfbench/mixed", data)
		if err != nil {
			return err
		}
		casts = append(casts, s)
	}
	m.casts = casts
	return nil
}

func (m *mixedInstance) Close() error { return m.fl.Close() }
