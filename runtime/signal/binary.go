package signal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The binary form is for many signals travelling together (a cross-node
// batch): the strings they share (sources, types, content types, keys,
// extension names) are written once in a table that the batch carries
// ahead of its signals, and every signal refers to them by index. A
// signal's time and a UUID id's first half are written as varint
// differences from the previous signal's (Chain), numbers as 8 bytes, and
// the bytes no encoding can shorten apart from the records: a UUID's second
// half (random in a UUIDv7) in a section of its own, binaries raw in
// another, which a reader copies once into a block that the decoded
// signals' binaries share. A compressor then sees regular records apart
// from the random bytes, which it would otherwise skip over together.
// A reader decodes a signal in one pass over its bytes, validating it as
// New does while it builds the signal's own data.

// ErrBinary is returned for bytes that are not a signal's binary form.
var ErrBinary = errors.New("signal: invalid binary form")

// Flags of one signal's binary form.
const (
	binUUID    = 1 << iota // the id is a UUID (Chain), else a table index
	binSubject             // a subject index follows
	binCT                  // a datacontenttype index follows
	binSchema              // a dataschema index follows
	binExt                 // extensions follow
	binData                // data follows
	binNear                // the time is a varint ns offset from the chain's; else Unix seconds and nanoseconds
	binZone                // the time's zone offset follows (int32 seconds east of UTC), as its JSON form keeps it
)

// Tags of the values in data.
const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagBytes
	tagList
	tagMap
)

// StringTable gives the strings of a batch their indexes. Its zero value
// is empty and ready; Reset empties it for the next batch and keeps its
// memory.
type StringTable struct {
	index map[string]uint32
	list  []string
	bytes int
}

// Index returns s's index, adding s if it is new.
func (t *StringTable) Index(s string) uint32 {
	if i, ok := t.index[s]; ok {
		return i
	}
	if t.index == nil {
		t.index = make(map[string]uint32)
	}
	i := uint32(len(t.list))
	t.index[s] = i
	t.list = append(t.list, s)
	t.bytes += len(s)
	return i
}

// Len is the number of strings in the table.
func (t *StringTable) Len() int { return len(t.list) }

// Size is about what AppendBinary writes: the strings' bytes and a byte of
// length each.
func (t *StringTable) Size() int { return t.bytes + len(t.list) }

// Reset empties the table.
func (t *StringTable) Reset() {
	clear(t.index)
	clear(t.list)
	t.list, t.bytes = t.list[:0], 0
}

// AppendBinary writes the table: its count, every length, then all the
// strings' bytes back to back.
func (t *StringTable) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(t.list)))
	for _, s := range t.list {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	b = binary.AppendUvarint(b, uint64(t.bytes))
	for _, s := range t.list {
		b = append(b, s...)
	}
	return b
}

// ReadStringTable reads a table written by AppendBinary into dst (reused)
// and returns the bytes after it. All its strings share one allocation.
func ReadStringTable(dst []string, b []byte) ([]string, []byte, error) {
	n, b, err := uvarint(b)
	if err != nil {
		return dst, nil, err
	}
	if n > uint64(len(b)) { // every length takes at least a byte
		return dst, nil, fmt.Errorf("%w: string table of %d entries in %d bytes", ErrBinary, n, len(b))
	}
	dst = dst[:0]
	lens := b
	var sum uint64
	for i := uint64(0); i < n; i++ {
		var l uint64
		if l, b, err = uvarint(b); err != nil {
			return dst, nil, err
		}
		if l > uint64(len(b)) {
			return dst, nil, fmt.Errorf("%w: string of %d bytes in %d", ErrBinary, l, len(b))
		}
		sum += l
	}
	total, b, err := uvarint(b)
	if err != nil {
		return dst, nil, err
	}
	if total != sum || total > uint64(len(b)) {
		return dst, nil, fmt.Errorf("%w: string table of %d bytes (lengths sum to %d, %d left)", ErrBinary, total, sum, len(b))
	}
	all := string(b[:total])
	off := uint64(0)
	for i := uint64(0); i < n; i++ {
		l, rest, _ := uvarint(lens)
		lens = rest
		dst = append(dst, all[off:off+l])
		off += l
	}
	return dst, b[total:], nil
}

