// Package signal models a jido_signal Signal: a CloudEvents 1.0 envelope that
// carries an event between agents.
//
// A Signal is immutable once built: its fields are unexported and reached
// through accessors, and its data (a map of values, see Data) is the
// signal's own copy, which holders must not modify. That is what lets the
// ZeroCopy optimization hand one *Signal to many receivers; with ZeroCopy
// off the runtime calls MessageCopy on every local delivery, copying the
// signal the way the BEAM copies a message into a process heap: the term
// (maps, lists, small binaries) is copied, binaries over 64 bytes are shared.
package signal

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SpecVersion is the CloudEvents version jido_signal emits.
const SpecVersion = "1.0.2"

// MaxDataSize bounds a payload: the bytes of the numbers (8 each), strings
// and binaries in its data. Jido has no hard limit, but a runtime that accepts unbounded
// input from callers is not one anybody would run.
const MaxDataSize = 16 << 20

// Errors returned by New and the JSON decoder; test with errors.Is.
var (
	ErrInvalidType     = errors.New("signal: invalid type")
	ErrEmptySource     = errors.New("signal: empty source")
	ErrPayloadTooLarge = errors.New("signal: payload too large")
	ErrInvalidSpec     = errors.New("signal: invalid specversion")
)

// Signal is one CloudEvents 1.0 event. Build it with New; read it through the
// accessors. The map returned by Data, and everything in it, is shared and
// must not be modified.
type Signal struct {
	id              string
	source          string
	typ             string
	subject         string
	time            time.Time
	dataContentType string
	dataSchema      string
	data            map[string]any
	dataSize        int // deep size of data, from New
	// Bytes of its binaries (all, and those a message copy copies) and of
	// the strings a message copy copies. At most MaxDataSize each: int32
	// keeps Signal in the allocation size class it had with two ints.
	bins, smallBins, smallStrs int32
	extensions                 map[string]string
}

// Option sets an optional attribute in New.
type Option func(*Signal)

// WithSubject sets the CloudEvents subject.
func WithSubject(s string) Option { return func(sig *Signal) { sig.subject = s } }

// WithTime sets the event time (default: time.Now at construction).
func WithTime(t time.Time) Option { return func(sig *Signal) { sig.time = t } }

// WithContentType sets datacontenttype (default "application/json" when
// there is data).
func WithContentType(ct string) Option { return func(sig *Signal) { sig.dataContentType = ct } }

// WithSchema sets dataschema.
func WithSchema(s string) Option { return func(sig *Signal) { sig.dataSchema = s } }

// WithExtension sets one CloudEvents extension attribute.
func WithExtension(key, value string) Option {
	return func(sig *Signal) {
		if sig.extensions == nil {
			sig.extensions = make(map[string]string)
		}
		sig.extensions[key] = value
	}
}

// WithID overrides the generated UUIDv7 id (used by decoders and tests).
func WithID(id string) Option { return func(sig *Signal) { sig.id = id } }

// New validates its input and returns a Signal with a fresh UUIDv7 id.
// The signal keeps its own copy of data's maps and lists, so the caller may
// reuse them; binaries ([]byte) are taken over, not copied, and the caller
// must not modify them afterwards. Values must be of the kinds Data lists.
func New(typ, source string, data map[string]any, opts ...Option) (*Signal, error) {
	if err := ValidateType(typ); err != nil {
		return nil, err
	}
	if source == "" {
		return nil, ErrEmptySource
	}
	own, size, err := ownData(data)
	if err != nil {
		return nil, err
	}
	if size.payload > MaxDataSize {
		return nil, fmt.Errorf("%w: %d bytes of numbers, strings and binaries (limit %d)", ErrPayloadTooLarge, size.payload, MaxDataSize)
	}
	s := &Signal{source: source, typ: typ, data: own, dataSize: size.deep, bins: int32(size.bins), smallBins: int32(size.smallBins), smallStrs: int32(size.smallStrs)}
	for _, o := range opts {
		o(s)
	}
	if s.id == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("signal: generate id: %w", err)
		}
		s.id = id.String()
	}
	if s.time.IsZero() {
		s.time = time.Now().UTC()
	}
	if s.dataContentType == "" && len(own) > 0 {
		s.dataContentType = "application/json"
	}
	return s, nil
}

// ValidateType checks a signal type: dot-separated, non-empty segments of
// letters, digits, '_' and '-'. Wildcards belong to route patterns, not types.
func ValidateType(typ string) error {
	if typ == "" {
		return fmt.Errorf("%w: empty", ErrInvalidType)
	}
	start := 0
	for i := 0; i <= len(typ); i++ {
		if i < len(typ) && typ[i] != '.' {
			c := typ[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return fmt.Errorf("%w: %q has character %q (allowed: letters, digits, '_', '-', '.')", ErrInvalidType, typ, c)
			}
			continue
		}
		if i == start {
			return fmt.Errorf("%w: %q has an empty segment", ErrInvalidType, typ)
		}
		start = i + 1
	}
	return nil
}

