// Package baseline stores a measured suite as a committed baseline file and
// gates later runs against it: a metric regressed only when the
// Mann-Whitney U test says p < 0.05 and its median moved the worse way by
// more than the metric's tolerance.
//
// The file is versioned, indented JSON meant to be committed and diffed. It
// holds, per run (toggle and workload), side (off, on) and metric, the raw
// samples and their summary, with the environment they were taken on.
// Loading validates everything a check relies on, so a missing, truncated,
// corrupt or foreign file is reported as such and never checks as a pass.
package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/stats"
)

const (
	// Schema names the file type, so another JSON file (a results.json, a
	// package.json) is not read as a baseline.
	Schema = "perfbench-baseline"
	// SchemaVersion is bumped on any change a reader would notice.
	SchemaVersion = 1
	// DefaultFile is where `perfbench baseline save` writes by default.
	DefaultFile = "perf/baseline.json"
)

// File is the baseline file.
type File struct {
	Schema        string      `json:"schema"`
	SchemaVersion int         `json:"schema_version"`
	Tool          string      `json:"tool"`
	Created       time.Time   `json:"created"`
	Env           machine.Env `json:"env"`
	Settings      Settings    `json:"settings"`
	Runs          []Run       `json:"runs"`
}

// Settings are the measurement settings the baseline was taken with; a
// check reruns with the same ones.
type Settings struct {
	Preset    string `json:"preset,omitempty"`
	Rounds    int    `json:"rounds"` // per side and pass
	Benchtime string `json:"benchtime"`
	// Passes is how many times the suite was run, one after the other, to
	// see how far the machine drifts between measurements (1 or absent: no
	// drift seen, the gate uses its tolerances alone).
	Passes int `json:"passes,omitempty"`
}

// Run is one off/on run of the suite.
type Run struct {
	ID       string       `json:"id"`
	Opt      string       `json:"opt"`
	Workload string       `json:"workload"`
	Kind     catalog.Kind `json:"kind"`
	Toggle   string       `json:"toggle,omitempty"`
	Off      string       `json:"off"` // features.Set.String of each side
	On       string       `json:"on"`
	// OpsPerRound is what calibration chose per side; informative only.
	OpsPerRound map[stats.Side]int `json:"ops_per_round,omitempty"`
	// Probe holds the machine probe taken just before the run (see Probe).
	Probe   []float64 `json:"probe_ns_per_unit,omitempty"`
	Metrics []Metric  `json:"metrics"`
}

// Metric is one metric of one run, both sides.
type Metric struct {
	stats.Metric
	Off Samples `json:"off"`
	On  Samples `json:"on"`
}

// Samples are one side's samples, in round order (pass after pass), and
// their summary.
type Samples struct {
	Summary stats.Summary `json:"summary"`
	Samples []float64     `json:"samples"`
	// PassMedians is the median of each pass's samples, when there were
	// several: how far they differ is drift the rounds of one pass cannot
	// show.
	PassMedians []float64 `json:"pass_medians,omitempty"`
}

// Side returns one side's samples.
func (m Metric) Side(side stats.Side) Samples {
	if side == stats.On {
		return m.On
	}
	return m.Off
}

// New builds a baseline from finished suite runs and the machine probes
// taken before them (by run ID; may be nil).
func New(env machine.Env, preset catalog.Preset, results []catalog.Result, probes map[string][]float64) *File {
	return NewPasses(env, preset, [][]catalog.Result{results}, probes)
}

