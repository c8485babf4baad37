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
// over limit bytes or that cannot start a profile, without reading further
// than that.
func readProfileFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrNotProfile)
	} else if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %w: %d bytes, more than the limit of %d", ErrNotProfile, ErrTooLarge, fi.Size(), limit)
	}
	return readCapped(f, limit)
}

// readCapped reads r whole, decompressing it if it is gzipped, and refuses
// more than limit bytes of content. Content whose first byte is 0 is refused
// at once: a protobuf message cannot start with field number 0, and the
// legacy text formats pprof also reads start with text.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: bad gzip header: %w", ErrNotProfile, err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	first, err := br.Peek(1)
	switch {
	case err == io.EOF:
		return nil, fmt.Errorf("%w: it is empty", ErrNotProfile)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrNotProfile, err)
	case first[0] == 0:
		return nil, fmt.Errorf("%w: it starts with a zero byte, which neither a protobuf profile nor a text one does", ErrNotProfile)
	}
	b, err := io.ReadAll(io.LimitReader(br, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %w: more than the limit of %d bytes once decompressed", ErrNotProfile, ErrTooLarge, limit)
	}
	return b, nil
}
