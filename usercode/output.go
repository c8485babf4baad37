package usercode

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/gobench"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// checkRoot fails at once, with nothing left behind, on an output root
// that cannot be written.
func checkRoot(root string) error {
	cleanup, err := atomicfile.PrepareDir(root)
	if err != nil {
		return cmderr.BadInput(err)
	}
	cleanup()
	return nil
}

// Run is one benchmark measured and profiled off and on, held in memory
// until written.
type Run struct {
	Dir         string
	Bench       gobench.Bench
	Profiles    *gobench.Profiles
	Env         machine.Env
	Toggle      string // the on side, as gobench.Toggle.String says it
	ProfileTime time.Duration
	Warnings    []string
	Elapsed     time.Duration
	Created     time.Time
}

// resultFiles are a run's files beside its profiles.
var resultFiles = []string{results.File, "bench.txt", "summary.md", htmlpage.PageFile}

// FileNames lists the files a run writes.
func (r *Run) FileNames() []string { return append(r.Profiles.Sets.FileNames(), resultFiles...) }

func (r *Run) comparisons() []stats.Comparison { return r.Bench.Result.Compare() }

// Results is the run's results.json: a profile run whose toggle is the on
// side's switch and whose workload is the benchmark, so that perfbench
// report and the HTML page read it as they read a built-in one.
func (r *Run) Results() results.ProfileRun {
	res := r.Bench.Result
	movers := map[profiling.Kind][]profiling.Mover{}
	for k, c := range r.Profiles.Comparisons {
		movers[k] = c.Movers
	}
	return results.ProfileRun{
		Header: results.NewHeader(results.Profile, "profile", r.Created, r.Env),
		Settings: results.ProfileSettings{
			Toggle: r.Toggle, Workload: res.Workload, Off: res.Off, On: res.On,
			Rounds: res.Rounds, Benchtime: res.Benchtime, ProfileTime: r.ProfileTime.String(), Dir: r.Dir,
		},
		Elapsed:     r.Elapsed.Round(time.Millisecond).String(),
		Measurement: res.Record(), Comparisons: report.SanitizeComparisons(r.comparisons()),
		Profiles: r.Profiles.Comparisons, TopMovers: movers, Files: r.FileNames(),
	}
}

// files renders every file of the run into memory, so that a failure
// while rendering any run leaves every directory untouched.
func (r *Run) files() ([]atomicfile.File, error) {
	files, err := r.Profiles.Sets.Files()
	if err != nil {
		return nil, err
	}
	js, err := report.EncodeJSON(r.Results())
	if err != nil {
		return nil, fmt.Errorf("encode results.json: %w", err)
	}
	page, err := htmlpage.RenderNew(r.Dir, js, func(k profiling.Kind, s stats.Side) (*profile.Profile, error) {
		return r.Profiles.Sets.Side(s)[k], nil
	})
	if err != nil {
		return nil, err
	}
	var bench, md bytes.Buffer
	if err := r.WriteBench(&bench); err != nil {
		return nil, err
	}
	if err := r.WriteMarkdown(&md); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{results.File, js}, {"bench.txt", bench.Bytes()}, {"summary.md", md.Bytes()}, {htmlpage.PageFile, page}} {
		files = append(files, atomicfile.File{Name: f.name, Fill: func(w io.Writer) error { _, err := w.Write(f.b); return err }})
	}
	return files, nil
}

// WriteBench writes every round in the Go benchmark format, with the side
// as a config key, for `benchstat -col toggle`.
func (r *Run) WriteBench(w io.Writer) error {
	res := r.Bench.Result
	var rounds []report.BenchRound
	for _, s := range res.Samples {
		rounds = append(rounds, report.BenchRound{
			Name: r.Bench.Name, Config: map[string]string{"pkg": r.Bench.Package, "toggle": s.Side.String()},
			Iters: s.Ops, Values: s.Values,
		})
	}
	return report.WriteBench(w, res.Metrics, rounds)
}

func (r *Run) pprofCommands() []string {
	cmds := []string{"# off and on files of a kind are scaled to one operation count: -diff_base compares equal work"}
	for _, k := range profiling.Kinds() {
		if r.Profiles.Sets.Off[k] == nil {
			continue
		}
		cmds = append(cmds, fmt.Sprintf("go tool pprof -top -diff_base %s %s",
			filepath.Join(r.Dir, profiling.FileName(k, stats.Off)), filepath.Join(r.Dir, profiling.FileName(k, stats.On))))
	}
	return append(cmds, "benchstat -col toggle "+filepath.Join(r.Dir, "bench.txt"))
}

func (r *Run) settingsLine() []string {
	res := r.Bench.Result
	line := []string{
		"package=" + r.Bench.Package, "off=" + res.Off, "on=" + res.On,
		fmt.Sprintf("rounds=%d per side", res.Rounds), "benchtime=" + res.Benchtime,
		"profile-time=" + r.ProfileTime.String(), "elapsed=" + r.Elapsed.Round(100*time.Millisecond).String(),
	}
	if r.Profiles.WallAbsent != "" {
		line = append(line, r.Profiles.WallAbsent)
	}
	for _, w := range r.Warnings {
		line = append(line, "warning: "+w)
	}
	return line
}

