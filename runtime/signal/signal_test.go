package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewValidates(t *testing.T) {
	self := map[string]any{}
	self["me"] = self
	tests := []struct {
		name    string
		typ     string
		source  string
		data    map[string]any
		wantErr error
	}{
		{"ok", "user.created", "/svc", map[string]any{"x": "y"}, nil},
		{"every kind", "a.b", "/svc", map[string]any{"nil": nil, "b": true, "i": 1, "i64": int64(2), "f": 2.5, "s": "t",
			"bin": []byte{1}, "list": []any{int64(1), "a"}, "map": map[string]any{"k": []any{}}}, nil},
		{"one segment", "ping", "/svc", nil, nil},
		{"dash and underscore", "a-b.c_d.E9", "/svc", nil, nil},
		{"empty type", "", "/svc", nil, ErrInvalidType},
		{"leading dot", ".a", "/svc", nil, ErrInvalidType},
		{"trailing dot", "a.", "/svc", nil, ErrInvalidType},
		{"double dot", "a..b", "/svc", nil, ErrInvalidType},
		{"wildcard", "a.*", "/svc", nil, ErrInvalidType},
		{"space", "a b", "/svc", nil, ErrInvalidType},
		{"empty source", "a", "", nil, ErrEmptySource},
		{"oversize", "a", "/svc", map[string]any{"b": make([]byte, MaxDataSize+1)}, ErrPayloadTooLarge},
		{"other kind", "a", "/svc", map[string]any{"u": uint(1)}, ErrInvalidData},
		{"kind in a list", "a", "/svc", map[string]any{"l": []any{[]string{"x"}}}, ErrInvalidData},
		{"NaN", "a", "/svc", map[string]any{"f": func() float64 { z := 0.0; return z / z }()}, ErrInvalidData},
		{"cycle", "a", "/svc", self, ErrInvalidData},
		{"reserved key", "a", "/svc", map[string]any{"m": map[string]any{"$base64": "AA=="}}, ErrInvalidData},
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
				if tt.wantErr == ErrInvalidData && !strings.Contains(err.Error(), "data") {
					t.Fatalf("error does not say where: %v", err)
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

// New keeps its own maps and lists (a caller's pooled map cannot change a
// signal afterwards) and widens int to int64.
func TestNewOwnsItsTerms(t *testing.T) {
	in := map[string]any{"n": 1, "l": []any{"a"}, "m": map[string]any{"k": "v"}}
	s, err := New("a.b", "/src", in)
	if err != nil {
		t.Fatal(err)
	}
	in["n"], in["x"] = 2, 3
	in["l"].([]any)[0] = "changed"
	in["m"].(map[string]any)["k"] = "changed"
	want := map[string]any{"n": int64(1), "l": []any{"a"}, "m": map[string]any{"k": "v"}}
	if !reflect.DeepEqual(s.Data(), want) {
		t.Fatalf("data %v, want %v", s.Data(), want)
	}
}

func mustNew(t *testing.T, data map[string]any) *Signal {
	t.Helper()
	s, err := New("a.b", "/src", data, WithExtension("k", "v"), WithSubject("subj"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCloneIsDeep(t *testing.T) {
	big := bytes.Repeat([]byte("b"), 1000)
	s := mustNew(t, map[string]any{"big": big, "m": map[string]any{"k": "v"}})
	c := s.Clone()
	if !c.Equal(s) {
		t.Fatal("clone differs from original")
	}
	if &c.Data()["big"].([]byte)[0] == &big[0] {
		t.Fatal("clone shares a binary")
	}
	c.Data()["m"].(map[string]any)["k"] = "X" // illegal for users; here it proves the copy is separate
	if s.Data()["m"].(map[string]any)["k"] != "v" {
		t.Fatal("writing the clone's data changed the original")
	}
	ext := c.Extensions()
	ext["k"] = "changed"
	if v, _ := c.Extension("k"); v != "v" {
		t.Fatal("Extensions returned the internal map")
	}
}

// MessageCopy copies as a BEAM send does: the term and small binaries are
// copied, binaries over 64 bytes shared.
func TestMessageCopyLikeTheBEAM(t *testing.T) {
	small, exact, big := []byte("0123456789"), bytes.Repeat([]byte("e"), RefcThreshold), bytes.Repeat([]byte("b"), RefcThreshold+1)
	s := mustNew(t, map[string]any{"small": small, "exact": exact, "list": []any{big}, "m": map[string]any{"k": int64(1)}})
	c, n := s.MessageCopy()
	if !c.Equal(s) {
		t.Fatal("copy differs from original")
	}
	same := func(a, b []byte) bool { return &a[0] == &b[0] }
	if same(c.Data()["small"].([]byte), small) || same(c.Data()["exact"].([]byte), exact) {
		t.Error("a binary of at most 64 bytes was shared")
	}
	if !same(c.Data()["list"].([]any)[0].([]byte), big) {
		t.Error("a binary over 64 bytes was copied")
	}
	c.Data()["m"].(map[string]any)["k"] = int64(2) // illegal for users: proves the map is a copy
	if s.Data()["m"].(map[string]any)["k"] != int64(1) {
		t.Error("the copy shares a map")
	}
	// Bytes copied count the copied binaries, not the shared one.
	if _, deep := s.copySignal(false); deep-n != len(big) {
		t.Errorf("deep copy %d B, message copy %d B: differ by %d, want the shared binary's %d", deep, n, deep-n, len(big))
	}
}

func TestJSONRoundTrip(t *testing.T) {
	tm := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	cases := []struct {
		name string
		data map[string]any
		opts []Option
		want string // a fragment the encoding must contain
	}{
		{"binary", map[string]any{"b": []byte{0, 1, 2, 255}}, nil, `"data":{"b":{"$base64":"AAEC/w=="}}`},
		{"kinds", map[string]any{"n": int64(1), "f": 2.0, "g": 1e300, "s": "x", "t": true, "z": nil, "l": []any{int64(1), 0.5}},
			nil, `"data":{"f":2.0,"g":1e+300,"l":[1,0.5],"n":1,"s":"x","t":true,"z":null}`},
		{"nested", map[string]any{"m": map[string]any{"k": []any{map[string]any{"b": []byte("x")}}}}, nil, `"datacontenttype":"application/json"`},
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
			if !back.Equal(s) || !reflect.DeepEqual(back.Data(), s.Data()) {
				t.Fatalf("round trip changed the signal:\n%s\n%#v", b, back.Data())
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	for name, in := range map[string]string{
		"bad json":     `{`,
		"bad spec":     `{"specversion":"0.3","id":"1","source":"s","type":"a"}`,
		"bad type":     `{"specversion":"1.0.2","id":"1","source":"s","type":"a..b"}`,
		"no source":    `{"specversion":"1.0.2","id":"1","source":"","type":"a"}`,
		"no id":        `{"specversion":"1.0.2","source":"s","type":"a"}`,
		"data_base64":  `{"specversion":"1.0.2","id":"1","source":"s","type":"a","data_base64":"AA=="}`,
		"not a map":    `{"specversion":"1.0.2","id":"1","source":"s","type":"a","data":[1]}`,
		"bad binary":   `{"specversion":"1.0.2","id":"1","source":"s","type":"a","data":{"b":{"$base64":"!!"}}}`,
		"huge integer": `{"specversion":"1.0.2","id":"1","source":"s","type":"a","data":{"n":99999999999999999999}}`,
		"bad time":     `{"specversion":"1.0.2","id":"1","source":"s","type":"a","time":"yesterday"}`,
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
	s, err := New("user.created", "/accounts", map[string]any{"name": "ada", "age": 36, "avatar": []byte{0xff}})
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(s.Data()["age"])
	fmt.Println(s.Type(), s.DataContentType(), s.Data()["name"], string(b))
	// Output: user.created application/json ada 36
}

// A copy lays the bytes of the binaries it copies out in one block, as a
// send copies a term into one block of the receiver's heap: a thousand
// small binaries cost one allocation for their bytes (and, in Go, one per
// slice header an interface holds), not two each.
func TestMessageCopyOneBlock(t *testing.T) {
	chunks := make([]any, 1000)
	for i := range chunks {
		chunks[i] = bytes.Repeat([]byte{byte(i)}, RefcThreshold)
	}
	s := mustNew(t, map[string]any{"chunks": chunks})
	if n := testing.AllocsPerRun(20, func() { s.MessageCopy() }); n > 1000+20 {
		t.Errorf("%.0f allocations per copy of 1000 binaries, want about one each", n)
	}
	c, _ := s.MessageCopy()
	if !c.Equal(s) {
		t.Fatal("copy differs")
	}
}
