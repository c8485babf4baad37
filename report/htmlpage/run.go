package htmlpage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiles"
	"github.com/perfbench/perfbench/report"
)

// ErrBadInput is wrapped by every error about the path or the file given
// (missing, not a results.json, a kind no renderer knows), so a command can
// report it as bad input rather than as a failure.
var ErrBadInput = errors.New("bad input")

// ResultsFile is the name of the document every run directory holds.
const ResultsFile = "results.json"

// Run is one saved run: its results.json and where its other files are.
type Run struct {
	Dir    string // the run directory
	Raw    []byte // results.json as written
	Header report.Header
	keys   map[string]json.RawMessage
	// Profile reads the run's profiles. Open reads them from the run
	// directory; a command writing a run hands over the ones it holds.
	Profile ProfileSource
}

// ProfileSource returns one profile of a run (kind "cpu", side "off"), or
// nil when the run has none.
type ProfileSource func(kind profiles.Kind, side profiles.Side) (*profile.Profile, error)

// Open reads the run at path: a run directory or its results.json.
func Open(path string) (*Run, error) {
	file := path
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w (want a run directory or its %s)", ErrBadInput, path, errors.Unwrap(err), ResultsFile)
	} else if st.IsDir() {
		file = filepath.Join(path, ResultsFile)
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s holds no %s: want the directory of a run written by perfbench profile, bench or load", ErrBadInput, path, ResultsFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	dir := filepath.Dir(file)
	return NewRun(dir, b, DirProfiles(dir))
}

// DirProfiles reads a run's profiles from dir by their contract names;
// a missing file is no profile.
func DirProfiles(dir string) ProfileSource {
	return func(k profiles.Kind, s profiles.Side) (*profile.Profile, error) {
		p, err := profiles.Load(filepath.Join(dir, profiles.FileName(k, s)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return p, err
	}
}

// NewRun wraps a results.json already in memory; profiles may be nil.
func NewRun(dir string, results []byte, load ProfileSource) (*Run, error) {
	r := &Run{Dir: dir, Raw: results, Profile: load}
	if err := json.Unmarshal(results, &r.keys); err != nil {
		return nil, fmt.Errorf("%w: %s: not a perfbench results.json: %w", ErrBadInput, filepath.Join(dir, ResultsFile), err)
	}
	if err := json.Unmarshal(results, &r.Header); err != nil || r.Header.Tool != "perfbench" {
		return nil, fmt.Errorf("%w: %s: not a perfbench results.json (no \"tool\": \"perfbench\" header)", ErrBadInput, filepath.Join(dir, ResultsFile))
	}
	if r.Profile == nil {
		r.Profile = func(profiles.Kind, profiles.Side) (*profile.Profile, error) { return nil, nil }
	}
	return r, nil
}

// has reports whether results.json has every one of the top-level keys.
func (r *Run) has(keys ...string) bool {
	for _, k := range keys {
		if _, ok := r.keys[k]; !ok {
			return false
		}
	}
	return true
}

// decode reads results.json into v, naming the file on error.
func (r *Run) decode(v any) error {
	if err := json.Unmarshal(r.Raw, v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadInput, filepath.Join(r.Dir, ResultsFile), err)
	}
	return nil
}

// renderer turns one kind of run into a page. A new kind of run (compare,
// cluster, monitor history) adds one renderer: how to recognise its
// results.json and how to lay it out.
type renderer struct {
	kind   string
	claims func(*Run) bool
	build  func(*Run) (*Page, error)
}

// renderers are tried in order; the first that claims a run renders it.
// They recognise a document by its keys rather than by its command name,
// because bench writes profile-shaped runs under its own name.
var renderers = []renderer{
	{"bench", func(r *Run) bool { return r.has("criteria", "runs") }, benchPage},
	{"profile", func(r *Run) bool { return r.has("measurement", "comparisons") }, profilePage},
	{"load", func(r *Run) bool { return r.has("sides", "targets") }, loadPage},
}

// Kinds lists the kinds of run a page can be rendered for.
func Kinds() []string {
	var ks []string
	for _, r := range renderers {
		ks = append(ks, r.kind)
	}
	return ks
}

// Page lays the run out, with the renderer of its kind.
func (r *Run) Page() (*Page, error) {
	for _, rd := range renderers {
		if rd.claims(r) {
			p, err := rd.build(r)
			if err != nil {
				return nil, err
			}
			p.Kind = rd.kind
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: %s: a run of command %q that no renderer knows (valid kinds: %s)",
		ErrBadInput, filepath.Join(r.Dir, ResultsFile), r.Header.Command, strings.Join(Kinds(), ", "))
}

// metaLines are the lines every page shows under its title.
func metaLines(h report.Header, more ...string) []string {
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