// Chain is what consecutive signals' binary forms are written relative
// to, and the sections where the parts of them that vary from signal to
// signal go, apart from the records. Nums gets each signal's time as a
// varint difference from the previous signal's (the base's for the first),
// in Unix ns, and a UUID id's first half, as a big-endian number, as a
// varint difference from that of a UUIDv7 made at the signal's own time. A
// UUIDv7's first half is its millisecond time, version and sub-millisecond
// sequence, and a signal's id and time are made together, so that takes a
// byte. Rand gets the ids' second halves, random in a UUIDv7. A writer
// appends to both; a reader consumes them. Writer and reader start from
// NewChain with the same base and advance alike.
type Chain struct {
	time int64
	Nums []byte
	Rand []byte
}

// NewChain starts a chain at base (Unix ns) with the sections nums and
// rand.
func NewChain(base int64, nums, rand []byte) Chain { return Chain{time: base, Nums: nums, Rand: rand} }

// v7High is the first half of a UUIDv7 made at ns (Unix ns) with the
// sub-millisecond sequence of RFC 9562's method 3, as google/uuid makes it:
// the 48-bit millisecond time, the version 7, then the 12 bits of the
// remaining nanoseconds over 256.
func v7High(ns int64) uint64 {
	if ns < 0 {
		return 0x7000
	}
	ms, sub := ns/int64(time.Millisecond), ns%int64(time.Millisecond)
	return uint64(ms)<<16 | 0x7000 | uint64(sub>>8)
}

// AppendBinary writes s's binary form to b and the bytes of its binaries
// to bins, with its strings in t and its time and id relative to c's,
// which it advances.
func (s *Signal) AppendBinary(b, bins []byte, t *StringTable, c *Chain) ([]byte, []byte) {
	var flags byte
	uuid, isUUID := parseUUID(s.id)
	if isUUID {
		flags |= binUUID
	}
	if s.subject != "" {
		flags |= binSubject
	}
	if s.dataContentType != "" {
		flags |= binCT
	}
	if s.dataSchema != "" {
		flags |= binSchema
	}
	if len(s.extensions) > 0 {
		flags |= binExt
	}
	if len(s.data) > 0 {
		flags |= binData
	}
	ns, near := unixNano(s.time)
	if near {
		flags |= binNear
	}
	_, zone := s.time.Zone()
	if zone != 0 {
		flags |= binZone
	}
	b = append(b, flags)
	// The time first: a UUIDv7 id is written against it.
	if near {
		// Wrapping arithmetic: the reader adds it back exactly.
		c.Nums = binary.AppendVarint(c.Nums, int64(uint64(ns)-uint64(c.time)))
		c.time = ns
	} else {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.time.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(s.time.Nanosecond()))
	}
	if zone != 0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(zone)))
	}
	if isUUID {
		hi := binary.BigEndian.Uint64(uuid[:8])
		c.Nums = binary.AppendVarint(c.Nums, int64(hi-v7High(c.time)))
		c.Rand = append(c.Rand, uuid[8:]...)
	} else {
		b = binary.AppendUvarint(b, uint64(t.Index(s.id)))
	}
	b = binary.AppendUvarint(b, uint64(t.Index(s.source)))
	b = binary.AppendUvarint(b, uint64(t.Index(s.typ)))
	for _, f := range [...]struct {
		bit byte
		v   string
	}{{binSubject, s.subject}, {binCT, s.dataContentType}, {binSchema, s.dataSchema}} {
		if flags&f.bit != 0 {
			b = binary.AppendUvarint(b, uint64(t.Index(f.v)))
		}
	}
	if flags&binExt != 0 {
		b = binary.AppendUvarint(b, uint64(len(s.extensions)))
		for k, v := range s.extensions {
			b = binary.AppendUvarint(b, uint64(t.Index(k)))
			b = binary.AppendUvarint(b, uint64(t.Index(v)))
		}
	}
	if flags&binData != 0 {
		b, bins = appendBinaryValue(b, bins, s.data, t)
	}
	return b, bins
}

// unixNano is t in Unix ns, when that fits an int64.
func unixNano(t time.Time) (int64, bool) {
	if sec := t.Unix(); sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
		return 0, false
	}
	return t.UnixNano(), true
}

