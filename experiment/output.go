package experiment

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
)

// Results builds the run's results document.
func (o *Outcome) Results() results.ProfileRun {
	opts := o.Config
	return results.ProfileRun{
		Header: results.NewHeader(results.Profile, opts.Command, o.Created, o.Env),
		Settings: results.ProfileSettings{
			Toggle: opts.Toggle.Name, Workload: opts.Workload.Name,
			Off: opts.Off.String(), On: opts.On.String(),
			Rounds: opts.Settings.Rounds, Benchtime: opts.Settings.Benchtime.String(),
			ProfileTime: opts.ProfileTime.String(), Dir: opts.Dir, ProfileKinds: strings.Join(o.kindNames(), ","),
		},
		Elapsed:     o.Elapsed.Round(time.Millisecond).String(),
		Measurement: o.Measurement.Record(), Comparisons: report.SanitizeComparisons(o.Comparisons),
		Profiles: o.Sampling, TopMovers: o.Movers, Files: o.FileNames(), Record: o.Timing,
	}
}

// resultFiles are the run's files beside its profiles.
var resultFiles = []string{"results.json", "bench.txt", "summary.md", htmlpage.PageFile}

// FileNames lists the files Write puts in the run directory.
func (o *Outcome) FileNames() []string {
	return append(o.Profiles.FileNames(), resultFiles...)
}

// Targets are the paths Write may write, known before the run: a check of
// them up front fails a run that could not be written before it starts.
func (o Config) Targets() []string {
	var paths []string
	for _, name := range append(profiling.AllFileNames(), resultFiles...) {
		paths = append(paths, filepath.Join(o.Dir, name))
	}
	return paths
}

// Wrote says, once the run is written, what it wrote where.
func (o *Outcome) Wrote() string {
	s := fmt.Sprintf("wrote %d files to %s", len(o.FileNames()), o.Config.Dir)
	if o.Config.TraceTime {
		var b bytes.Buffer
		b.WriteString(s + "\ntime taken, per phase (--trace-time):\n")
		if err := report.WriteTable(&b, report.Text, timing.TableHeader, [][]string{timing.Row(o.Config.Toggle.Name+"/"+o.Config.Workload.Name, o.Timing)}); err != nil {
			return s
		}
		s = strings.TrimRight(b.String(), "\n")
	}
	return s
}

