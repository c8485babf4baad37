package signal

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"
)

// binaryCases are signals that use every attribute and every kind of value
// the binary form carries.
func binaryCases(t testing.TB) []*Signal {
	t.Helper()
	big := bytes.Repeat([]byte{0xab}, RefcThreshold+1)
	must := func(s *Signal, err error) *Signal {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return []*Signal{
		must(New("a", "/s", nil)),
		must(New("user.created", "/svc/users", map[string]any{"x": "y"},
			WithSubject("users/42"), WithSchema("https://example.com/schema"), WithContentType("application/json"),
			WithExtension("traceparent", "00-abc-def-01"), WithExtension("tenant", "t1"), WithExtension("empty", ""))),
		must(New("every.kind", "/svc", map[string]any{
			"nil": nil, "t": true, "f": false, "i": 1, "min": int64(math.MinInt64), "max": int64(math.MaxInt64),
			"pi": 3.25, "neg0": math.Copysign(0, -1), "tiny": math.SmallestNonzeroFloat64, "huge": math.MaxFloat64,
			"s": "tést ✓", "empty": "", "bin": []byte{0, 1, 2, 255}, "nobin": []byte{}, "bigbin": big,
			"list": []any{int64(1), "a", nil, []any{}, map[string]any{"k": []byte("v")}},
			"map":  map[string]any{"deep": map[string]any{"deeper": []any{map[string]any{"x": 2.5}}}, "e": map[string]any{}},
		})),
		must(New("ids.other", "/svc", nil, WithID("not-a-uuid"))),
		must(New("ids.upper", "/svc", nil, WithID("0190F0A1-0000-7000-8000-000000000001"))),
		must(New("ids.braces", "/svc", nil, WithID("{0190f0a1-0000-7000-8000-000000000001}"))),
		must(New("time.far", "/svc", nil, WithTime(time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)))),
		must(New("time.later", "/svc", nil, WithTime(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)))),
		must(New("time.zone", "/svc", nil, WithTime(time.Date(2024, 2, 29, 12, 0, 0, 7, time.FixedZone("X", 3600))))),
		must(New("time.west", "/svc", nil, WithTime(time.Date(1850, 7, 1, 0, 0, 0, 5, time.FixedZone("W", -5*3600-1800))))),
		must(New("content.only", "/svc", map[string]any{"k": int64(7)}, WithContentType("application/cbor"))),
		// Ids the chain cannot predict: a UUIDv4, the extremes, a UUIDv7
		// far from its signal's time, and times before the previous one
		// and the base, so that the differences are negative or wrap.
		must(New("ids.v4", "/svc", nil, WithID("f47ac10b-58cc-4372-a567-0e02b2c3d479"))),
		must(New("ids.max", "/svc", nil, WithID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
			WithTime(time.Unix(0, math.MaxInt64/2)))),
		must(New("ids.zero", "/svc", nil, WithID("00000000-0000-0000-0000-000000000000"),
			WithTime(time.Unix(0, math.MinInt64/2)))),
		must(New("ids.v7.far", "/svc", nil, WithID("0190f0a1-0000-7000-8000-000000000001"),
			WithTime(time.Date(2000, 1, 1, 0, 0, 0, 3, time.UTC)))),
		must(New("ids.v7.near", "/svc", nil, WithID("0190f0a1-4ac0-7fff-bfff-000000000002"),
			WithTime(time.UnixMilli(0x0190f0a14ac0).Add(999_999)))),
		must(New("time.before", "/svc", nil, WithTime(time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC)))),
	}
}

// sameSignal compares everything a Signal holds, including the sizes that
// the zerocopy path's byte counts read.
func sameSignal(t *testing.T, got, want *Signal) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("decoded signal differs:\n got %+v\nwant %+v", got, want)
	}
	if got.time.Format(time.RFC3339Nano) != want.time.Format(time.RFC3339Nano) {
		t.Fatalf("time %s, want %s as the JSON form writes it", got.time.Format(time.RFC3339Nano), want.time.Format(time.RFC3339Nano))
	}
	if got.dataSize != want.dataSize || got.bins != want.bins || got.smallBins != want.smallBins || got.smallStrs != want.smallStrs {
		t.Fatalf("sizes: got deep %d bins %d small %d strs %d, want %d %d %d %d", got.dataSize, got.bins, got.smallBins, got.smallStrs,
			want.dataSize, want.bins, want.smallBins, want.smallStrs)
	}
	if (got.data == nil) != (want.data == nil) || (got.extensions == nil) != (want.extensions == nil) {
		t.Fatalf("nil data or extensions differ: got %v %v, want %v %v", got.data, got.extensions, want.data, want.extensions)
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	sigs := binaryCases(t)
	for _, base := range []int64{0, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), math.MinInt64 + 1, math.MaxInt64} {
		b, c, bins := encodeAll(sigs, base)
		strs, rest, err := ReadStringTable(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		arena := bytes.Clone(bins)
		for i, want := range sigs {
			got, r, err := ReadBinary(rest, strs, &c, &arena)
			if err != nil {
				t.Fatalf("base %d, signal %d: %v", base, i, err)
			}
			sameSignal(t, got, want)
			rest = r
		}
		if len(rest) != 0 || len(arena) != 0 || len(c.Nums) != 0 || len(c.Rand) != 0 {
			t.Fatalf("base %d: %d bytes left over, %d of the arena, %d of the numbers and %d of the ids unused",
				base, len(rest), len(arena), len(c.Nums), len(c.Rand))
		}
	}
}