func appendBinaryValue(b, bins []byte, v any, t *StringTable) ([]byte, []byte) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), bins
	case bool:
		if x {
			return append(b, tagTrue), bins
		}
		return append(b, tagFalse), bins
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, tagInt), uint64(x)), bins
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), bins
	case string:
		return binary.AppendUvarint(append(b, tagString), uint64(t.Index(x))), bins
	case []byte:
		return binary.AppendUvarint(append(b, tagBytes), uint64(len(x))), append(bins, x...)
	case []any:
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		for _, e := range x {
			b, bins = appendBinaryValue(b, bins, e, t)
		}
		return b, bins
	case map[string]any:
		b = binary.AppendUvarint(append(b, tagMap), uint64(len(x)))
		for k, e := range x {
			b = binary.AppendUvarint(b, uint64(t.Index(k)))
			b, bins = appendBinaryValue(b, bins, e, t)
		}
		return b, bins
	}
	// New admits no other kind.
	panic(fmt.Sprintf("signal: data holds a %T", v))
}

// ReadBinary decodes one signal written by AppendBinary with the same
// table (strs) and a chain in the same state, validating it as New does,
// and returns the bytes after it; it advances c as AppendBinary did. Its
// binaries are the next bytes of *bins, which it advances: they become the
// signal's own, so the caller hands over a block that nothing else writes
// (b and c.Rand may be reused once ReadBinary returns).
func ReadBinary(b []byte, strs []string, c *Chain, bins *[]byte) (*Signal, []byte, error) {
	r := binReader{b: b, strs: strs, bins: bins}
	s := r.signal(c)
	if r.err != nil {
		return nil, nil, r.err
	}
	return s, r.b, nil
}

type binReader struct {
	b    []byte
	strs []string
	bins *[]byte
	err  error
}

func (r *binReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrBinary}, a...)...)
	}
	r.b = nil
}

