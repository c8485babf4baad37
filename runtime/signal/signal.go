// Package signal models a jido_signal Signal: a CloudEvents 1.0 envelope that
// carries an event between agents.
//
// A Signal is immutable once built: its fields are unexported and reached
// through accessors, so a receiver cannot change what another receiver sees.
// That is what lets the ZeroCopy optimization hand one *Signal to many
// receivers; with ZeroCopy off the runtime calls Clone on every local
// delivery, the way the BEAM copies a message into each process heap.
package signal

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SpecVersion is the CloudEvents version jido_signal emits.
const SpecVersion = "1.0.2"

// MaxDataSize bounds a payload. Jido has no hard limit, but a runtime that
// accepts unbounded input from callers is not one anybody would run.
const MaxDataSize = 16 << 20

// Errors returned by New and the JSON decoder; test with errors.Is.
var (
	ErrInvalidType     = errors.New("signal: invalid type")
	ErrEmptySource     = errors.New("signal: empty source")
	ErrPayloadTooLarge = errors.New("signal: payload too large")
	ErrInvalidSpec     = errors.New("signal: invalid specversion")
)

// Signal is one CloudEvents 1.0 event. Build it with New; read it through the
// accessors. The byte slice returned by Data is shared and must not be
// modified.
type Signal struct {
	id              string
	source          string
	typ             string
	subject         string
	time            time.Time
	dataContentType string
	dataSchema      string
	data            []byte
	extensions      map[string]string
}

// Option sets an optional attribute in New.
type Option func(*Signal)

// WithSubject sets the CloudEvents subject.
func WithSubject(s string) Option { return func(sig *Signal) { sig.subject = s } }

// WithTime sets the event time (default: time.Now at construction).
func WithTime(t time.Time) Option { return func(sig *Signal) { sig.time = t } }

// WithContentType sets datacontenttype (default "application/octet-stream"
// when there is data).
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
// data is taken over by the signal: the caller must not modify it afterwards.
func New(typ, source string, data []byte, opts ...Option) (*Signal, error) {
	if err := ValidateType(typ); err != nil {
		return nil, err
	}
	if source == "" {
		return nil, ErrEmptySource
	}
	if len(data) > MaxDataSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrPayloadTooLarge, len(data), MaxDataSize)
	}
	s := &Signal{source: source, typ: typ, data: data}
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
	if s.dataContentType == "" && len(data) > 0 {
		s.dataContentType = "application/octet-stream"
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

// Data is the payload. It is shared: do not modify it.
func (s *Signal) Data() []byte { return s.data }

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

// Size approximates the bytes a deep copy of s allocates; the runtime uses it
// to count bytes copied.
func (s *Signal) Size() int {
	n := len(s.id) + len(s.source) + len(s.typ) + len(s.subject) + len(s.dataContentType) + len(s.dataSchema) + len(s.data)
	for k, v := range s.extensions {
		n += len(k) + len(v)
	}
	return n
}

// Clone returns a deep copy: new strings, a new payload, new extensions. It
// is the copy a BEAM send makes, and what the runtime does on every local
// delivery when ZeroCopy is off.
func (s *Signal) Clone() *Signal {
	c := &Signal{
		id:              strings.Clone(s.id),
		source:          strings.Clone(s.source),
		typ:             strings.Clone(s.typ),
		subject:         strings.Clone(s.subject),
		time:            s.time,
		dataContentType: strings.Clone(s.dataContentType),
		dataSchema:      strings.Clone(s.dataSchema),
	}
	if s.data != nil {
		c.data = make([]byte, len(s.data))
		copy(c.data, s.data)
	}
	if s.extensions != nil {
		c.extensions = make(map[string]string, len(s.extensions))
		for k, v := range s.extensions {
			c.extensions[strings.Clone(k)] = strings.Clone(v)
		}
	}
	return c
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
		string(s.data) != string(o.data) || len(s.extensions) != len(o.extensions) {
		return false
	}
	for k, v := range s.extensions {
		if w, ok := o.extensions[k]; !ok || w != v {
			return false
		}
	}
	return true
}
