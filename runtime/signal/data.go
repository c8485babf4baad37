package signal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Limits on data.
const (
	// MaxDepth bounds nesting (and so rejects a map that contains itself).
	MaxDepth = 32
	// RefcThreshold is the size above which the BEAM keeps a binary off
	// the process heap, reference-counted: a send copies binaries up to
	// this size and shares larger ones.
	RefcThreshold = 64
	// binaryKey marks a binary in the JSON form (see MarshalJSON).
	binaryKey = "$base64"
)

// ErrInvalidData is returned for data that holds a value of another kind,
// nests too deep or uses the reserved key.
var ErrInvalidData = errors.New("signal: invalid data")

const validKinds = "nil, bool, int, int64, float64, string, []byte, []any, map[string]any"

// Approximate heap costs of the containers, for byte counts: a map's
// header and an entry, a slice header and an interface word pair.
const (
	mapHeader  = 48
	mapEntry   = 32
	listHeader = 24
	listElem   = 16
)

// size is what a value weighs: deep counts the maps' and lists' own memory
// too (an estimate), payload only the bytes of numbers (8 each), strings and
// binaries, which MaxDataSize bounds; bins and smallBins are the bytes of its binaries, all
// and those of at most RefcThreshold, which a copy lays out in one block;
// smallStrs the bytes of its strings of at most RefcThreshold, which a
// message copy copies (see MessageCopies).
type size struct{ deep, payload, bins, smallBins, smallStrs int }

func (a size) plus(b size) size {
	return size{a.deep + b.deep, a.payload + b.payload, a.bins + b.bins, a.smallBins + b.smallBins, a.smallStrs + b.smallStrs}
}

// ownData validates m and returns the signal's own copy of its maps and
// lists (binaries are taken over, not copied), with int widened to int64,
// and its size.
func ownData(m map[string]any) (map[string]any, size, error) {
	if len(m) == 0 {
		return nil, size{}, nil
	}
	v, n, err := ownValue(m, 0)
	if err != nil {
		return nil, size{}, err
	}
	return v.(map[string]any), n, nil
}

// dataError says where in the data a value is invalid; the path is built
// as the error unwinds, so that valid data costs no path strings.
type dataError struct{ path, msg string }

func (e *dataError) Error() string {
	return fmt.Sprintf("%v: data%s %s", ErrInvalidData, e.path, e.msg)
}
func (e *dataError) Unwrap() error { return ErrInvalidData }

func within(seg string, err error) error {
	if d, ok := err.(*dataError); ok {
		d.path = seg + d.path
	}
	return err
}

func ownValue(v any, depth int) (any, size, error) {
	if depth > MaxDepth {
		return nil, size{}, &dataError{msg: fmt.Sprintf("nests deeper than %d", MaxDepth)}
	}
	switch x := v.(type) {
	case nil, bool:
		return x, size{deep: 8}, nil
	case int64:
		return x, size{deep: 8, payload: 8}, nil
	case int:
		return int64(x), size{deep: 8, payload: 8}, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, size{}, &dataError{msg: fmt.Sprintf("is %v (floats must be finite)", x)}
		}
		return x, size{deep: 8, payload: 8}, nil
	case string:
		n := size{deep: len(x), payload: len(x)}
		if len(x) <= RefcThreshold {
			n.smallStrs = len(x)
		}
		return x, n, nil
	case []byte:
		n := size{deep: len(x), payload: len(x), bins: len(x)}
		if len(x) <= RefcThreshold {
			n.smallBins = len(x)
		}
		return x, n, nil
	case []any:
		out, n := make([]any, len(x)), size{deep: listHeader}
		for i, e := range x {
			c, cn, err := ownValue(e, depth+1)
			if err != nil {
				return nil, size{}, within("["+strconv.Itoa(i)+"]", err)
			}
			out[i], n = c, n.plus(cn).plus(size{deep: listElem})
		}
		return out, n, nil
	case map[string]any:
		if _, ok := x[binaryKey]; ok {
			return nil, size{}, &dataError{msg: fmt.Sprintf("uses the reserved key %q", binaryKey)}
		}
		out, n := make(map[string]any, len(x)), size{deep: mapHeader}
		for k, e := range x {
			c, cn, err := ownValue(e, depth+1)
			if err != nil {
				return nil, size{}, within("."+k, err)
			}
			out[k], n = c, n.plus(cn).plus(size{deep: mapEntry + len(k)})
		}
		return out, n, nil
	}
	return nil, size{}, &dataError{msg: fmt.Sprintf("is a %T (valid: %s)", v, validKinds)}
}

// copyValue copies a validated value. With refc it copies as a BEAM send
// does: maps, lists and binaries up to RefcThreshold are copied, larger
// binaries are shared. The binaries it copies are carved out of arena,
// one block sized beforehand, as a send copies a term into one block of the
// receiver's heap. It returns the bytes the copy allocated.
func copyValue(v any, refc bool, arena *[]byte) (any, int) {
	switch x := v.(type) {
	case []byte:
		if refc && len(x) > RefcThreshold {
			return x, 0
		}
		n := len(x)
		if len(*arena) < n { // not sized for this value: a block of its own
			return bytes.Clone(x), n
		}
		b := (*arena)[:n:n]
		*arena = (*arena)[n:]
		copy(b, x)
		return b, n
	case string:
		// Go strings are immutable and the BEAM shares large binaries;
		// copying small ones keeps the byte count honest for both.
		if refc && len(x) > RefcThreshold {
			return x, 0
		}
		return strings.Clone(x), len(x)
	case []any:
		out, size := make([]any, len(x)), listHeader
		for i, e := range x {
			c, n := copyValue(e, refc, arena)
			out[i], size = c, size+listElem+n
		}
		return out, size
	case map[string]any:
		out, size := make(map[string]any, len(x)), mapHeader
		for k, e := range x {
			c, n := copyValue(e, refc, arena)
			out[k], size = c, size+mapEntry+len(k)+n
		}
		return out, size
	}
	return v, 8
}

// equalValue compares two validated values.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, equalValue)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && maps.EqualFunc(x, y, equalValue)
	}
	return a == b
}

// appendJSON writes a validated value as JSON. Binaries become
// {"$base64": "<standard base64>"}; floats always carry a '.' or an
// exponent, so that 2.0 comes back as a float, not the integer 2. Map keys
// are written sorted, so equal data gives equal bytes.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return append(b, s...), nil
	case string:
		q, err := json.Marshal(x)
		return append(b, q...), err
	case []byte:
		b = append(b, `{"`+binaryKey+`":"`...)
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, `"}`...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			q, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			b = append(append(b, q...), ':')
			if b, err = appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("%w: a %T (valid: %s)", ErrInvalidData, v, validKinds)
}

// decodeData reads the JSON form back: integers (no '.' or exponent)
// become int64, other numbers float64, {"$base64": s} a binary.
func decodeData(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("signal: decode data: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: data must be a JSON object, got %T (this model carries data as a map, as Jido does)", ErrInvalidData, v)
	}
	out, err := fromJSON(v)
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

func fromJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if !strings.ContainsAny(x.String(), ".eE") {
			i, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("%w: integer %s out of int64 range", ErrInvalidData, x)
			}
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%w: number %s: %w", ErrInvalidData, x, err)
		}
		return f, nil
	case []any:
		for i, e := range x {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		return x, nil
	case map[string]any:
		if s, ok := x[binaryKey].(string); ok && len(x) == 1 {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("%w: binary: %w", ErrInvalidData, err)
			}
			return b, nil
		}
		for k, e := range x {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	}
	return v, nil
}