// NewPasses builds a baseline from several passes of the same runs, taken
// one after the other: each side's samples are pooled over the passes and
// each pass's median is kept, so the gate can see the drift between them.
// Runs are matched by ID; the first pass gives the order.
func NewPasses(env machine.Env, preset catalog.Preset, passes [][]catalog.Result, probes map[string][]float64) *File {
	f := &File{
		Schema: Schema, SchemaVersion: SchemaVersion, Tool: "perfbench",
		Created: time.Now().UTC().Truncate(time.Second), Env: env,
		Settings: Settings{Preset: preset.Name, Rounds: preset.Rounds, Benchtime: preset.Benchtime.String()},
	}
	if len(passes) == 0 {
		return f
	}
	if len(passes) > 1 {
		f.Settings.Passes = len(passes)
	}
	for _, res := range passes[0] {
		r := Run{
			ID: res.Run.ID, Opt: res.Run.Opt, Workload: res.Run.Workload, Kind: res.Run.Kind, Toggle: res.Run.Toggle,
			Off: res.Run.Off.String(), On: res.Run.On.String(), OpsPerRound: map[stats.Side]int{},
			Probe: finiteOnly(probes[res.Run.ID]),
		}
		for _, s := range res.Measurement.Samples {
			r.OpsPerRound[s.Side] = s.Ops
		}
		var same []catalog.Result
		for _, pass := range passes {
			for _, other := range pass {
				if other.Run.ID == res.Run.ID {
					same = append(same, other)
				}
			}
		}
		for _, m := range res.Measurement.Metrics {
			r.Metrics = append(r.Metrics, Metric{
				Metric: m,
				Off:    pooledSide(same, stats.Off, m.Name),
				On:     pooledSide(same, stats.On, m.Name),
			})
		}
		f.Runs = append(f.Runs, r)
	}
	return f
}

// pooledSide pools one metric of one side over the passes of a run.
func pooledSide(passes []catalog.Result, side stats.Side, metric string) Samples {
	var s Samples
	for _, p := range passes {
		v := finiteOnly(p.Measurement.Values(side, metric))
		if len(v) == 0 {
			continue
		}
		s.Samples = append(s.Samples, v...)
		if len(passes) > 1 {
			s.PassMedians = append(s.PassMedians, stats.Summarize(v).Center)
		}
	}
	s.Summary = stats.Summarize(s.Samples)
	return s
}

func finiteOnly(v []float64) []float64 {
	if len(v) == 0 {
		return nil
	}
	out := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// Encode gives the file's bytes: indented JSON with a final newline.
func (f *File) Encode() ([]byte, error) {
	b, err := report.EncodeJSON(f)
	if err != nil {
		return nil, fmt.Errorf("encode baseline: %w", err)
	}
	return b, nil
}

// Save validates f and writes it atomically to path, creating the directory.
func Save(path string, f *File) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("refusing to save an invalid baseline: %w", err)
	}
	b, err := f.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	return atomicfile.WriteBytes(path, b)
}

// LoadError says why a baseline file cannot be used and how to make one
// that can.
type LoadError struct {
	Path    string
	Problem string
	Err     error // underlying cause, if any
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("baseline %s %s; make a new one with: perfbench baseline save --file %s", e.Path, e.Problem, e.Path)
}

func (e *LoadError) Unwrap() error { return e.Err }

// Load reads and validates a baseline file. Every failure is a *LoadError.
func Load(path string) (*File, error) {
	fail := func(err error, format string, a ...any) (*File, error) {
		return nil, &LoadError{Path: path, Problem: fmt.Sprintf(format, a...), Err: err}
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(err, "does not exist")
	case err != nil:
		return fail(err, "cannot be read (%v)", err)
	case len(bytes.TrimSpace(b)) == 0:
		return fail(nil, "is empty (an interrupted write or a truncated copy?)")
	}
	return Parse(path, b)
}

