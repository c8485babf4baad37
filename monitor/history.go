package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/perfbench/perfbench/results"
)

// The history's records, as results declares them: the writer and every
// reader (perfbench report, --summary) share one layout.
type (
	Record  = results.MonitorRecord
	Probe   = results.MonitorProbe
	Runtime = results.MonitorRuntime
	Event   = results.MonitorEvent
)

// value returns a metric's value in base units; NaN when the interval has
// none (no probe operation finished, or too short a window for a slope).
func value(r Record, m Metric) float64 {
	switch m {
	case P50, P99:
		if r.Probe.Sent+r.Probe.Missed == 0 {
			return math.NaN()
		}
		if m == P50 {
			return float64(r.Probe.P50) / 1e9
		}
		return float64(r.Probe.P99) / 1e9
	case Throughput:
		return r.Probe.Throughput
	case ErrorRate:
		if r.Probe.Scheduled == 0 {
			return math.NaN()
		}
		return r.Probe.ErrorRate
	case HeapSlope:
		if r.HeapSlope == nil {
			return math.NaN()
		}
		return *r.HeapSlope
	case GCCPU:
		return r.Runtime.GCCPU
	}
	return math.NaN()
}

// history appends records to DIR/monitor/history.jsonl, one line per
// write(2) so a reader sees whole lines, and rotates the file to
// history.jsonl.1 (replacing the previous one) when it would pass maxBytes:
// at most about 2 × maxBytes on disk.
type history struct {
	path     string
	f        *os.File
	size     int64
	maxBytes int64
}

// openHistory opens path for appending. A torn last line (a crash in the
// middle of a write) is cut off first, so the next line starts clean.
func openHistory(path string, maxBytes int64) (*history, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	size, err := cutTornTail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return &history{path: path, f: f, size: size, maxBytes: maxBytes}, nil
}

// cutTornTail truncates f after its last newline; it returns the new size.
func cutTornTail(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	const chunk = 4096
	end := size
	for end > 0 {
		n := min(chunk, end)
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			end = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	if end != size {
		if err := f.Truncate(end); err != nil {
			return 0, err
		}
	}
	return end, nil
}

func (h *history) append(r Record) error {
	b, err := marshalLine(r)
	if err != nil {
		return fmt.Errorf("history: encode: %w", err)
	}
	if h.size > 0 && h.size+int64(len(b)) > h.maxBytes {
		if err := h.rotate(); err != nil {
			return err
		}
	}
	if _, err := h.f.Write(b); err != nil {
		return fmt.Errorf("history %s: %w", h.path, err)
	}
	h.size += int64(len(b))
	return nil
}

func (h *history) rotate() error {
	if err := h.f.Close(); err != nil {
		return fmt.Errorf("history %s: %w", h.path, err)
	}
	if err := os.Rename(h.path, h.path+".1"); err != nil {
		return fmt.Errorf("history: rotate: %w", err)
	}
	f, err := os.OpenFile(h.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	h.f, h.size = f, 0
	return nil
}

func (h *history) close() error {
	if err := h.f.Sync(); err != nil {
		h.f.Close()
		return fmt.Errorf("history %s: %w", h.path, err)
	}
	return h.f.Close()
}

// ReadHistory reads a monitor history: the rotated file (path + ".1"), if
// any, then path, oldest first. A torn last line — the monitor was killed
// in the middle of a write — is skipped; any other line that is not a
// record is an error naming the file and line.
func ReadHistory(path string) ([]Record, error) {
	var out []Record
	found := false
	for _, p := range []string{path + ".1", path} {
		recs, err := readHistoryFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		out = append(out, recs...)
	}
	if !found {
		return nil, fmt.Errorf("read history %s: %w", path, fs.ErrNotExist)
	}
	return out, nil
}

func readHistoryFile(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if !json.Valid(text) && b[len(b)-1] != '\n' && bytes.HasSuffix(b, text) {
			break // the unterminated last line: the writer died mid-line
		}
		var r Record
		if err := results.Decode(fmt.Sprintf("history %s line %d", path, line), text, results.Monitor, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	return out, nil
}
