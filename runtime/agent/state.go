package agent

// Snapshot is a read-only view of an agent's state at one point: after
// Version commands. With FastPath off each query returns a private deep copy;
// with FastPath on every reader shares the snapshot the server published, so
// Snapshot offers no way to change it.
type Snapshot struct {
	m       map[string]any
	version uint64
}

// Get returns the value stored under key. Values that are maps or slices are
// shared with other readers: treat them as read-only, or use Map.
func (s Snapshot) Get(key string) (any, bool) {
	v, ok := s.m[key]
	return v, ok
}

// Len is the number of top-level keys.
func (s Snapshot) Len() int { return len(s.m) }

// Version counts the commands (signals and enqueued instructions) the
// server had applied when the snapshot was taken.
func (s Snapshot) Version() uint64 { return s.version }

// Map returns a deep copy the caller owns.
func (s Snapshot) Map() map[string]any { return deepCopyMap(s.m) }

// deepCopy copies the value kinds state may hold: maps, slices and byte
// slices are copied (a Values as the map it views); scalars and strings are
// immutable already.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case Values:
		return deepCopyMap(x.m)
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	case []byte:
		return append([]byte(nil), x...)
	case []string:
		return append([]string(nil), x...)
	default:
		return v
	}
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = deepCopy(v)
	}
	return c
}

// merge applies one update the way Jido deep-merges an action result into
// agent state: nested maps merge key by key, anything else replaces. What
// it stores is a copy: an update may hold maps the action does not own
// (an instruction's Params or Context, pooled and reused with Pooling on).
func merge(dst map[string]any, key string, v any) {
	if p, ok := v.(Values); ok {
		v = p.m // merged as the map it views, and copied as any map is
	}
	if nv, ok := v.(map[string]any); ok {
		if old, ok := dst[key].(map[string]any); ok {
			for k, e := range nv {
				merge(old, k, e)
			}
			return
		}
		dst[key] = deepCopyMap(nv)
		return
	}
	dst[key] = deepCopy(v)
}