// samplingSection is what each kind's profiles rest on, with a warning for
// a side too thin to trust.
func (r *Run) samplingSection() report.Section {
	sec := report.Section{
		Title:  "Profile samples per side",
		Header: []string{"profile", "off ops", "off samples", "on ops", "on samples", "compared at"},
	}
	count := func(c *profiling.Comparison, x profiling.Exposure) string {
		if !c.Tested {
			return "n/a"
		}
		return numfmt.Value(float64(x.Samples), "")
	}
	for _, k := range profiling.Kinds() {
		c := r.Profiles.Comparisons[k]
		if c == nil {
			continue
		}
		sec.Rows = append(sec.Rows, []string{string(k), numfmt.Value(float64(c.Off.Ops), ""), count(c, c.Off),
			numfmt.Value(float64(c.On.Ops), ""), count(c, c.On), numfmt.Value(float64(c.Ops), "ops")})
		if k == profiling.Heap {
			continue // the allocs pass's samples: warned once
		}
		for side, x := range map[stats.Side]profiling.Exposure{stats.Off: c.Off, stats.On: c.On} {
			if c.Tested && x.Thin {
				sec.Notes = append(sec.Notes, fmt.Sprintf("warning: the %s %s profile has %d samples (< %d), too few to trust: raise --profile-time",
					side, k, x.Samples, profiling.ThinSamples))
			}
		}
	}
	slices.Sort(sec.Notes)
	sec.Notes = append(sec.Notes, "The profiles cover the whole test process: the benchmark's setup and the testing package's first one-iteration run are in them too.")
	return sec
}

func (r *Run) moverRows() []report.MoverRow {
	var rows []report.MoverRow
	for _, k := range profiling.Kinds() {
		if c := r.Profiles.Comparisons[k]; c != nil {
			rows = append(rows, report.MoverRows(string(k), c.Movers)...)
		}
	}
	return rows
}

// WriteMarkdown writes summary.md, the table for a pull request.
func (r *Run) WriteMarkdown(w io.Writer) error {
	return report.WriteSummaryMarkdown(w, report.MarkdownSummary{
		Toggle: r.Toggle, Workload: r.Bench.Result.Workload, Env: r.Env,
		Settings: r.settingsLine(), Comparisons: r.comparisons(), Sections: []report.Section{r.samplingSection()},
		Movers: r.moverRows(), PprofCommands: r.pprofCommands(), Page: htmlpage.PageFile,
	})
}

// Print shows the run as the built-in profile command does.
func (r *Run) Print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		return report.WriteJSON(w, r.Results())
	case report.Markdown:
		return r.WriteMarkdown(w)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "perfbench profile: %s off vs on, benchmark %s\n%s\n", r.Toggle, r.Bench.Result.Workload, r.Env)
	for _, s := range r.settingsLine() {
		fmt.Fprintf(&b, "  %s", s)
	}
	b.WriteString("\n\n")
	if err := report.WriteComparisons(&b, report.Text, "", r.comparisons()); err != nil {
		return err
	}
	var kinds []string
	for _, k := range profiling.Kinds() {
		if r.Profiles.Comparisons[k] != nil {
			kinds = append(kinds, string(k))
		}
	}
	if err := report.WriteProfileText(&b, r.samplingSection(), r.moverRows(), kinds, r.pprofCommands()); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Runs are the runs of one command, written together.
type Runs struct {
	Format report.Format
	Runs   []*Run
}

// Write renders every run, then writes each run's directory all or none.
// Should a directory fail after others were written, the files written
// are removed again, so that the command leaves all of its runs or none.
func (s *Runs) Write() error {
	sets := make([][]atomicfile.File, len(s.Runs))
	for i, r := range s.Runs {
		files, err := r.files()
		if err != nil {
			return err
		}
		if err := atomicfile.CheckTargets(targets(r.Dir, files)...); err != nil {
			return cmderr.BadInput(err)
		}
		sets[i] = files
	}
	var created []string
	for i, r := range s.Runs {
		cleanup, err := atomicfile.PrepareDir(r.Dir)
		if err == nil {
			if err = atomicfile.WriteDir(r.Dir, sets[i]); err != nil {
				cleanup()
			}
		}
		if err != nil {
			for _, p := range created {
				os.Remove(p)
			}
			return err
		}
		created = append(created, targets(r.Dir, sets[i])...)
	}
	return nil
}

func targets(dir string, files []atomicfile.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(dir, f.Name)
	}
	return out
}

// Print shows every run, one after the other.
func (s *Runs) Print(w io.Writer, f report.Format) error {
	for i, r := range s.Runs {
		if i > 0 && f != report.JSON {
			fmt.Fprintln(w)
		}
		if err := r.Print(w, f); err != nil {
			return err
		}
	}
	return nil
}
