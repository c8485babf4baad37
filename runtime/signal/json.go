package signal

import (
	"encoding/json"
	"fmt"
	"time"
)

// wire is the CloudEvents JSON event format. Data, a map, travels inline as
// a JSON object in "data"; the binaries inside it as {"$base64": "…"}
// (standard base64), integers as JSON integers, floats always with a '.' or
// an exponent, so that every value comes back with its kind. data_base64 is
// not accepted: this model's data is always a map.
type wire struct {
	SpecVersion     string            `json:"specversion"`
	ID              string            `json:"id"`
	Source          string            `json:"source"`
	Type            string            `json:"type"`
	Subject         string            `json:"subject,omitempty"`
	Time            string            `json:"time,omitempty"`
	DataContentType string            `json:"datacontenttype,omitempty"`
	DataSchema      string            `json:"dataschema,omitempty"`
	Data            json.RawMessage   `json:"data,omitempty"`
	DataBase64      string            `json:"data_base64,omitempty"`
	Extensions      map[string]string `json:"extensions,omitempty"`
}

// MarshalJSON encodes s in the CloudEvents JSON format.
func (s *Signal) MarshalJSON() ([]byte, error) {
	w := wire{
		SpecVersion: SpecVersion, ID: s.id, Source: s.source, Type: s.typ, Subject: s.subject,
		DataContentType: s.dataContentType, DataSchema: s.dataSchema, Extensions: s.extensions,
	}
	if !s.time.IsZero() {
		w.Time = s.time.Format(time.RFC3339Nano)
	}
	if len(s.data) > 0 {
		d, err := appendJSON(nil, s.data)
		if err != nil {
			return nil, fmt.Errorf("signal %s: encode data: %w", s.id, err)
		}
		w.Data = d
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the CloudEvents JSON format and validates it as New
// does.
func (s *Signal) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("signal: decode: %w", err)
	}
	if w.SpecVersion != SpecVersion && w.SpecVersion != "1.0" {
		return fmt.Errorf("%w: %q (want %q)", ErrInvalidSpec, w.SpecVersion, SpecVersion)
	}
	if w.DataBase64 != "" {
		return fmt.Errorf("%w: data_base64 is not supported: data must be a JSON object (binaries inside it as {%q: …})", ErrInvalidData, binaryKey)
	}
	var data map[string]any
	if len(w.Data) > 0 {
		d, err := decodeData(w.Data)
		if err != nil {
			return err
		}
		data = d
	}
	opts := []Option{WithID(w.ID), WithSubject(w.Subject), WithContentType(w.DataContentType), WithSchema(w.DataSchema)}
	if w.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Time)
		if err != nil {
			return fmt.Errorf("signal: decode time: %w", err)
		}
		opts = append(opts, WithTime(t))
	}
	for k, v := range w.Extensions {
		opts = append(opts, WithExtension(k, v))
	}
	if w.ID == "" {
		return fmt.Errorf("signal: decode: missing id")
	}
	n, err := New(w.Type, w.Source, data, opts...)
	if err != nil {
		return err
	}
	*s = *n
	return nil
}
