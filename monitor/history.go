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
	"time"

	"github.com/perfbench/perfbench/openloop"
)

// HistoryVersion is bumped on any change a reader of history.jsonl would
// notice.
const HistoryVersion = 1

// Record is one interval: one line of history.jsonl.
type Record struct {
	Version  int           `json:"v"`
	Seq      int64         `json:"seq"`  // interval number; continues across restarts
	Time     time.Time     `json:"time"` // the interval's scheduled end (UTC)
	Interval time.Duration `json:"interval_ns"`
	Workload string        `json:"workload"`
	Features string        `json:"features"`
	Probe    Probe         `json:"probe"`
	// WorkloadMetrics are the workload's own metrics (cache hit %, bytes
	// copied per operation …), the mean over the interval's delivered
	// probe operations.
	WorkloadMetrics map[string]float64 `json:"workload_metrics,omitempty"`
	Runtime         Runtime            `json:"runtime"`
	// HeapSlope is the least-squares slope of the live heap over the rolling
	// window ending with this interval, bytes per second; absent with fewer
	// than minSlopePoints intervals in the window.
	HeapSlope *float64 `json:"heap_slope_bytes_per_s,omitempty"`
	// Breaches are the metrics beyond their threshold in this interval.
	Breaches []Metric `json:"breaches,omitempty"`
	// Streaks are the hysteresis counters after this interval, per metric
	// with a threshold: +n after n breaching intervals in a row, −n after n
	// good ones; Firing the metrics whose alert is on.
	Streaks map[Metric]int `json:"streaks,omitempty"`
	Firing  []Metric       `json:"firing,omitempty"`
	Events  []Event        `json:"events,omitempty"`
}

// Probe is the open-loop probe's figures for one interval. Latencies are
// per probe operation (Batch workload operations and a barrier), from the
// operation's due time to its end; a missed operation counts with what it
// had waited when the interval ended, a lower bound.
type Probe struct {
	Rate  float64 `json:"rate"`  // probe operations per second scheduled
	Batch int     `json:"batch"` // workload operations per probe operation
	// Scheduled = Sent + Missed, and Sent = Delivered + Errored (Counts):
	// every scheduled operation is accounted for. Missed ones were still
	// unsent when the interval ended (the probe fell behind its schedule).
	Scheduled int64 `json:"scheduled"`
	Missed    int64 `json:"missed"`
	openloop.Counts
	P50 int64 `json:"p50_ns"`
	P90 int64 `json:"p90_ns"`
	P99 int64 `json:"p99_ns"`
	Max int64 `json:"max_ns"`
	// Throughput is workload operations delivered per second of interval.
	Throughput float64 `json:"throughput_ops_per_s"`
	ErrorRate  float64 `json:"error_rate"` // (errors + missed) / scheduled
	// Margin is the pacer's spin margin at the interval's end: before each
	// send the probe sleeps, then spins (yielding) for this long to send
	// on time. The spin is most of what the probe costs at a low rate.
	Margin int64 `json:"pacer_margin_ns"`
}

// Conserved reports that every scheduled operation is accounted for.
func (p Probe) Conserved() bool { return p.Scheduled == p.Sent+p.Missed && p.Counts.Conserved() }

// value returns a metric's value in base units; NaN when the interval has
// none (no probe operation finished, or too short a window for a slope).
func (r Record) value(m Metric) float64 {
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
		var r Record
		if err := json.Unmarshal(text, &r); err != nil {
			if b[len(b)-1] != '\n' && bytes.HasSuffix(b, text) {
				break // the unterminated last line: the writer died mid-line
			}
			return nil, fmt.Errorf("read history %s line %d: %w", path, line, err)
		}
		if r.Version != HistoryVersion {
			return nil, fmt.Errorf("read history %s line %d: version %d, this perfbench reads %d", path, line, r.Version, HistoryVersion)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read history %s: %w", path, err)
	}
	return out, nil
}
