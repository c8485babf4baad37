package baseline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// SavePlan is a validated `perfbench baseline save`: the runs to take and how.
type SavePlan struct {
	Path   string
	Preset catalog.Preset
	Runs   []catalog.Run
	Passes int // ≥ 1; from 2 on the drift between passes is measured
	Lookup catalog.Lookup
	Log    io.Writer // progress, one line per run
}

// SaveOptions is a `perfbench baseline save` as the user gave it, with
// the registries it is resolved against.
type SaveOptions struct {
	catalog.PresetRequest
	Path    string
	Passes  int
	Toggles []toggles.Toggle
	Lookup  catalog.Lookup
	Log     io.Writer // progress, one line per run
}

// plan resolves the options against the registries, with at least
// MinRounds, and validates them. Every error is bad input.
func (r SaveOptions) plan() (SavePlan, error) {
	r.MinRounds = MinRounds
	preset, runs, _, err := r.Resolve(r.Toggles, r.Lookup)
	if err != nil {
		return SavePlan{}, cmderr.BadInput(err)
	}
	o := SavePlan{Path: r.Path, Preset: preset, Runs: runs, Passes: r.Passes, Lookup: r.Lookup, Log: r.Log}
	return o, cmderr.BadInput(o.Validate())
}

// Validate checks the options before anything runs; every error is bad
// input naming what is valid.
func (r SaveOptions) Validate() error {
	_, err := r.plan()
	return err
}

// RunSave takes the baseline, writes it (nothing on failure or Ctrl-C) and
// says on out what it holds.
func RunSave(ctx context.Context, r SaveOptions, out io.Writer) error {
	p, err := r.plan()
	if err != nil {
		return err
	}
	_, err = runout.Do(filepath.Dir(p.Path), report.Text, out, logOf(r.Log), func() (*Saved, error) { return TakePasses(ctx, p) })
	return err
}

func logOf(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Validate rejects a request that cannot be run; every error is about the
// input.
func (o SavePlan) Validate() error {
	if o.Path == "" {
		return fmt.Errorf("--file is empty")
	}
	if err := atomicfile.CheckTargets(o.Path); err != nil {
		return fmt.Errorf("--file: %w (the baseline is one file, e.g. %s)", err, DefaultFile)
	}
	if err := measure.CheckRounds(o.Preset.Rounds, MinRounds); err != nil {
		return err
	}
	if o.Passes < 1 || o.Passes > MaxPasses {
		return fmt.Errorf("invalid --passes %d: want 1 to %d (2 or more to measure drift)", o.Passes, MaxPasses)
	}
	return nil
}

// Saved is a baseline taken by TakePasses, to be saved at Path.
type Saved struct {
	*File
	Path string
	Took time.Duration
}

// Write saves the baseline file, atomically.
func (s *Saved) Write() error { return Save(s.Path, s.File) }

// Print says what the baseline holds (one format: it is a short summary).
func (s *Saved) Print(w io.Writer, _ report.Format) error { return s.WriteSaved(w, s.Path, s.Took) }

// TakePasses runs the suite o.Passes times, one pass after the other, and
// builds the baseline from them, pooled. It writes nothing.
func TakePasses(ctx context.Context, o SavePlan) (*Saved, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	var all [][]catalog.Result
	probes := map[string][]float64{}
	for p := 1; p <= o.Passes; p++ {
		results, pr, err := Take(ctx, o.Runs, o.Preset.Settings(), o.Lookup, func(i, n int, r catalog.Run) {
			fmt.Fprintf(o.Log, "perfbench: baseline pass %d/%d [%d/%d] %s: off=%s on=%s\n", p, o.Passes, i+1, n, r.ID, r.Off, r.On)
		})
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, fmt.Errorf("interrupted: %s was not written: %w", o.Path, err)
			}
			return nil, err
		}
		all = append(all, results)
		for id, v := range pr {
			probes[id] = append(probes[id], v...)
		}
	}
	return &Saved{File: NewPasses(machine.Current(), o.Preset, all, probes), Path: o.Path, Took: time.Since(start)}, nil
}