func (r *binReader) byte() byte {
	if len(r.b) < 1 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *binReader) fixed(n int) []byte {
	if len(r.b) < n {
		r.fail("truncated")
		return make([]byte, n)
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *binReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) uvarint() uint64 {
	v, rest, err := uvarint(r.b)
	if err != nil {
		r.fail("bad length or index")
		return 0
	}
	r.b = rest
	return v
}

func (r *binReader) str() string {
	i := r.uvarint()
	if i >= uint64(len(r.strs)) {
		if r.err == nil {
			r.fail("string index %d beyond a table of %d", i, len(r.strs))
		}
		return ""
	}
	return r.strs[i]
}

// count reads a number of elements, each of which takes at least a byte.
func (r *binReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("%d elements in %d bytes", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *binReader) signal(c *Chain) *Signal {
	flags := r.byte()
	s := &Signal{}
	if flags&binNear != 0 {
		ns := int64(uint64(c.time) + uint64(c.varint(r)))
		c.time = ns
		s.time = time.Unix(0, ns).UTC()
	} else {
		sec := int64(binary.LittleEndian.Uint64(r.fixed(8)))
		ns := binary.LittleEndian.Uint32(r.fixed(4))
		if ns >= 1e9 {
			r.fail("time has %d ns", ns)
		}
		s.time = time.Unix(sec, int64(ns)).UTC()
	}
	if flags&binZone != 0 {
		s.time = s.time.In(time.FixedZone("", int(int32(binary.LittleEndian.Uint32(r.fixed(4))))))
	}
	if flags&binUUID != 0 {
		hi := v7High(c.time) + uint64(c.varint(r))
		if len(c.Rand) < 8 {
			r.fail("truncated id section")
			return nil
		}
		var u [16]byte
		binary.BigEndian.PutUint64(u[:8], hi)
		copy(u[8:], c.Rand[:8])
		c.Rand = c.Rand[8:]
		s.id = formatUUID(u[:])
	} else {
		s.id = r.str()
	}
	s.source = r.str()
	s.typ = r.str()
	if flags&binSubject != 0 {
		s.subject = r.str()
	}
	if flags&binCT != 0 {
		s.dataContentType = r.str()
	}
	if flags&binSchema != 0 {
		s.dataSchema = r.str()
	}
	if flags&binExt != 0 {
		n := r.count()
		s.extensions = make(map[string]string, n)
		for i := 0; i < n; i++ {
			k := r.str()
			s.extensions[k] = r.str()
		}
	}
	if flags&binData != 0 {
		if r.byte() != tagMap {
			r.fail("data is not a map")
			return nil
		}
		var sz size
		m := r.mapValue(0, &sz)
		if r.err != nil {
			return nil
		}
		if sz.payload > MaxDataSize {
			r.err = fmt.Errorf("%w: %d bytes of numbers, strings and binaries (limit %d)", ErrPayloadTooLarge, sz.payload, MaxDataSize)
			return nil
		}
		if len(m) > 0 {
			s.data, s.dataSize = m, sz.deep
			s.bins, s.smallBins, s.smallStrs = int32(sz.bins), int32(sz.smallBins), int32(sz.smallStrs)
		}
	}
	if r.err != nil {
		return nil
	}
	if s.id == "" {
		r.fail("missing id")
		return nil
	}
	if err := ValidateType(s.typ); err != nil {
		r.err = err
		return nil
	}
	if s.source == "" {
		r.err = ErrEmptySource
		return nil
	}
	return s
}

// value reads one tagged value, adding its size to sz as ownValue counts
// it.
func (r *binReader) value(depth int, sz *size) any {
	if depth > MaxDepth {
		r.err = &dataError{msg: fmt.Sprintf("nests deeper than %d", MaxDepth)}
		r.b = nil
		return nil
	}
	switch tag := r.byte(); tag {
	case tagNil:
		sz.deep += 8
		return nil
	case tagFalse, tagTrue:
		sz.deep += 8
		return tag == tagTrue
	case tagInt:
		*sz = sz.plus(size{deep: 8, payload: 8})
		return int64(binary.LittleEndian.Uint64(r.fixed(8)))
	case tagFloat:
		f := math.Float64frombits(binary.LittleEndian.Uint64(r.fixed(8)))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			r.err = &dataError{msg: fmt.Sprintf("is %v (floats must be finite)", f)}
			r.b = nil
			return nil
		}
		*sz = sz.plus(size{deep: 8, payload: 8})
		return f
	case tagString:
		s := r.str()
		add := size{deep: len(s), payload: len(s)}
		if len(s) <= RefcThreshold {
			add.smallStrs = len(s)
		}
		*sz = sz.plus(add)
		return s
	case tagBytes:
		n := r.uvarint()
		if n > uint64(len(*r.bins)) {
			r.fail("a binary of %d bytes, %d left", n, len(*r.bins))
			return nil
		}
		out := (*r.bins)[:n:n]
		*r.bins = (*r.bins)[n:]
		add := size{deep: int(n), payload: int(n), bins: int(n)}
		if n <= RefcThreshold {
			add.smallBins = int(n)
		}
		*sz = sz.plus(add)
		return out
	case tagList:
		n := r.count()
		out := make([]any, n)
		sz.deep += listHeader
		for i := range out {
			out[i] = r.value(depth+1, sz)
			sz.deep += listElem
		}
		return out
	case tagMap:
		return r.mapValue(depth, sz)
	default:
		r.fail("unknown value tag %d", tag)
		return nil
	}
}

func (r *binReader) mapValue(depth int, sz *size) map[string]any {
	if depth > MaxDepth {
		r.err = &dataError{msg: fmt.Sprintf("nests deeper than %d", MaxDepth)}
		r.b = nil
		return nil
	}
	n := r.count()
	out := make(map[string]any, n)
	sz.deep += mapHeader
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		if k == binaryKey {
			r.err = &dataError{msg: fmt.Sprintf("uses the reserved key %q", binaryKey)}
			r.b = nil
			return nil
		}
		out[k] = r.value(depth+1, sz)
		sz.deep += mapEntry + len(k)
	}
	return out
}

func uvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: bad varint", ErrBinary)
	}
	return v, b[n:], nil
}

const hexDigits = "0123456789abcdef"

// parseUUID reads the canonical lowercase form
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx only, so that formatUUID gives back
// exactly the same string.
func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return u, false
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func formatUUID(u []byte) string {
	var b [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&15]
		j += 2
	}
	return string(b[:])
}

func (c *Chain) varint(r *binReader) int64 {
	v, n := binary.Varint(c.Nums)
	if n <= 0 {
		r.fail("bad varint in the numbers")
		return 0
	}
	c.Nums = c.Nums[n:]
	return v
}
