package agent

import "iter"

// Values is a read-only map of values: an instruction's Params and Context.
// It offers no way to change the map it views, because with ZeroCopy on
// that map is not the instruction's own: Params is the route's, shared by
// every instruction the route makes, and Context is one per agent. Values
// that are maps or slices are shared the same way: treat them as read-only,
// or take a copy with Map.
type Values struct{ m map[string]any }

// Get returns the value stored under key.
func (v Values) Get(key string) (any, bool) {
	x, ok := v.m[key]
	return x, ok
}

// Len is the number of keys.
func (v Values) Len() int { return len(v.m) }

// All iterates over the keys and values, in no particular order.
func (v Values) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for k, x := range v.m {
			if !yield(k, x) {
				return
			}
		}
	}
}

// Map returns a deep copy the caller owns.
func (v Values) Map() map[string]any { return deepCopyMap(v.m) }

// fill sets in's Params and Context. Params views params itself when share
// is set, else a copy in the instruction's own map. Context is the agent's
// shared one with ZeroCopy on, else the instruction's own, holding the
// agent's id. An own map is reused when the instruction has one.
func (s *Server) fill(in *Instruction, params map[string]any, share bool) {
	if share {
		in.Params, in.sharedParams = Values{params}, true
	} else {
		own := in.Params.m
		if own == nil || in.sharedParams {
			own = make(map[string]any, 4)
		}
		for k, v := range params {
			own[k] = v
		}
		in.Params, in.sharedParams = Values{own}, false
	}
	if s.feat.ZeroCopy {
		in.Context, in.sharedContext = s.context, true
		return
	}
	own := in.Context.m
	if own == nil || in.sharedContext {
		own = make(map[string]any, 4)
	}
	own["agent_id"] = s.idAny
	in.Context, in.sharedContext = Values{own}, false
}
