package signal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		source  string
		data    []byte
		wantErr error
	}{
		{"ok", "user.created", "/svc", []byte("x"), nil},
		{"one segment", "ping", "/svc", nil, nil},
		{"dash and underscore", "a-b.c_d.E9", "/svc", nil, nil},
		{"empty type", "", "/svc", nil, ErrInvalidType},
		{"leading dot", ".a", "/svc", nil, ErrInvalidType},
		{"trailing dot", "a.", "/svc", nil, ErrInvalidType},
		{"double dot", "a..b", "/svc", nil, ErrInvalidType},
		{"wildcard", "a.*", "/svc", nil, ErrInvalidType},
		{"space", "a b", "/svc", nil, ErrInvalidType},
		{"empty source", "a", "", nil, ErrEmptySource},
		{"oversize", "a", "/svc", make([]byte, MaxDataSize+1), ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.typ, tt.source, tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("New(%q, %q) err = %v, want %v", tt.typ, tt.source, err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if s != nil {
					t.Fatal("signal returned with error")
				}
				return
			}
			id, perr := uuid.Parse(s.ID())
			if perr != nil || id.Version() != 7 {
				t.Fatalf("id %q is not a UUIDv7 (%v)", s.ID(), perr)
			}
			if s.SpecVersion() != "1.0.2" || s.Type() != tt.typ || s.Source() != tt.source {
				t.Fatalf("fields not kept: %+v", s)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	s, err := New("a.b", "/src", []byte("payload"), WithExtension("k", "v"), WithSubject("subj"))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	if !c.Equal(s) {
		t.Fatal("clone differs from original")
	}
	if &c.Data()[0] == &s.Data()[0] {
		t.Fatal("clone shares the payload")
	}
	c.Data()[0] = 'X' // illegal for users; here it proves the copy is separate
	if s.Data()[0] != 'p' {
		t.Fatal("writing the clone's payload changed the original")
	}
	ext := c.Extensions()
	ext["k"] = "changed"
	if v, _ := c.Extension("k"); v != "v" {
		t.Fatal("Extensions returned the internal map")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tm := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	cases := []struct {
		name string
		data []byte
		opts []Option
		want string // a fragment the encoding must contain
	}{
		{"binary", []byte{0, 1, 2, 255}, nil, `"data_base64":"AAEC/w=="`},
		{"json", []byte(`{"n":1}`), []Option{WithContentType("application/json")}, `"data":{"n":1}`},
		{"no data", nil, []Option{WithExtension("trace", "abc")}, `"extensions":{"trace":"abc"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New("order.paid", "/shop", tc.data, append(tc.opts, WithTime(tm), WithSubject("o-1"))...)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.want) || !strings.Contains(string(b), `"specversion":"1.0.2"`) {
				t.Fatalf("encoding %s lacks %s", b, tc.want)
			}
			var back Signal
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(s) {
				t.Fatalf("round trip changed the signal:\n%s\n%+v", b, back)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	for name, in := range map[string]string{
		"bad json":   `{`,
		"bad spec":   `{"specversion":"0.3","id":"1","source":"s","type":"a"}`,
		"bad type":   `{"specversion":"1.0.2","id":"1","source":"s","type":"a..b"}`,
		"no source":  `{"specversion":"1.0.2","id":"1","source":"","type":"a"}`,
		"no id":      `{"specversion":"1.0.2","source":"s","type":"a"}`,
		"bad base64": `{"specversion":"1.0.2","id":"1","source":"s","type":"a","data_base64":"!!"}`,
		"bad time":   `{"specversion":"1.0.2","id":"1","source":"s","type":"a","time":"yesterday"}`,
	} {
		t.Run(name, func(t *testing.T) {
			var s Signal
			if err := json.Unmarshal([]byte(in), &s); err == nil {
				t.Fatalf("Unmarshal(%s) accepted", in)
			}
		})
	}
}

func ExampleNew() {
	s, err := New("user.created", "/accounts", []byte(`{"name":"ada"}`), WithContentType("application/json"))
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Type(), s.SpecVersion(), string(s.Data()))
	// Output: user.created 1.0.2 {"name":"ada"}
}
