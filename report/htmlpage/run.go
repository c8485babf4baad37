package htmlpage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// ResultsFile is the name of the document every run directory holds.
const ResultsFile = "results.json"

// Run is one saved run: its results.json and where its other files are.
type Run struct {
	Dir    string // the run directory
	file   string // results.json, as named
	Raw    []byte // its content
	Header results.Header
	// history marks a monitor history (JSON lines) rather than a results.json.
	history bool
	// Profile reads the run's profiling. Open reads them from the run
	// directory; a command writing a run hands over the ones it holds.
	Profile ProfileSource
	// File reads one of the run's profiles by its file name, for runs
	// whose profiles are not named by kind and side alone (compare's cases).
	File FileSource
}

// FileSource returns the run's profile in the file name, or nil when the
// run has none.
type FileSource func(name string) (*profile.Profile, error)

// ProfileSource returns one profile of a run (kind "cpu", side "off"), or
// nil when the run has none.
type ProfileSource func(kind profiling.Kind, side stats.Side) (*profile.Profile, error)

// Open reads the run at path: a run directory or its results.json, or a
// monitor's directory or its history.jsonl.
func Open(path string) (*Run, error) {
	file := path
	if st, err := os.Stat(path); err != nil {
		return nil, cmderr.BadInputf("%s: %w (want a run directory or its %s)", path, errors.Unwrap(err), ResultsFile)
	} else if st.IsDir() {
		file = filepath.Join(path, ResultsFile)
		for _, h := range []string{HistoryFile, filepath.Join("monitor", HistoryFile)} {
			if _, err := os.Stat(filepath.Join(path, h)); err == nil {
				file = filepath.Join(path, h)
			}
		}
	}
	if strings.HasSuffix(file, ".jsonl") {
		return openHistory(file)
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cmderr.BadInputf("%s holds no %s: want the directory of a run written by perfbench profile, bench, compare, load or cluster, or of a monitor (%s)", path, ResultsFile, HistoryFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	return newRun(file, b, dirFiles(filepath.Dir(file)))
}

// openHistory reads a monitor history, its rotated part (file + ".1")
// first.
func openHistory(file string) (*Run, error) {
	b, err := os.ReadFile(file + ".1")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read history: %w", err)
	}
	cur, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	r := &Run{Dir: filepath.Dir(file), file: file, Raw: append(b, cur...), history: true, File: noFiles}
	r.Profile = byKind(r.File)
	return r, nil
}

// DirProfiles reads a run's profiles from dir by their contract names;
// a missing file is no profile.
func DirProfiles(dir string) ProfileSource { return byKind(dirFiles(dir)) }

// dirFiles reads a run's profiles from dir by file name; a missing file is
// no profile.
func dirFiles(dir string) FileSource {
	return func(name string) (*profile.Profile, error) {
		p, err := profiling.Load(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return p, err
	}
}

// byKind reads the profiles of kind and side by their contract names.
func byKind(files FileSource) ProfileSource {
	return func(k profiling.Kind, s stats.Side) (*profile.Profile, error) { return files(profiling.FileName(k, s)) }
}

// MemoryFiles serves the profiles of a run being written, by file name, as
// the files will read back: each is encoded and parsed again, so the page
// rendered now is byte for byte the page `perfbench report` renders later.
func MemoryFiles(files map[string]*profile.Profile) FileSource {
	return func(name string) (*profile.Profile, error) {
		p := files[name]
		if p == nil {
			return nil, nil
		}
		var b bytes.Buffer
		if err := p.Write(&b); err != nil {
			return nil, fmt.Errorf("encode profile %s: %w", name, err)
		}
		back, err := profile.ParseData(b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		return back, nil
	}
}

// noFiles is a run without profiles.
func noFiles(string) (*profile.Profile, error) { return nil, nil }

// NewRun wraps a results.json already in memory; files may be nil (no
// profiles).
func NewRun(dir string, results []byte, files FileSource) (*Run, error) {
	return newRun(filepath.Join(dir, ResultsFile), results, files)
}

func newRun(file string, doc []byte, files FileSource) (*Run, error) {
	if files == nil {
		files = noFiles
	}
	r := &Run{Dir: filepath.Dir(file), file: file, Raw: doc, File: files, Profile: byKind(files)}
	h, err := results.ReadHeader(file, doc)
	if err != nil {
		return nil, err
	}
	r.Header = h
	return r, nil
}

// decode reads results.json into v, naming the file on error.
func (r *Run) decode(v any) error {
	if err := json.Unmarshal(r.Raw, v); err != nil {
		return cmderr.BadInputf("%s: %w", r.file, err)
	}
	return nil
}

// renderers lay out each kind of run; a new kind adds its entry here and
// its type in package results.
var renderers = map[results.Kind]func(*Run) (*Page, error){
	results.Monitor: monitorPage,
	results.Bench:   benchPage,
	results.Compare: comparePage,
	results.Cluster: clusterPage,
	results.Profile: profilePage,
	results.Load:    loadPage,
}

// Kinds lists the kinds of run a page can be rendered for.
func Kinds() []string {
	ks := make([]string, len(results.Kinds))
	for i, k := range results.Kinds {
		ks[i] = string(k)
	}
	return ks
}

// Page lays the run out, with the renderer of its kind.
func (r *Run) Page() (*Page, error) {
	kind := r.Header.Kind
	if r.history {
		kind = results.Monitor
	}
	build, ok := renderers[kind]
	if !ok {
		return nil, cmderr.BadInputf("%s: a run of kind %q that no renderer knows (valid kinds: %s)",
			r.file, kind, strings.Join(Kinds(), ", "))
	}
	p, err := build(r)
	if err != nil {
		return nil, err
	}
	p.Kind = string(kind)
	return p, nil
}

// metaLines are the lines every page shows under its title.
func metaLines(h results.Header, more ...string) []string {
	lines := []string{"Environment: " + h.Env.String()}
	lines = append(lines, more...)
	if !h.Created.IsZero() {
		cmd := h.Command
		if !strings.HasPrefix(cmd, "perfbench") {
			cmd = "perfbench " + cmd
		}
		lines = append(lines, fmt.Sprintf("Written %s by %s (results.json schema %d)", h.Created.UTC().Format("2006-01-02 15:04:05 UTC"), cmd, h.SchemaVersion))
	}
	return lines
}

// Formats are the renderings Write knows: the page, or its tables as
// Markdown or text, or the results.json itself.
var Formats = []string{"html", "markdown", "text", "json"}

// Write renders the run in one of Formats to w. JSON is the run's
// results.json as written. Nothing reaches w unless rendering succeeds.
func (r *Run) Write(w io.Writer, format string) error {
	if format == "json" {
		_, err := w.Write(r.Raw)
		return err
	}
	var f report.Format
	if format != "html" {
		var err error
		if f, err = report.ParseFormat(format); err != nil || f == report.JSON {
			return cmderr.BadInputf("unknown format %q (valid: %s)", format, strings.Join(Formats, ", "))
		}
	}
	p, err := r.Page()
	if err != nil {
		return err
	}
	if format == "html" {
		return p.Render(w)
	}
	return p.WriteText(w, f)
}

// RenderNew renders the page of a run that is being written, from its
// results.json and profiles in memory, so the command can write it with the
// run's other files (or, if rendering fails, none of them). src may be nil.
func RenderNew(dir string, results []byte, src ProfileSource) ([]byte, error) {
	r, err := NewRun(dir, results, nil)
	if err != nil {
		return nil, err
	}
	if src != nil {
		r.Profile = src
	}
	return r.renderNew()
}

// RenderFiles is RenderNew for a run whose profiles are named by file
// (see MemoryFiles).
func RenderFiles(dir string, results []byte, files FileSource) ([]byte, error) {
	r, err := NewRun(dir, results, files)
	if err != nil {
		return nil, err
	}
	return r.renderNew()
}

func (r *Run) renderNew() ([]byte, error) {
	var b bytes.Buffer
	if err := r.Write(&b, "html"); err != nil {
		return nil, fmt.Errorf("render %s: %w", filepath.Join(r.Dir, PageFile), err)
	}
	return b.Bytes(), nil
}

// Rerender renders the saved run at path in format, to the file out
// (atomically: on failure no file is left) or, when out is "", to w.
func Rerender(path, format, out string, w io.Writer) error {
	r, err := Open(path)
	if err != nil {
		return err
	}
	if out == "" {
		var b bytes.Buffer
		if err := r.Write(&b, format); err != nil {
			return err
		}
		_, err = w.Write(b.Bytes())
		return err
	}
	return atomicfile.Write(out, func(f io.Writer) error { return r.Write(f, format) })
}