// Parse validates the bytes of a baseline file; path is only used in
// messages.
func Parse(path string, b []byte) (*File, error) {
	fail := func(err error, format string, a ...any) (*File, error) {
		return nil, &LoadError{Path: path, Problem: fmt.Sprintf(format, a...), Err: err}
	}
	// The header first: a file of another type or version must say so even
	// when the rest would not decode into this version's layout.
	var head struct {
		Schema        string `json:"schema"`
		SchemaVersion *int   `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn) && strings.Contains(err.Error(), "unexpected end of JSON input"):
			return fail(err, "is truncated: its JSON ends early, after %d bytes", len(b))
		case errors.As(err, &syn):
			line, col := position(b, syn.Offset)
			return fail(err, "is corrupt: not valid JSON at line %d, column %d (%v)", line, col, err)
		case errors.As(err, &typ):
			return fail(err, "is not a perfbench baseline: field %q has the wrong type (%v)", typ.Field, err)
		}
		return fail(err, "is not valid JSON (%v)", err)
	}
	switch {
	case head.Schema != Schema:
		return fail(nil, "is not a perfbench baseline (schema %q, want %q)", head.Schema, Schema)
	case head.SchemaVersion == nil:
		return fail(nil, "has no schema_version")
	case *head.SchemaVersion != SchemaVersion:
		return fail(nil, "has schema version %d; this perfbench reads version %d", *head.SchemaVersion, SchemaVersion)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return fail(err, "is corrupt: %v", err)
	}
	if err := f.Validate(); err != nil {
		return fail(err, "is invalid: %v", err)
	}
	// Summaries are derived from the samples, which were just validated,
	// rather than trusted as written.
	for i := range f.Runs {
		for j := range f.Runs[i].Metrics {
			m := &f.Runs[i].Metrics[j]
			m.Off.Summary, m.On.Summary = stats.Summarize(m.Off.Samples), stats.Summarize(m.On.Samples)
		}
	}
	return &f, nil
}

// position turns a byte offset into a 1-based line and column.
func position(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	pre := b[:off]
	line = bytes.Count(pre, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(pre, '\n')
	return line, col
}

// Limits of what a baseline file may say. The rounds and benchtime it
// holds are bounded as the flags are (measure.CheckRounds,
// measure.ParseBenchtime): a check reruns them.
const (
	// MinRounds per side: a check judges a change with the 95 % confidence
	// intervals of both measurements, which need measure.CIRounds.
	MinRounds = measure.CIRounds
	// MaxPasses bounds how many times a save runs the suite.
	MaxPasses = 10
	// MaxSample bounds the size of any sample. Nothing perfbench measures
	// comes near it (as ns/op it is 11 days per operation; as bytes, a
	// petabyte): a larger value was not measured.
	MaxSample = 1e15
)

// positive lists the engine metrics that cannot be zero (an operation
// takes time); every other engine metric (times, bytes, counts per
// operation) cannot be negative. Workload metrics may be differences and
// take any finite value.
var positive = []string{measure.NsPerOp, measure.OpsPerSec}

// Validate checks what a check relies on: settings within the flags'
// bounds, runs with parseable sides, ns/op in every run (any other metric
// the run measures and the file lacks is listed by Resolve as not
// checked), and
// per side at least MinSamplesForTest samples per metric (fewer cannot
// reach p < 0.05, so a regression could never be found: a silent pass),
// each one a value the metric can take. Errors name the run, the metric
// and the side.
func (f *File) Validate() error {
	if f.Settings.Passes < 0 || f.Settings.Passes > MaxPasses {
		return fmt.Errorf("settings.passes is %d: want 1 to %d", f.Settings.Passes, MaxPasses)
	}
	if err := measure.CheckRounds(f.Settings.Rounds, MinRounds); err != nil {
		return fmt.Errorf("settings.rounds: %w", err)
	}
	if _, err := measure.ParseBenchtime(f.Settings.Benchtime); err != nil {
		return fmt.Errorf("settings.benchtime: %w", err)
	}
	if len(f.Runs) == 0 {
		return errors.New("it holds no runs")
	}
	ids := map[string]bool{}
	for i, r := range f.Runs {
		where := fmt.Sprintf("runs[%d] (%s)", i, r.ID)
		if r.ID == "" || r.Workload == "" {
			return fmt.Errorf("%s: empty id or workload", where)
		}
		if ids[r.ID] {
			return fmt.Errorf("%s: duplicate id", where)
		}
		ids[r.ID] = true
		for _, s := range []string{r.Off, r.On} {
			if _, err := catalog.ParseSet(s); err != nil {
				return fmt.Errorf("%s: side %q: %w", where, s, err)
			}
		}
		if len(r.Metrics) == 0 {
			return fmt.Errorf("%s: no metrics", where)
		}
		for _, v := range r.Probe {
			if !(v > 0) || v > MaxSample {
				return fmt.Errorf("%s: probe sample %v is not a positive number", where, v)
			}
		}
		names := map[string]bool{}
		for _, m := range r.Metrics {
			if m.Name == "" || names[m.Name] {
				return fmt.Errorf("%s: empty or duplicate metric name %q", where, m.Name)
			}
			names[m.Name] = true
			for _, side := range stats.Sides() {
				if err := f.validateSide(m.Name, m.Side(side)); err != nil {
					return fmt.Errorf("%s: metric %s, side %s: %w", where, m.Name, side, err)
				}
			}
		}
		if !names[measure.NsPerOp] {
			return fmt.Errorf("%s: metric %s is missing: every run is measured by it, and a check without it would leave time unchecked", where, measure.NsPerOp)
		}
	}
	return nil
}

// validateSide checks one side of one metric: enough samples, each a value
// the metric can take, and pass medians that belong to them.
func (f *File) validateSide(metric string, s Samples) error {
	if len(s.Samples) < stats.MinSamplesForTest {
		return fmt.Errorf("%d samples, need at least %d", len(s.Samples), stats.MinSamplesForTest)
	}
	engine := false
	for _, em := range measure.EngineMetrics() {
		engine = engine || em.Name == metric
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range s.Samples {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("sample %d is %v, not a finite number", i+1, v)
		case math.Abs(v) > MaxSample:
			return fmt.Errorf("sample %d is %g, beyond anything measurable (limit %g)", i+1, v, MaxSample)
		case engine && v < 0:
			return fmt.Errorf("sample %d is %g: %s cannot be negative", i+1, v, metric)
		case v == 0 && slices.Contains(positive, metric):
			return fmt.Errorf("sample %d is 0: %s cannot be zero", i+1, metric)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	// The gate widens tolerances by the spread of the pass medians, so they
	// must be medians of these samples: one per pass, within their range.
	if passes := f.Settings.Passes; len(s.PassMedians) > 0 && (passes < 2 || len(s.PassMedians) != passes) {
		return fmt.Errorf("%d pass medians for %d passes", len(s.PassMedians), max(passes, 1))
	}
	for i, v := range s.PassMedians {
		if !(v >= lo && v <= hi) {
			return fmt.Errorf("pass %d median %g lies outside its samples [%g, %g]", i+1, v, lo, hi)
		}
	}
	return nil
}

// Plan is what a check reruns: the baseline's runs and settings.
func (f *File) Plan() ([]catalog.Run, measure.Settings, error) {
	bt, err := measure.ParseBenchtime(f.Settings.Benchtime)
	if err != nil {
		return nil, measure.Settings{}, err
	}
	var runs []catalog.Run
	for _, r := range f.Runs {
		off, err := catalog.ParseSet(r.Off)
		if err != nil {
			return nil, measure.Settings{}, fmt.Errorf("run %s: %w", r.ID, err)
		}
		on, err := catalog.ParseSet(r.On)
		if err != nil {
			return nil, measure.Settings{}, fmt.Errorf("run %s: %w", r.ID, err)
		}
		runs = append(runs, catalog.Run{ID: r.ID, Opt: r.Opt, Workload: r.Workload, Kind: r.Kind, Off: off, On: on, Toggle: r.Toggle})
	}
	return runs, measure.Settings{Rounds: f.Settings.Rounds, Benchtime: bt}, nil
}
