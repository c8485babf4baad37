package load

import (
	"encoding/binary"
	"time"

	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/runtime/agent"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/workloads"
)

// Kind is the kind of a measured operation.
type Kind string

// Operation kinds. A publish is measured per delivery: one per subscribed
// agent.
const (
	KindCast    Kind = "cast"
	KindPublish Kind = "publish"
	KindQuery   Kind = "query"
)

// kinds lists them in report order; the index is the header's kind byte − 1.
var kinds = []Kind{KindCast, KindPublish, KindQuery}

const (
	kCast    = 1
	kPublish = 2
	kQuery   = 3
	kPrime   = 0x7f // warm-up signals sent before the clock starts; never measured

	// headerSize is the measurement header at the start of every payload
	// the generator builds: due time (int64 ns from the run's start, little
	// endian), kind byte, and a 3-byte magic. The rest of the payload is
	// filler. The header travels inside the signal, so it survives the
	// copy the runtime makes with ZeroCopy off.
	headerSize = 16
	// payloadKey is where the payload binary sits in the signal's data.
	payloadKey = "payload"
)

var magic = [3]byte{'p', 'b', 'l'}

// putHeader writes the header into the first headerSize bytes of b.
func putHeader(b []byte, due int64, kind byte) {
	binary.LittleEndian.PutUint64(b[0:8], uint64(due))
	b[8] = kind
	copy(b[9:12], magic[:])
}

// readHeader decodes a payload's header; ok is false for a payload the
// generator did not build.
func readHeader(b []byte) (due int64, kind byte, ok bool) {
	if len(b) < headerSize || b[9] != magic[0] || b[10] != magic[1] || b[11] != magic[2] {
		return 0, 0, false
	}
	return int64(binary.LittleEndian.Uint64(b[0:8])), b[8], true
}

// recorder measures the signals one agent processes. Its methods run on
// that agent's goroutine only (inside actions), so it needs no locks; the
// load driver reads it after agent.Stop has returned.
//
// How it sees a signal: every action of the load agent is wrapped. The
// first wrapped action that runs for a new signal (a different *Signal than
// the one in progress) opens it: that instant is the service-time start —
// the agent's router lookup and instruction set-up for the first binding
// come just before it and are not included. Every wrapped action stamps its
// end; when the next signal opens (or at flush, after Stop), the previous
// one closes with done = the end of its last action, after any enqueued
// instructions and the merges of all but its last action. The recorder
// holds the in-progress *Signal, so the GC cannot recycle its address for a
// later signal while the comparison relies on it.
type recorder struct {
	clk   *openloop.Clock
	stall Stall // agent 0 only

	cur        *signal.Signal
	curKind    byte
	curMeas    bool
	curFailed  bool
	curDue     int64
	curBegin   int64
	curEnd     int64
	seen       int64 // measured signals opened
	stalled    bool
	primed     int64 // warm-up signals seen
	unmeasured int64 // signals without a header: would be a bug in the driver
	lastDone   int64

	delivered [3]int64 // per kind: the signal's actions ran
	failed    [3]int64 // of those, commands in which an action returned an error
	response  [3]*openloop.Latency
	service   [3]*openloop.Latency
}

// newRecorder allocates the histograms of the given kinds up front: a
// histogram is about 250 KB, and allocating it during the run would be
// the harness's allocation, able to trigger a GC the runtime did not cause.
func newRecorder(clk *openloop.Clock, stall Stall, ks ...byte) *recorder {
	r := &recorder{clk: clk, stall: stall}
	for _, k := range ks {
		r.response[k-1], r.service[k-1] = openloop.NewLatency(), openloop.NewLatency()
	}
	return r
}

func (r *recorder) open(sig *signal.Signal) {
	r.cur, r.curFailed, r.curMeas = sig, false, false
	p, _ := sig.Data()[payloadKey].([]byte)
	due, kind, ok := readHeader(p)
	switch {
	case !ok:
		r.unmeasured++
		return
	case kind == kPrime:
		r.primed++
		return
	case kind < kCast || kind > kQuery:
		r.unmeasured++
		return
	}
	r.curMeas, r.curKind, r.curDue = true, kind, due
	r.curBegin = r.clk.Now()
	r.curEnd = r.curBegin
	r.seen++
	if r.stall.For > 0 && !r.stalled && r.seen == r.stall.At {
		r.stalled = true
		time.Sleep(r.stall.For)
	}
}

// close records the signal in progress, if any.
func (r *recorder) close() {
	if r.cur == nil || !r.curMeas {
		return
	}
	k := r.curKind - 1
	r.delivered[k]++
	if r.curFailed {
		r.failed[k]++
	}
	if r.response[k] == nil { // a kind not allocated up front
		r.response[k], r.service[k] = openloop.NewLatency(), openloop.NewLatency()
	}
	r.response[k].Record(r.curEnd - r.curDue)
	r.service[k].Record(r.curEnd - r.curBegin)
	r.lastDone = max(r.lastDone, r.curEnd)
	r.curMeas = false
}

// flush closes the last signal; call it after the agent has stopped.
func (r *recorder) flush() {
	r.close()
	r.cur = nil
}

func (r *recorder) wrap(a agent.Action) agent.Action {
	return func(in *agent.Instruction, st agent.Reader, out *agent.Result) error {
		if in.Signal != r.cur {
			r.close()
			r.open(in.Signal)
		}
		err := a(in, st, out)
		if r.curMeas {
			r.curEnd = r.clk.Now()
			if err != nil {
				r.curFailed = true
			}
		}
		return err
	}
}

// loadActions are the workloads' agent actions, each wrapped to record
// service time: the load agents do the same work the workloads measure.
func loadActions(r *recorder) map[string]agent.Action {
	acts := workloads.AgentActions()
	for k, a := range acts {
		acts[k] = r.wrap(a)
	}
	return acts
}

func initialState(id string) map[string]any {
	return map[string]any{
		"count": 0, "bytes": 0, "orders": 0, "name": id,
		"tags": []string{"load", "perfbench"}, "limits": map[string]any{"max": 100, "min": 0},
	}
}
