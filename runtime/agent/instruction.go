package agent

import (
	"sync"
	"sync/atomic"

	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Action is the unit of work a route points at (a Jido Action). It reads the
// instruction and current state and records its effects in out: state
// updates, and directives for the server to carry out. Returning an error
// leaves the state untouched.
type Action func(in *Instruction, state Reader, out *Result) error

// Reader reads the current state from inside an action. It is only valid
// during the call.
type Reader interface {
	Get(key string) (any, bool)
}

// Binding is what an agent's route resolves to: the action to run and the
// static params it runs with (Jido's {Action, params} instruction target).
// The server reads Params on every signal the route matches and, with
// ZeroCopy on, hands the map itself to the action as a read-only Values:
// do not modify it once the route is added.
type Binding struct {
	Action string
	Params map[string]any
}

// Instruction is one action to run, with its params and context (Jido's
// %Instruction{action, params, context}). With Pooling on it is taken from a
// pool and reset after the command, so the action must not keep it. Handing
// its Params or Context to Result.Set or SetState is safe: the state stores
// copies.
//
// Params and Context are read-only. With ZeroCopy off they view the
// instruction's own maps, filled per instruction (the route's params copied
// in, the agent's id set); with it on, Params views the route's own map and
// Context the one the agent built at Start, shared by all its instructions,
// so that nothing is copied per signal.
type Instruction struct {
	Action  string
	Signal  *signal.Signal
	Params  Values
	Context Values
	result  Result
	// Whether Params and Context view maps the instruction does not own
	// (the route's, the agent's), which the pool's reset must not clear.
	// Two bools keep the struct in its size class.
	sharedParams, sharedContext bool
}

// Result collects an action's effects.
type Result struct {
	updates    []update
	directives []Directive
}

type update struct {
	key string
	val any
}

// Set records a state update, merged into the state when the action succeeds.
func (r *Result) Set(key string, v any) { r.updates = append(r.updates, update{key, v}) }

// Directive asks the server for an effect beyond a state merge.
func (r *Result) Directive(d Directive) { r.directives = append(r.directives, d) }

func (r *Result) reset() {
	clear(r.updates)
	r.updates = r.updates[:0]
	clear(r.directives)
	r.directives = r.directives[:0]
}

// Directive is one of Emit, SetState, Enqueue, Fail.
type Directive interface{ directive() }

// Emit dispatches a signal through the agent's dispatcher.
type Emit struct {
	Signal *signal.Signal
	To     dispatch.Config
}

// SetState sets one key directly, without merging.
type SetState struct {
	Key   string
	Value any
}

// Enqueue runs another action after the current one, within the same command.
type Enqueue struct {
	Action string
	Params map[string]any
}

// Fail reports an error from a directive list (Jido's error directive).
type Fail struct{ Err error }

func (Emit) directive()     {}
func (SetState) directive() {}
func (Enqueue) directive()  {}
func (Fail) directive()     {}

// instructions makes Instructions, from a pool or fresh, and counts which.
// shared (ZeroCopy on) instructions view shared maps, so a fresh one is
// made without maps of its own.
//
// Between begin and end (a batch, with Batching on and Pooling off) fresh
// instructions are cut from one block per batch, sized by the batch, with
// room for their first update alongside, instead of one
// allocation for each and for each of those slices. Every instruction is
// still new and used once: reuse is the pool's business.
type instructions struct {
	pooled bool
	shared bool
	pool   sync.Pool
	gets   atomic.Uint64 // instructions handed out
	news   atomic.Uint64 // of which freshly allocated

	// Owned by the server goroutine.
	batch int           // instructions per block while in a batch; 0 outside
	block []instruction // the rest of the batch's current block
}

// instruction is a slot of a batch's block: an Instruction and the backing
// array of its first update (most actions record one), 128 B as an
// Instruction and that array were apart.
type instruction struct {
	Instruction
	updates [1]update
}

// begin opens a batch expected to need about n instructions. A batch of
// one signal gets no block: it would only add the block's update room to
// what a lone instruction costs.
func (p *instructions) begin(n int) {
	if !p.pooled && n > 1 {
		p.batch = n
	}
}

// end closes the batch: what is left of its block is not carried over.
func (p *instructions) end() {
	p.batch = 0
	p.block = nil
}

func (p *instructions) get() *Instruction {
	p.gets.Add(1)
	if p.pooled {
		if in, ok := p.pool.Get().(*Instruction); ok {
			return in
		}
	}
	p.news.Add(1)
	if p.batch > 0 {
		return p.cut()
	}
	if p.shared {
		return &Instruction{}
	}
	return &Instruction{Params: Values{make(map[string]any, 4)}, Context: Values{make(map[string]any, 4)}}
}

// cut takes a fresh instruction from the batch's block, as get makes one.
func (p *instructions) cut() *Instruction {
	if len(p.block) == 0 {
		p.block = make([]instruction, p.batch)
	}
	slot := &p.block[0]
	p.block = p.block[1:]
	slot.result.updates = slot.updates[:0:1]
	if !p.shared {
		slot.Params, slot.Context = Values{make(map[string]any, 4)}, Values{make(map[string]any, 4)}
	}
	return &slot.Instruction
}

func (p *instructions) put(in *Instruction) {
	if !p.pooled {
		return
	}
	in.Action = ""
	in.Signal = nil
	// Only the instruction's own maps are cleared, and kept for reuse: the
	// route's params and the agent's context outlive it.
	if in.sharedParams {
		in.Params, in.sharedParams = Values{}, false
	} else {
		clear(in.Params.m)
	}
	if in.sharedContext {
		in.Context, in.sharedContext = Values{}, false
	} else {
		clear(in.Context.m)
	}
	in.result.reset()
	p.pool.Put(in)
}
