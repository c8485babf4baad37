package profiling

import (
	"bytes"
	"compress/gzip"
	"io"

	"github.com/google/pprof/profile"
)

// Encoder writes profiles as (*profile.Profile).Write does, byte for byte,
// but keeps its compressor between them: a gzip writer holds about 800 KB
// of tables, and a run directory's eighteen profile files each allocated a
// fresh one, garbage that the measurement after the write then paid for in
// GC work. An Encoder is for one goroutine.
type Encoder struct {
	zw  *gzip.Writer
	buf bytes.Buffer
}

// Write writes p, gzipped at the default level with an empty header, to w.
func (e *Encoder) Write(w io.Writer, p *profile.Profile) error {
	e.buf.Reset()
	if err := p.WriteUncompressed(&e.buf); err != nil {
		return err
	}
	if e.zw == nil {
		e.zw = gzip.NewWriter(w)
	} else {
		e.zw.Reset(w)
	}
	// One Write of the whole message, as profile.Write does.
	if _, err := e.zw.Write(e.buf.Bytes()); err != nil {
		_ = e.zw.Close()
		return err
	}
	return e.zw.Close()
}
