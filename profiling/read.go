package profiling

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxProfileBytes bounds a profile read from a file, before and after
// decompression. pprof's own profiles are far smaller — a CPU profile of a
// busy server is a few hundred KiB, a heap profile of a large program a few
// MiB — so a larger input is not a profile, and reading it would only take
// memory (a 1 MB gzip can hold gigabytes of zeros).
const MaxProfileBytes = 64 << 20

// ErrTooLarge is wrapped by Load, with ErrNotProfile, when a file or its
// decompressed content exceeds MaxProfileBytes.
var ErrTooLarge = errors.New("too large")

// readProfileFile reads path whole, decompressing gzip, refusing content
// over limit bytes without reading further than that.
func readProfileFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: not a regular file", ErrNotProfile)
	case fi.Size() > limit:
		return nil, fmt.Errorf("%w: %w: %d bytes, more than the limit of %d", ErrNotProfile, ErrTooLarge, fi.Size(), limit)
	}
	return readCapped(f, limit, fi.Size())
}

// readCapped reads r whole, decompressing it if it is gzipped, and refuses
// more than limit bytes of content. size, when known (else 0), is r's
// length: content read as is then takes one buffer, not a growing series.
// It does not judge the content: whether it is a profile is
// profile.ParseData's call, so every format `go tool pprof` reads passes
// (the legacy binary CPU format starts with zero words). What the cap lets
// through costs little more to refuse: on 64 MiB of zeros every pprof
// parser gives up within its first line or header.
func readCapped(r io.Reader, limit, size int64) ([]byte, error) {
	br := bufio.NewReader(r)
	if isGzip(br) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: bad gzip header: %w", ErrNotProfile, err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
		size = 0
		// profile.ParseData inflates gzip content without a bound; pprof
		// decompresses once and parses no gzip stream, so content that is
		// gzipped twice is no profile, and would inflate past the cap.
		if isGzip(br) {
			return nil, fmt.Errorf("%w: gzipped twice; a profile is gzipped once or not at all", ErrNotProfile)
		}
	}
	if _, err := br.Peek(1); err == io.EOF {
		return nil, fmt.Errorf("%w: it is empty", ErrNotProfile)
	} else if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	b, err := readAll(io.LimitReader(br, limit+1), min(size, limit))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %w: more than the limit of %d bytes once decompressed", ErrNotProfile, ErrTooLarge, limit)
	}
	return b, nil
}

// readAll is io.ReadAll into one buffer of size bytes when size is known:
// a 64 MiB file then costs 64 MiB, not about twice that, as a growing
// slice does.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// isGzip reports whether r's content starts with gzip's magic number.
func isGzip(r *bufio.Reader) bool {
	magic, _ := r.Peek(2)
	return bytes.Equal(magic, []byte{0x1f, 0x8b})
}
