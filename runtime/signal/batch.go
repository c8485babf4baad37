package signal

import (
	"bytes"
	"strings"
)

// MessageCopies appends to dst the copies MessageCopy makes of each signal
// in src, in order, and returns the bytes MessageCopy counts for them. The
// copies are the same: the same values, with binaries and strings over
// RefcThreshold shared with the originals and everything else copied. Only
// the memory layout differs, as when a receiver's heap takes a batch of
// messages at once: the signals sit in one block, the strings they copy in
// one block and the binaries in one, instead of one allocation each. Maps
// and lists are made one by one, as MessageCopy makes them.
//
// A copy keeps the blocks of its batch alive for as long as it lives (a
// string taken from it, e.g. its ID kept in state, keeps the batch's string
// block alive).
func MessageCopies(dst, src []*Signal) ([]*Signal, int) {
	if len(src) == 0 {
		return dst, 0
	}
	strs, bins := 0, 0
	for _, s := range src {
		strs += s.attrSize() + int(s.smallStrs)
		bins += int(s.smallBins)
	}
	c := slabCopier{arena: make([]byte, bins)}
	c.strs.Grow(strs)
	block := make([]Signal, len(src))
	total := 0
	for i, s := range src {
		d := &block[i]
		*d = Signal{
			id:              c.str(s.id),
			source:          c.str(s.source),
			typ:             c.str(s.typ),
			subject:         c.str(s.subject),
			time:            s.time,
			dataContentType: c.str(s.dataContentType),
			dataSchema:      c.str(s.dataSchema),
			dataSize:        s.dataSize,
			bins:            s.bins,
			smallBins:       s.smallBins,
			smallStrs:       s.smallStrs,
		}
		n := s.attrSize()
		if s.data != nil {
			v, dn := c.value(s.data)
			d.data, n = v.(map[string]any), n+dn
		}
		if s.extensions != nil {
			d.extensions = make(map[string]string, len(s.extensions))
			for k, v := range s.extensions {
				d.extensions[c.str(k)] = c.str(v)
			}
		}
		dst = append(dst, d)
		total += n
	}
	return dst, total
}

// slabCopier copies values as copyValue does with refc, taking the strings
// it copies from one builder (sized beforehand, so it never reallocates;
// if it did, strings already taken would stay valid, since a Builder never
// rewrites what it holds) and the binaries from one arena.
type slabCopier struct {
	strs  strings.Builder
	arena []byte
}

func (c *slabCopier) str(s string) string {
	if s == "" {
		return ""
	}
	start := c.strs.Len()
	c.strs.WriteString(s)
	return c.strs.String()[start:]
}

func (c *slabCopier) value(v any) (any, int) {
	switch x := v.(type) {
	case []byte:
		if len(x) > RefcThreshold {
			return x, 0
		}
		n := len(x)
		if len(c.arena) < n {
			return bytes.Clone(x), n
		}
		b := c.arena[:n:n]
		c.arena = c.arena[n:]
		copy(b, x)
		return b, n
	case string:
		if len(x) > RefcThreshold {
			return x, 0
		}
		return c.str(x), len(x)
	case []any:
		out, size := make([]any, len(x)), listHeader
		for i, e := range x {
			cv, n := c.value(e)
			out[i], size = cv, size+listElem+n
		}
		return out, size
	case map[string]any:
		out, size := make(map[string]any, len(x)), mapHeader
		for k, e := range x {
			cv, n := c.value(e)
			out[k], size = cv, size+mapEntry+len(k)+n
		}
		return out, size
	}
	return v, 8
}