// The decoded signal keeps nothing of the buffer it was read from: it may
// be reused at once.
func TestBinaryDecodedSignalOwnsItsBytes(t *testing.T) {
	s, err := New("a.b", "/s", map[string]any{"b": []byte("payload"), "s": "text"})
	if err != nil {
		t.Fatal(err)
	}
	buf, c, bins := encodeAll([]*Signal{s}, 0)
	nums, rnd := c.Nums, c.Rand
	strs, rest, err := ReadStringTable(nil, buf)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := ReadBinary(rest, strs, &c, &bins)
	if err != nil {
		t.Fatal(err)
	}
	clear(buf)
	clear(nums)
	clear(rnd)
	sameSignal(t, got, s)
}

func TestBinaryRejectsWhatNewRejects(t *testing.T) {
	type encoded struct {
		b    []byte
		c    Chain
		bins []byte
	}
	enc := func(typ, source string, data map[string]any) encoded {
		// Build a valid signal, then put the invalid parts in its fields
		// directly, as a malicious or broken peer could.
		s, err := New("ok", "/s", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.typ, s.source, s.data = typ, source, data
		b, c, bins := encodeAll([]*Signal{s}, 0)
		return encoded{b, c, bins}
	}
	deep := map[string]any{}
	for i, m := 0, deep; i <= MaxDepth; i++ {
		next := map[string]any{}
		m["d"] = next
		m = next
	}
	tests := []struct {
		name string
		e    encoded
		want error
	}{
		{"bad type", enc("a..b", "/s", nil), ErrInvalidType},
		{"empty source", enc("a", "", nil), ErrEmptySource},
		{"NaN", enc("a", "/s", map[string]any{"f": math.NaN()}), ErrInvalidData},
		{"Inf", enc("a", "/s", map[string]any{"f": math.Inf(1)}), ErrInvalidData},
		{"reserved key", enc("a", "/s", map[string]any{"$base64": "x"}), ErrInvalidData},
		{"too deep", enc("a", "/s", deep), ErrInvalidData},
		{"too large", enc("a", "/s", map[string]any{"b": make([]byte, MaxDataSize+1)}), ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			strs, rest, err := ReadStringTable(nil, tt.e.b)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ReadBinary(rest, strs, &tt.e.c, &tt.e.bins); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// encodeAll writes sigs chained from base: the string table and the
// records, a chain ready to read them, the binaries.
func encodeAll(sigs []*Signal, base int64) (recs []byte, c Chain, bins []byte) {
	var tab StringTable
	c = NewChain(base, nil, nil)
	for _, s := range sigs {
		recs, bins = s.AppendBinary(recs, bins, &tab, &c)
	}
	return append(tab.AppendBinary(nil), recs...), NewChain(base, c.Nums, c.Rand), bins
}

// Every truncation of a valid encoding, in any of its sections, is an
// error, never a panic or a signal.
func TestBinaryTruncated(t *testing.T) {
	full, c0, bins := encodeAll(binaryCases(t), 0)
	// Cut the concatenation of the sections anywhere.
	secs := [][]byte{full, c0.Nums, c0.Rand, bins}
	all := 0
	for _, sec := range secs {
		all += len(sec)
	}
	for n := 0; n < all; n++ {
		var cut [4][]byte
		left := n
		for i, sec := range secs {
			k := min(left, len(sec))
			cut[i], left = sec[:k], left-k
		}
		arena := cut[3]
		strs, rest, err := ReadStringTable(nil, cut[0])
		c := NewChain(0, cut[1], cut[2])
		for err == nil {
			var s *Signal
			if s, rest, err = ReadBinary(rest, strs, &c, &arena); err == nil && s == nil {
				t.Fatalf("prefix %d: nil signal without an error", n)
			}
		}
		if !errors.Is(err, ErrBinary) {
			t.Fatalf("prefix %d of %d: err = %v, want ErrBinary", n, all, err)
		}
	}
}

func FuzzReadBinary(f *testing.F) {
	b, c, bins := encodeAll(binaryCases(f), 0)
	f.Add(b, c.Nums, c.Rand, bins, int64(0))
	f.Fuzz(func(t *testing.T, b, nums, rnd, bins []byte, base int64) {
		strs, rest, err := ReadStringTable(nil, b)
		if err != nil {
			return
		}
		c := NewChain(base, nums, rnd)
		s, _, err := ReadBinary(rest, strs, &c, &bins)
		if err != nil {
			return
		}
		// What decodes re-encodes to a signal equal to itself.
		b2, c2, bins2 := encodeAll([]*Signal{s}, base)
		strs2, rest2, err := ReadStringTable(nil, b2)
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := ReadBinary(rest2, strs2, &c2, &bins2)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(s) {
			t.Fatalf("re-encoded signal differs: %+v vs %+v", back, s)
		}
	})
}