// ID is the UUIDv7 identifier.
func (s *Signal) ID() string { return s.id }

// Source identifies the producer.
func (s *Signal) Source() string { return s.source }

// Type is the dot-separated event type the router matches on.
func (s *Signal) Type() string { return s.typ }

// Subject is the optional CloudEvents subject.
func (s *Signal) Subject() string { return s.subject }

// Time is when the event happened.
func (s *Signal) Time() time.Time { return s.time }

// DataContentType is the media type of Data.
func (s *Signal) DataContentType() string { return s.dataContentType }

// DataSchema is the optional schema URI of Data.
func (s *Signal) DataSchema() string { return s.dataSchema }

// SpecVersion is always "1.0.2".
func (s *Signal) SpecVersion() string { return SpecVersion }

// Data is the payload, nil when there is none: a map of values, as a Jido
// signal's data is an Elixir map. The values it may hold, and what each
// stands for:
//
//	nil               nil
//	bool              true / false
//	int64, float64    integer and float (New accepts int and stores int64)
//	string            a UTF-8 binary (String.t)
//	[]byte            any other binary
//	[]any             a list
//	map[string]any    a map with string keys
//
// Maps and lists nest at most MaxDepth deep; the key "$base64" is reserved
// for the JSON form. The map is shared with every holder of the signal: do
// not modify it or anything in it.
func (s *Signal) Data() map[string]any { return s.data }

// DataSize is the deep size of Data in bytes (strings and binaries, plus an
// estimate of the maps' and lists' own memory).
func (s *Signal) DataSize() int { return s.dataSize }

// Extension returns one extension attribute.
func (s *Signal) Extension(key string) (string, bool) {
	v, ok := s.extensions[key]
	return v, ok
}

// Extensions returns a copy of the extension attributes.
func (s *Signal) Extensions() map[string]string {
	if s.extensions == nil {
		return nil
	}
	m := make(map[string]string, len(s.extensions))
	for k, v := range s.extensions {
		m[k] = v
	}
	return m
}

// Size approximates the bytes a deep copy of s allocates.
func (s *Signal) Size() int { return s.attrSize() + s.dataSize }

func (s *Signal) attrSize() int {
	n := len(s.id) + len(s.source) + len(s.typ) + len(s.subject) + len(s.dataContentType) + len(s.dataSchema)
	for k, v := range s.extensions {
		n += len(k) + len(v)
	}
	return n
}

// Clone returns a deep copy: new strings, new maps, lists and binaries.
func (s *Signal) Clone() *Signal {
	c, _ := s.copySignal(false)
	return c
}

// MessageCopy returns the copy a local send makes on the BEAM, and the bytes
// it allocated: the attributes and the data's maps, lists and binaries of up
// to RefcThreshold bytes are copied; larger binaries are shared with s, as
// reference-counted binaries are. The runtime makes it on every local
// delivery when ZeroCopy is off.
func (s *Signal) MessageCopy() (*Signal, int) { return s.copySignal(true) }

func (s *Signal) copySignal(refc bool) (*Signal, int) {
	c := &Signal{
		id:              strings.Clone(s.id),
		source:          strings.Clone(s.source),
		typ:             strings.Clone(s.typ),
		subject:         strings.Clone(s.subject),
		time:            s.time,
		dataContentType: strings.Clone(s.dataContentType),
		dataSchema:      strings.Clone(s.dataSchema),
		dataSize:        s.dataSize,
		bins:            s.bins,
		smallBins:       s.smallBins,
		smallStrs:       s.smallStrs,
	}
	n := s.attrSize()
	if s.data != nil {
		blockSize := int(s.bins)
		if refc {
			blockSize = int(s.smallBins)
		}
		arena := make([]byte, blockSize)
		d, dn := copyValue(s.data, refc, &arena)
		c.data, n = d.(map[string]any), n+dn
	}
	if s.extensions != nil {
		c.extensions = make(map[string]string, len(s.extensions))
		for k, v := range s.extensions {
			c.extensions[strings.Clone(k)] = strings.Clone(v)
		}
	}
	return c, n
}

// Equal reports whether two signals carry the same attributes and payload.
func (s *Signal) Equal(o *Signal) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil {
		return false
	}
	if s.id != o.id || s.source != o.source || s.typ != o.typ || s.subject != o.subject ||
		!s.time.Equal(o.time) || s.dataContentType != o.dataContentType || s.dataSchema != o.dataSchema ||
		!maps.EqualFunc(s.data, o.data, equalValue) {
		return false
	}
	return maps.Equal(s.extensions, o.extensions)
}
