package htmlpage

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/driver"
	"github.com/google/pprof/profile"
)

// Why pprof's own flame graph rather than one drawn here from the profile
// data: it is the view engineers already know from `go tool pprof -http`,
// it understands diffs (base samples labelled pprof::base, shown as
// removed/added with both percentages), it is interactive (click to zoom,
// search) and it is one inline page with no external reference and no
// graphviz. The library exposes it only through driver.PProf; its
// HTTPServer hook hands over the web UI's handlers instead of listening,
// and the "/flamegraph" handler is then called with a recorder.

// pprofMu serialises driver.PProf: the web UI sets package state of the
// pprof driver (its interactive mode), so two renderings at once would race.
var pprofMu sync.Mutex

// FlameGraph renders pprof's flame graph of new against base (base nil:
// new alone) as a complete HTML document. It needs no network and no
// graphviz, and reads no file: both profiles are handed to pprof in memory.
func FlameGraph(base, new *profile.Profile) ([]byte, error) {
	if new == nil {
		return nil, errors.New("flame graph: no profile")
	}
	sources := map[string]*profile.Profile{"on": new}
	flags := map[string]string{"http": "localhost:0", "no_browser": "true", "symbolize": "none"}
	if base != nil {
		sources["off"] = base
		flags["diff_base"] = "off"
	}
	ui := &quietUI{}
	var handlers map[string]http.Handler
	pprofMu.Lock()
	defer pprofMu.Unlock()
	err := driver.PProf(&driver.Options{
		Flagset: &flagSet{values: flags, args: []string{"on"}},
		Fetch:   fetcher(sources),
		UI:      ui,
		Obj:     noObjects{},
		HTTPServer: func(a *driver.HTTPServerArgs) error {
			handlers = a.Handlers
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("flame graph: pprof: %w%s", err, ui.errs())
	}
	h := handlers["/flamegraph"]
	if h == nil {
		return nil, fmt.Errorf("flame graph: pprof served no /flamegraph page%s", ui.errs())
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/flamegraph", nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("flame graph: pprof answered %d: %s%s", rec.Code, strings.TrimSpace(rec.Body.String()), ui.errs())
	}
	return rec.Body.Bytes(), nil
}

// noObjects is pprof's object tool for profiles that are never symbolized
// here (symbolize=none) and never disassembled (a flame graph): it opens no
// binary. pprof's default tool runs `llvm-objdump --version` (or objdump)
// on every call of driver.PProf to learn which binutils it has, a child
// process per flame graph that cost more than the rest of the report; and
// it looks for the profiled binaries under $HOME/pprof/binaries, which
// would make the page depend on the machine rendering it.
type noObjects struct{}

func (noObjects) Open(file string, _, _, _ uint64, _ string) (driver.ObjFile, error) {
	return nil, fmt.Errorf("%s: flame graphs open no binary", file)
}

func (noObjects) Disasm(file string, _, _ uint64, _ bool) ([]driver.Inst, error) {
	return nil, fmt.Errorf("%s: flame graphs disassemble nothing", file)
}

// fetcher hands pprof the profiles by source name.
type fetcher map[string]*profile.Profile

func (f fetcher) Fetch(src string, _, _ time.Duration) (*profile.Profile, string, error) {
	p, ok := f[src]
	if !ok {
		return nil, "", fmt.Errorf("no profile %q", src)
	}
	// pprof modifies what it fetches (it scales and merges the base). No
	// source name: pprof takes a named source for a remote one and saves a
	// gzipped copy of every such profile under $HOME/pprof (PPROF_TMPDIR),
	// a file per flame graph left outside the run directory and paid for
	// in every rendering.
	return p.Copy(), "", nil
}

// flagSet is pprof's command line, given as values instead of parsed:
// every flag pprof defines keeps its default unless named in values.
type flagSet struct {
	values map[string]string
	args   []string
}

func (f *flagSet) Bool(name string, def bool, _ string) *bool {
	if v, ok := f.values[name]; ok {
		def = v == "true"
	}
	return &def
}

func (f *flagSet) Int(_ string, def int, _ string) *int             { return &def }
func (f *flagSet) Float64(_ string, def float64, _ string) *float64 { return &def }

func (f *flagSet) String(name, def, _ string) *string {
	if v, ok := f.values[name]; ok {
		def = v
	}
	return &def
}

func (f *flagSet) StringList(name, def, _ string) *[]*string {
	var l []*string
	if v, ok := f.values[name]; ok {
		l = append(l, &v)
	}
	return &l
}

func (f *flagSet) ExtraUsage() string              { return "" }
func (f *flagSet) AddExtraUsage(string)            {}
func (f *flagSet) Parse(func()) []string           { return f.args }
func (u *quietUI) ReadLine(string) (string, error) { return "", errors.New("no input") }

// quietUI keeps pprof's messages for the error, if there is one.
type quietUI struct {
	mu   sync.Mutex
	msgs []string
}

func (u *quietUI) Print(...any) {}
func (u *quietUI) PrintErr(a ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.msgs = append(u.msgs, strings.TrimSpace(fmt.Sprint(a...)))
}
func (u *quietUI) IsTerminal() bool                    { return false }
func (u *quietUI) WantBrowser() bool                   { return false }
func (u *quietUI) SetAutoComplete(func(string) string) {}

func (u *quietUI) errs() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.msgs) == 0 {
		return ""
	}
	return " (" + strings.Join(u.msgs, "; ") + ")"
}
