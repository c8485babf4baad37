package signal

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// wire is the CloudEvents JSON event format. Binary payloads travel as
// data_base64, JSON payloads inline as data, as the spec prescribes.
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
		if s.dataContentType == "application/json" && json.Valid(s.data) {
			w.Data = s.data
		} else {
			w.DataBase64 = base64.StdEncoding.EncodeToString(s.data)
		}
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
	var data []byte
	switch {
	case w.DataBase64 != "":
		d, err := base64.StdEncoding.DecodeString(w.DataBase64)
		if err != nil {
			return fmt.Errorf("signal: decode data_base64: %w", err)
		}
		data = d
	case len(w.Data) > 0:
		data = []byte(w.Data)
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
