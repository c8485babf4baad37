package signal

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// MessageCopies gives, signal for signal, what MessageCopy gives: the same
// fields, the same byte count, the same sharing of binaries and strings
// over 64 bytes; only the allocations are per batch.
func TestMessageCopiesAreMessageCopies(t *testing.T) {
	bigBin, bigStr := bytes.Repeat([]byte("b"), RefcThreshold+1), strings.Repeat("s", RefcThreshold+1)
	exactBin, exactStr := bytes.Repeat([]byte("e"), RefcThreshold), strings.Repeat("x", RefcThreshold)
	cases := []struct {
		name string
		data map[string]any
		opts []Option
	}{
		{"no data", nil, nil},
		{"small strings", map[string]any{"f0": "0123456789abcdef", "f1": "fedcba9876543210"}, nil},
		{"binaries at and over 64 B", map[string]any{"exact": exactBin, "big": bigBin, "small": []byte("s")}, nil},
		{"strings at and over 64 B", map[string]any{"exact": exactStr, "big": bigStr}, nil},
		{"nested", map[string]any{"l": []any{int64(1), 2.5, true, nil, "x", []byte("y"), bigBin, map[string]any{"k": "v"}}}, nil},
		{"every attribute", map[string]any{"a": "b"}, []Option{WithSubject("subj"), WithSchema("schema://x"),
			WithContentType("application/x"), WithExtension("k1", "v1"), WithExtension("k2", "v2")}},
	}
	var src []*Signal
	for _, c := range cases {
		s, err := New("batch.copy", "/test", c.data, c.opts...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		src = append(src, s)
	}
	prefix := []*Signal{src[0]}
	got, n := MessageCopies(prefix, src)
	if len(got) != 1+len(src) || got[0] != src[0] {
		t.Fatalf("MessageCopies did not append to dst: %d signals", len(got))
	}
	got = got[1:]
	want := 0
	for i, s := range src {
		c, cn := s.MessageCopy()
		want += cn
		if !reflect.DeepEqual(got[i], c) {
			t.Errorf("%s: batch copy %+v, MessageCopy %+v", cases[i].name, got[i], c)
		}
		if got[i] == s || !got[i].Equal(s) {
			t.Errorf("%s: not a copy equal to the original", cases[i].name)
		}
	}
	if n != want {
		t.Errorf("bytes counted %d, MessageCopy counts %d", n, want)
	}
	binShared := func(a, b []byte) bool { return &a[0] == &b[0] }
	strShared := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	d := got[2].Data()
	if !binShared(d["big"].([]byte), bigBin) || binShared(d["exact"].([]byte), exactBin) {
		t.Error("binaries: want over 64 B shared, at most 64 B copied")
	}
	d = got[3].Data()
	if !strShared(d["big"].(string), bigStr) || strShared(d["exact"].(string), exactStr) {
		t.Error("strings: want over 64 B shared, at most 64 B copied")
	}
	if strShared(got[1].ID(), src[1].ID()) || strShared(got[1].Type(), src[1].Type()) {
		t.Error("attributes are shared, want copied")
	}
	got[1].Data()["f0"] = "changed" // illegal for users: proves the map is the copy's own
	if src[1].Data()["f0"] != "0123456789abcdef" {
		t.Error("the copy shares a map with the original")
	}
}

// A batch of 100 signals with two small strings each costs per signal only
// what a Go map and its boxed values must (a map and one box per value);
// the signals, attribute strings and data strings come in one block each.
func TestMessageCopiesAllocatePerBatch(t *testing.T) {
	src := make([]*Signal, 100)
	for i := range src {
		s, err := New("stream.tick", "/test", map[string]any{"f0": "0123456789abcdef", "f1": "fedcba9876543210"})
		if err != nil {
			t.Fatal(err)
		}
		src[i] = s
	}
	dst := make([]*Signal, 0, len(src))
	one := testing.AllocsPerRun(10, func() {
		for _, s := range src {
			s.MessageCopy()
		}
	})
	batch := testing.AllocsPerRun(10, func() { MessageCopies(dst[:0], src) })
	perMap := testing.AllocsPerRun(10, func() {
		m := make(map[string]any, 2)
		m["f0"], m["f1"] = src[0].ID(), src[1].ID()
		sinkMap = m
	})
	t.Logf("allocations per batch of 100: %.0f one by one, %.0f as a batch; %.0f for a map with two boxed strings", one, batch, perMap)
	if limit := 100*perMap + 3; batch > limit {
		t.Errorf("batch of 100: %.0f allocations, want at most %.0f (one map with its values each, and 3 blocks); one by one: %.0f", batch, limit, one)
	}
}

var sinkMap map[string]any