// WriteSaved says what a saved baseline holds and, with several passes,
// how far they drifted apart.
func (f *File) WriteSaved(w io.Writer, path string, took time.Duration) error {
	var b bytes.Buffer
	if f.Settings.Passes > 1 {
		drift := f.Drift()
		var parts []string
		for _, m := range []string{measure.NsPerOp, measure.CPUNsPerOp, measure.BytesPerOp, measure.AllocsPerOp} {
			parts = append(parts, m+" "+numfmt.Pct(drift.Floor(m)*100))
		}
		fmt.Fprintf(&b, "drift between the %d passes (%s of runs within): %s — check widens each metric's tolerance by it\n",
			f.Settings.Passes, numfmt.Pct(DriftFloorQuantile*100), strings.Join(parts, ", "))
	}
	metrics := 0
	for _, r := range f.Runs {
		metrics += len(r.Metrics)
	}
	fmt.Fprintf(&b, "saved baseline %s: %d runs, %d metrics with off and on samples, %s preset (%d rounds of %s per side), took %s\n%s\n",
		path, len(f.Runs), metrics, f.Settings.Preset, f.Settings.Rounds, f.Settings.Benchtime, took.Round(100*time.Millisecond), f.Env)
	_, err := w.Write(b.Bytes())
	return err
}

// ParsePct reads a percentage, "10%" or "0.5 %", into a fraction. The %
// sign is required: a bare number is ambiguous (is 0.1 ten percent or a
// tenth of one?), so it is refused rather than guessed.
func ParsePct(what, s string) (float64, error) {
	t, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	switch {
	case err == nil && !ok:
		return 0, fmt.Errorf("invalid %s %q: write the percentage with %%, e.g. %g%% (a bare number is ambiguous: 0.1 could mean 10 %% or 0.1 %%)", what, s, v)
	case err != nil || !ok || v < 0 || v > 1000 || v != v:
		return 0, fmt.Errorf("invalid %s %q: want a percentage between 0%% and 1000%%, e.g. 10%%", what, s)
	}
	return v / 100, nil
}

// ParseTolerances reads the check's tolerance flags: the time and
// allocation tolerances, and per-metric overrides NAME=PCT or NAME=off.
func ParseTolerances(timeTol, allocTol string, perMetric []string) (Tolerances, error) {
	var t Tolerances
	var err error
	if t.Time, err = ParsePct("--tolerance", timeTol); err != nil {
		return t, err
	}
	if t.Alloc, err = ParsePct("--alloc-tolerance", allocTol); err != nil {
		return t, err
	}
	for _, kv := range perMetric {
		name, val, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return t, fmt.Errorf("invalid --metric-tolerance %q: want NAME=PCT or NAME=off, e.g. peak-heap-B=30%%", kv)
		}
		if t.PerMetric == nil {
			t.PerMetric = map[string]float64{}
		}
		if strings.TrimSpace(val) == "off" {
			t.PerMetric[name] = -1
			continue
		}
		if t.PerMetric[name], err = ParsePct("--metric-tolerance "+name, val); err != nil {
			return t, err
		}
	}
	return t, nil
}