// kinds are the profile kinds the run takes, in Kinds order.
func (o *Outcome) kinds() []profiling.Kind {
	if o.Config.Kinds == nil {
		return profiling.Kinds()
	}
	var ks []profiling.Kind
	for _, k := range profiling.Kinds() {
		if slices.Contains(o.Config.Kinds, k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// kindNames are kinds as results.json lists them: nil when the run takes
// every kind.
func (o *Outcome) kindNames() []string {
	if o.Config.Kinds == nil {
		return nil
	}
	var names []string
	for _, k := range o.kinds() {
		names = append(names, string(k))
	}
	return names
}

// Write saves every file of the run (FileNames) to its directory, all or
// none, and adds the time it took to the run's breakdown. A profile file
// of an earlier run in the same directory that this run did not write is
// removed once the run's own files are in place, so that the directory
// holds what results.json lists and nothing older beside it.
func (o *Outcome) Write() error {
	start := time.Now()
	defer func() { o.Timing.Time.Add(timing.Report, "", time.Since(start)) }()
	files, err := o.Profiles.Files()
	if err != nil {
		return err
	}
	js, err := report.EncodeJSON(o.Results())
	if err != nil {
		return fmt.Errorf("encode results.json: %w", err)
	}
	page, err := htmlpage.RenderNew(o.Config.Dir, js, func(k profiling.Kind, s stats.Side) (*profile.Profile, error) {
		return o.Profiles.Side(s)[k], nil
	})
	if err != nil {
		return err
	}
	files = append(files,
		atomicfile.File{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		atomicfile.File{Name: "bench.txt", Fill: o.WriteBench},
		atomicfile.File{Name: "summary.md", Fill: o.WriteMarkdown},
		atomicfile.File{Name: htmlpage.PageFile, Fill: func(w io.Writer) error { _, err := w.Write(page); return err }},
	)
	if err := atomicfile.WriteDir(o.Config.Dir, files); err != nil {
		return err
	}
	return o.removeStale()
}

// removeStale removes the profile files Write may write (Targets) that
// this run did not.
func (o *Outcome) removeStale() error {
	wrote := o.FileNames()
	for _, name := range profiling.AllFileNames() {
		if slices.Contains(wrote, name) {
			continue
		}
		if err := os.Remove(filepath.Join(o.Config.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", name, err)
		}
	}
	return nil
}

// WriteBench writes every round in the Go benchmark format, for benchstat.
func (o *Outcome) WriteBench(w io.Writer) error {
	name := "Profile/" + o.Config.Toggle.Name + "/" + o.Config.Workload.Name
	var rounds []report.BenchRound
	for _, s := range o.Measurement.Samples {
		rounds = append(rounds, report.BenchRound{
			Name: name, Config: map[string]string{"toggle": s.Side.String()},
			Iters: s.Ops, Values: s.Values,
		})
	}
	return report.WriteBench(w, o.Measurement.Metrics, rounds)
}

// pprofCommands are the commands that dig into the diff of each kind,
// after a shell comment saying what the files hold.
func (o *Outcome) pprofCommands() []string {
	var cmds []string
	if len(o.Sampling) > 0 {
		cmds = append(cmds, "# off and on files of a kind are scaled to one operation count: -diff_base compares equal work")
	}
	dir := o.Config.Dir
	for _, k := range o.kinds() {
		cmds = append(cmds, fmt.Sprintf("go tool pprof -top -diff_base %s %s",
			filepath.Join(dir, profiling.FileName(k, stats.Off)), filepath.Join(dir, profiling.FileName(k, stats.On))))
	}
	return append(cmds, fmt.Sprintf("benchstat -col toggle %s", filepath.Join(dir, "bench.txt")))
}

// samplingSection is the table of what each profile rests on, with a
// warning for every side too thin to trust.
func (o *Outcome) samplingSection() report.Section {
	sec := report.Section{
		Title:  "Profile samples per side",
		Header: []string{"profile", "off ops", "off samples", "on ops", "on samples", "compared at"},
	}
	count := func(c *profiling.Comparison, x profiling.Exposure) string {
		if !c.Tested {
			return "n/a"
		}
		s := numfmt.Value(float64(x.Samples), "")
		if x.Dispersion > 1 {
			s += fmt.Sprintf(" (%d goroutines/tick)", x.Dispersion)
		}
		return s
	}
	for _, k := range profiling.Kinds() {
		c := o.Sampling[k]
		if c == nil {
			continue
		}
		sec.Rows = append(sec.Rows, []string{
			string(k), numfmt.Value(float64(c.Off.Ops), ""), count(c, c.Off),
			numfmt.Value(float64(c.On.Ops), ""), count(c, c.On), numfmt.Value(float64(c.Ops), "ops"),
		})
		if k == profiling.Heap && o.Sampling[profiling.Allocs] != nil {
			continue // one pass with allocs, the same samples: warned once
		}
		for _, side := range stats.Sides() {
			x := c.Off
			if side == stats.On {
				x = c.On
			}
			if x.Thin {
				sec.Notes = append(sec.Notes, fmt.Sprintf(
					"warning: the %s %s profile has %d samples (< %d), too few to trust: raise --profile-time (a side that hardly uses it has little to show)",
					side, k, x.Samples, profiling.ThinSamples))
			}
		}
	}
	sec.Notes = append(sec.Notes, fmt.Sprintf(
		"Samples: cpu at %d Hz; allocs and heap (one pass): allocations the runtime sampled, one per %s; wall: goroutines seen per fgprof tick; block and mutex record every event and are not tested.",
		profiling.CPUHz, numfmt.Value(profiling.MemPassRate, "B")))
	return sec
}

func (o *Outcome) moverRows() []report.MoverRow {
	var rows []report.MoverRow
	for _, k := range o.kinds() {
		rows = append(rows, report.MoverRows(string(k), o.Movers[k])...)
	}
	return rows
}

func (o *Outcome) settingsLine() []string {
	opts := o.Config
	line := []string{
		"off=" + opts.Off.String(), "on=" + opts.On.String(),
		fmt.Sprintf("rounds=%d per side", opts.Settings.Rounds),
		"benchtime=" + opts.Settings.Benchtime.String(),
		fmt.Sprintf("ops/round off=%d on=%d", o.ops(stats.Off), o.ops(stats.On)),
		"profile-time=" + opts.ProfileTime.String(),
		fmt.Sprintf("rounds used=%d", o.Timing.RoundsUsed),
		"elapsed=" + o.Elapsed.Round(100*time.Millisecond).String(),
		"time: " + timing.Compact(o.Timing.Time),
	}
	if o.Timing.Stopped != "" {
		line = append(line, o.Timing.Stopped+" (the suite judges it INCONCLUSIVE; no profiles taken)")
	}
	if o.Config.Kinds != nil {
		line = append(line, fmt.Sprintf("profiles: %s only (%s)", strings.Join(o.kindNames(), ", "), o.Config.KindsWhy))
	}
	if len(o.Reused) > 0 {
		line = append(line, fmt.Sprintf("profiles of %v shared with an earlier run of the identical side", o.Reused))
	}
	return line
}

// ops is the operations per round of a side (0 before any round).
func (o *Outcome) ops(side stats.Side) int {
	for _, s := range o.Measurement.Samples {
		if s.Side == side {
			return s.Ops
		}
	}
	return 0
}

// WriteMarkdown writes summary.md, the table for a pull request.
func (o *Outcome) WriteMarkdown(w io.Writer) error {
	return report.WriteSummaryMarkdown(w, report.MarkdownSummary{
		Toggle: o.Config.Toggle.Name, Workload: o.Config.Workload.Name, Env: o.Env,
		Settings: o.settingsLine(), Comparisons: o.Comparisons, Sections: []report.Section{o.samplingSection()},
		Movers: o.moverRows(), PprofCommands: o.pprofCommands(), Page: htmlpage.PageFile,
	})
}

// Print shows the run on stdout in the chosen format.
func (o *Outcome) Print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		return report.WriteJSON(w, o.Results())
	case report.Markdown:
		return o.WriteMarkdown(w)
	}
	var b bytes.Buffer
	opts := o.Config
	fmt.Fprintf(&b, "perfbench profile: %s off vs on, workload %s — %s\n%s\n", opts.Toggle.Name, opts.Workload.Name, opts.Workload.Op, o.Env)
	for _, s := range o.settingsLine() {
		fmt.Fprintf(&b, "  %s", s)
	}
	b.WriteString("\n\n")
	if err := report.WriteComparisons(&b, report.Text, "", o.Comparisons); err != nil {
		return err
	}
	var kinds []string
	for _, k := range o.kinds() {
		kinds = append(kinds, string(k))
	}
	if err := report.WriteProfileText(&b, o.samplingSection(), o.moverRows(), kinds, o.pprofCommands()); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
