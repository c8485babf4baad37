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
type instructions struct {
	pooled bool
	shared bool
	pool   sync.Pool
	gets   atomic.Uint64 // instructions handed out
	news   atomic.Uint64 // of which freshly allocated
}

func (p *instructions) get() *Instruction {
	p.gets.Add(1)
	if p.pooled {
		if in, ok := p.pool.Get().(*Instruction); ok {
			return in
		}
	}
	p.news.Add(1)
	if p.shared {
		return &Instruction{}
	}
	return &Instruction{Params: Values{make(map[string]any, 4)}, Context: Values{make(map[string]any, 4)}}
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