// CheckNames refuses a per-metric tolerance for a metric the baseline does
// not hold: it would silently change nothing. The error names the valid
// metrics.
func (t Tolerances) CheckNames(b *File) error {
	held := map[string]bool{}
	var names []string
	for _, r := range b.Runs {
		for _, m := range r.Metrics {
			if !held[m.Name] {
				held[m.Name] = true
				names = append(names, m.Name)
			}
		}
	}
	var unknown []string
	for name := range t.PerMetric {
		if !held[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("--metric-tolerance: unknown metric %s (the baseline's metrics: %s)", strings.Join(quoteAll(unknown), ", "), strings.Join(names, ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// CheckPlan is a validated `perfbench baseline check`: the tolerances and what to show.
type CheckPlan struct {
	Path       string
	Tolerances Tolerances
	Confirm    bool     // rerun the runs that regressed; only repeated regressions count
	Unchecked  []string // what the baseline lacks (from Open), shown
	Lookup     catalog.Lookup
	Log        io.Writer // warnings and progress
}

// CheckOptions is a `perfbench baseline check` as the user gave it, with
// the registries it is resolved against.
type CheckOptions struct {
	Path                      string
	Tolerance, AllocTolerance string   // with their % sign
	MetricTolerances          []string // NAME=PCT or NAME=off
	Confirm                   bool
	Format                    string // text, markdown or json
	All                       bool   // show every metric, not only those that moved
	Toggles                   []toggles.Toggle
	Lookup                    catalog.Lookup
	Log                       io.Writer
}

// open parses the format and tolerances and opens the baseline at Path
// (see Open), so that nothing runs on bad input. Every error is bad input.
func (r CheckOptions) open() (*File, CheckPlan, report.Format, error) {
	o := CheckPlan{Path: r.Path, Confirm: r.Confirm, Lookup: r.Lookup, Log: logOf(r.Log)}
	f := report.Text
	if r.Format != "" {
		var err error
		if f, err = report.ParseFormat(r.Format); err != nil {
			return nil, o, f, cmderr.BadInput(err)
		}
	}
	tol, err := ParseTolerances(r.Tolerance, r.AllocTolerance, r.MetricTolerances)
	if err != nil {
		return nil, o, f, cmderr.BadInput(err)
	}
	b, unchecked, err := Open(r.Path, r.Toggles, r.Lookup, tol)
	o.Tolerances, o.Unchecked = tol, unchecked
	return b, o, f, cmderr.BadInput(err)
}

// Validate checks the options and the baseline file before anything runs;
// every error is bad input naming what is valid.
func (r CheckOptions) Validate() error {
	_, _, _, err := r.open()
	return err
}

// RunCheck reruns what the baseline holds, prints the verdicts to out, and
// returns cmderr's criterion error on a regression.
func RunCheck(ctx context.Context, r CheckOptions, out io.Writer) error {
	b, p, f, err := r.open()
	if err != nil {
		return err
	}
	check, err := Recheck(ctx, b, p)
	if err != nil {
		return err
	}
	if err := check.Print(out, f, r.All); err != nil {
		return err
	}
	return runout.Verdict(check)
}

// Check is a finished check: the baseline, the verdicts and how long the
// check took.
type Check struct {
	Baseline *File
	Report
	Took time.Duration
}

// Recheck reruns what baseline b holds and judges every metric against it,
// confirming regressions when asked. b must have been Resolved.
func Recheck(ctx context.Context, b *File, o CheckPlan) (*Check, error) {
	warn, info := EnvDiff(b.Env, machine.Current())
	if len(warn) > 0 {
		fmt.Fprintf(o.Log, "perfbench: WARNING: this machine or build differs from the baseline's, so numbers may move for reasons other than the code:\n")
		for _, w := range warn {
			fmt.Fprintf(o.Log, "perfbench:   %s\n", w)
		}
	}
	for _, i := range info {
		fmt.Fprintf(o.Log, "perfbench: note: %s (expected)\n", i)
	}
	fmt.Fprintf(o.Log, "perfbench: note: %s\n", TimeAcrossSessions)
	start := time.Now()
	fresh, probes, err := Rerun(ctx, b, o.Lookup, func(i, n int, r catalog.Run) {
		fmt.Fprintf(o.Log, "perfbench: check [%d/%d] %s: off=%s on=%s\n", i+1, n, r.ID, r.Off, r.On)
	})
	if err != nil {
		return nil, interrupted(err)
	}
	rep := Compare(b, fresh, probes, o.Tolerances)
	if n := len(rep.Regressions()); n > 0 && o.Confirm {
		fmt.Fprintf(o.Log, "perfbench: %d metric(s) look worse; rerunning their runs to confirm\n", n)
		rep, err = Confirm(ctx, b, rep, o.Lookup, o.Tolerances, func(i, n int, r catalog.Run) {
			fmt.Fprintf(o.Log, "perfbench: confirm [%d/%d] %s\n", i+1, n, r.ID)
		})
		if err != nil {
			return nil, interrupted(err)
		}
	}
	rep.Baseline, rep.EnvWarnings, rep.EnvInfo, rep.Unchecked = o.Path, warn, info, o.Unchecked
	if rep.MachineWarning != "" {
		fmt.Fprintf(o.Log, "perfbench: WARNING: %s\n", rep.MachineWarning)
	}
	return &Check{Baseline: b, Report: rep, Took: time.Since(start)}, nil
}

// Failed describes the regressions as an error message, or "" when none.
func (c *Check) Failed() string {
	regs := c.Regressions()
	if len(regs) == 0 {
		return ""
	}
	var what []string
	for _, r := range regs {
		what = append(what, fmt.Sprintf("%s %s %s %+.1f%%", r.Run, r.Side, r.Metric.Name, r.DeltaPct))
	}
	return fmt.Sprintf("%d regression(s) against %s: %s", len(regs), c.Report.Baseline, strings.Join(what, "; "))
}

var checkHeader = []string{"run", "side", "metric", "baseline", "now", "delta", "p", "tolerance", "verdict", "note"}

func (c *Check) rows(all bool) [][]string {
	var rows [][]string
	for _, f := range c.Findings {
		if !all && f.Label() == string(stats.NoDiff) {
			continue
		}
		tol := "±" + numfmt.Pct(f.TolerancePct)
		if f.DriftPct > 0 {
			tol = fmt.Sprintf("±%s (%s + %s drift)", numfmt.Pct(f.TolerancePct), numfmt.Pct(f.TolerancePct-f.DriftPct), numfmt.Pct(f.DriftPct))
		}
		if !f.Gated {
			tol = "not gated"
		}
		delta, p := "n/a", "n/a"
		if f.Verdict.Status != verdict.Inconclusive {
			p = stats.FormatP(f.p())
			if f.Baseline.Center != 0 || f.Now.Center == 0 {
				delta = fmt.Sprintf("%+.1f%%", f.DeltaPct)
			}
		}
		rows = append(rows, []string{
			f.Run, f.Side.String(), f.Metric.Name,
			report.FormatSummary(f.Baseline, f.Metric.Name), report.FormatSummary(f.Now, f.Metric.Name),
			delta, p, tol, f.Label(), f.Verdict.Reason,
		})
	}
	return rows
}

func (c *Check) counts() string {
	n := c.Count()
	var parts []string
	for _, s := range labels {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
		}
	}
	return strings.Join(parts, ", ")
}

// CheckJSON is the layout of `baseline check --format json`.
type CheckJSON struct {
	SchemaVersion int `json:"schema_version"`
	Report
	Regressions int    `json:"regressions"`
	Elapsed     string `json:"elapsed"`
}

// Print shows the check in the chosen format; all adds the metrics that
// did not move.
func (c *Check) Print(w io.Writer, f report.Format, all bool) error {
	if f == report.JSON {
		return report.WriteJSON(w, CheckJSON{SchemaVersion, c.Report, len(c.Regressions()), c.Took.Round(time.Millisecond).String()})
	}
	var buf bytes.Buffer
	b := c.Baseline
	title := fmt.Sprintf("perfbench baseline check: %d runs against %s (saved %s, %s preset: %d rounds of %s per side), took %s",
		len(b.Runs), c.Report.Baseline, b.Created.Format("2006-01-02 15:04 MST"), b.Settings.Preset, b.Settings.Rounds, b.Settings.Benchtime,
		c.Took.Round(100*time.Millisecond))
	if f == report.Markdown {
		fmt.Fprintf(&buf, "## %s\n\n", title)
	} else {
		fmt.Fprintf(&buf, "%s\n\n", title)
	}
	for _, wn := range c.EnvWarnings {
		fmt.Fprintf(&buf, "environment differs: %s\n", wn)
	}
	if c.Machine != nil {
		fmt.Fprintf(&buf, "machine probe vs baseline: %+.1f %% (%s)", c.Machine.DeltaPct, stats.PEquals(c.Machine.P))
		if c.MachineWarning != "" {
			buf.WriteString(" — WARNING: " + c.MachineWarning)
		}
		buf.WriteString("\n")
	}
	for _, u := range c.Unchecked {
		fmt.Fprintf(&buf, "not checked: %s\n", u)
	}
	if len(c.EnvWarnings) > 0 || c.Machine != nil || len(c.Unchecked) > 0 {
		buf.WriteString("\n")
	}
	rows := c.rows(all)
	if len(rows) == 0 {
		buf.WriteString("Nothing moved: every metric is ~ (not significant, or within its tolerance).\n")
	} else if err := report.WriteNotedTable(&buf, f, checkHeader, rows); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s. A regression needs p < 0.05 and a change worse than the tolerance with 95 %% confidence.\n", c.counts())
	if n := len(c.Regressions()); n > 0 {
		fmt.Fprintf(&buf, "FAIL: %d regression(s).\n", n)
	} else {
		buf.WriteString("OK: no regression.\n")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Open loads the baseline at path and checks, before anything runs, that
// this perfbench can rerun what it holds (see Resolve: ts are the toggles
// the suite is planned from) and that every per-metric tolerance names one
// of its metrics. It returns what the baseline lacks, to be shown as not
// checked. Every error is about the input.
func Open(path string, ts []toggles.Toggle, lookup catalog.Lookup, tol Tolerances) (*File, []string, error) {
	b, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	all, err := catalog.Plan(ts, nil, lookup)
	if err != nil {
		return nil, nil, err
	}
	unchecked, err := Resolve(b, all, lookup)
	if err != nil {
		return nil, nil, fmt.Errorf("%w; the baseline does not match this perfbench: make a new one with: perfbench baseline save --file %s", err, path)
	}
	if err := tol.CheckNames(b); err != nil {
		return nil, nil, err
	}
	return b, unchecked, nil
}

// interrupted says that a cancelled check reached no verdict.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: no verdict: %w", err)
	}
	return err
}
