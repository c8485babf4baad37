package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/report"
)

// The evidence an alert leaves, in DIR/monitor/<timestamp>/.
const (
	FileCPU       = "cpu.pb.gz"       // CPU profile of the CaptureCPU seconds after the alert
	FileHeap      = "heap.pb.gz"      // heap profile after a GC
	FileGoroutine = "goroutine.pb.gz" // every goroutine's stack
	FileTrace     = "trace.out"       // flight recorder: the runtime trace of the seconds before the alert
	FileAlert     = "alert.json"      // the alert events and the interval that fired them
)

// CaptureFiles lists a capture's files.
var CaptureFiles = []string{FileCPU, FileHeap, FileGoroutine, FileTrace, FileAlert}

const (
	captureLayout = "20060102T150405Z"
	captureTmp    = ".capture-"
	// Flight recorder window: at least this much of the past is kept, in
	// at most traceMaxBytes of memory.
	traceMinAge   = 10 * time.Second
	traceMaxBytes = 16 << 20
)

// capturer writes evidence when an alert fires: one capture at a time, all
// or nothing (a temporary directory renamed into place), the oldest pruned
// beyond keep.
type capturer struct {
	root   string // DIR/monitor
	keep   int
	cpuFor time.Duration
	fr     *trace.FlightRecorder
	done   func(dir string, err error)

	mu   sync.Mutex
	busy bool
	wg   sync.WaitGroup
}

// startFlightRecorder starts the process's flight recorder (there can be
// only one).
func startFlightRecorder() (*trace.FlightRecorder, error) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: traceMinAge, MaxBytes: traceMaxBytes})
	if err := fr.Start(); err != nil {
		return nil, fmt.Errorf("start flight recorder: %w", err)
	}
	return fr, nil
}

// cleanStale removes temporary directories a killed monitor left behind.
func cleanStale(root string) error {
	ents, err := os.ReadDir(root)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), captureTmp) {
			if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// capture starts a capture for the alerts of rec and returns the directory
// it will have; false when one is already running. The flight recorder's
// window is taken at once, so it shows the seconds before the alert; the
// CPU profile covers the cpuFor after it. ctx cancels it, leaving nothing.
func (c *capturer) capture(ctx context.Context, rec Record) (string, bool) {
	c.mu.Lock()
	if c.busy {
		c.mu.Unlock()
		return "", false
	}
	c.busy = true
	c.mu.Unlock()
	dir := c.freeName(rec.Time)
	var tr bytes.Buffer
	_, trErr := c.fr.WriteTo(&tr)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		err := trErr
		if err == nil {
			err = c.write(ctx, dir, rec, tr.Bytes())
		}
		if err == nil {
			err = c.prune()
		}
		c.mu.Lock()
		c.busy = false
		c.mu.Unlock()
		c.done(dir, err)
	}()
	return dir, true
}

// freeName is the capture directory for t, with a suffix if taken.
func (c *capturer) freeName(t time.Time) string {
	base := filepath.Join(c.root, t.UTC().Format(captureLayout))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

func (c *capturer) write(ctx context.Context, dir string, rec Record, tr []byte) (err error) {
	if err := os.MkdirAll(c.root, 0o755); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	tmp, err := os.MkdirTemp(c.root, captureTmp)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := atomicfile.WriteBytes(filepath.Join(tmp, FileTrace), tr); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(tmp, FileCPU), func(w io.Writer) error { return cpuProfile(ctx, w, c.cpuFor) }); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	runtime.GC() // the heap profile shows the heap as of the last GC
	for name, file := range map[string]string{"heap": FileHeap, "goroutine": FileGoroutine} {
		if err := atomicfile.Write(filepath.Join(tmp, file), func(w io.Writer) error { return pprof.Lookup(name).WriteTo(w, 0) }); err != nil {
			return fmt.Errorf("capture: %w", err)
		}
	}
	js, err := report.EncodeJSON(rec)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, FileAlert), js); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// cpuProfile profiles the process for d, or until ctx ends (an error: an
// interrupted capture is not kept).
func cpuProfile(ctx context.Context, w io.Writer, d time.Duration) error {
	if err := pprof.StartCPUProfile(w); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		pprof.StopCPUProfile()
		return nil
	case <-ctx.Done():
		pprof.StopCPUProfile()
		return ctx.Err()
	}
}

// prune removes the oldest captures beyond keep.
func (c *capturer) prune() error {
	dirs, err := Captures(c.root)
	if err != nil {
		return err
	}
	for len(dirs) > c.keep {
		if err := os.RemoveAll(filepath.Join(c.root, dirs[0])); err != nil {
			return fmt.Errorf("prune captures: %w", err)
		}
		dirs = dirs[1:]
	}
	return nil
}

// Captures lists the capture directories under root (DIR/monitor), oldest
// first.
func Captures(root string) ([]string, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() && len(name) >= len(captureLayout) {
			if _, err := time.Parse(captureLayout, name[:len(captureLayout)]); err == nil {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// wait returns once the running capture, if any, has ended.
func (c *capturer) wait() { c.wg.Wait() }
