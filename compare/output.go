package compare

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/timing"
)

// tolerances describes the bands, for results.json and the output.
const tolerances = "time metrics 10 %, allocation metrics 2 % (a regression needs the whole 95 % CI of head/base beyond it); GC and heap metrics are shown against their noise band, never a regression"

// Results builds the results document.
func (o *Outcome) Results() results.CompareRun {
	cases := make([]results.CompareCaseResult, len(o.Cases))
	for i, c := range o.Cases {
		cases[i] = results.CompareCaseResult{
			CompareCase: c.CompareCase, Measurement: c.Measurement.Record(),
			Comparisons: report.SanitizeComparisons(c.Comparisons), Verdicts: c.Verdicts, Regressions: c.Regressions,
			Elapsed: c.Elapsed.Round(time.Millisecond).String(), Record: c.Timing,
		}
	}
	regs := o.Regressions()
	if regs == nil {
		regs = []string{}
	}
	skipped := o.Skipped
	if skipped == nil {
		skipped = []Skipped{}
	}
	return results.CompareRun{
		Header: results.NewHeader(results.Compare, "compare", o.Created, o.Env),
		Settings: results.CompareSettings{
			Opts: o.Plan.Opts, Workloads: o.Plan.Workloads, Rounds: o.Plan.Settings.Rounds, Order: "ABBA",
			Benchtime: o.Plan.Settings.Benchtime.String(), ProfileTime: o.Plan.ProfileTime.String(),
			Tolerances: tolerances, Out: o.Plan.Out,
		},
		Base: o.Base, Head: o.Head, Elapsed: o.Elapsed.Round(time.Millisecond).String(),
		Cases: cases, Skipped: skipped, Regressions: regs, Files: o.FileNames(),
	}
}

// fileStem names a case's files: its ID with path separators replaced.
func fileStem(id string) string { return strings.ReplaceAll(id, "/", "-") }

// ProfileName is the file of one case's profile of kind for "base",
// "head" or "diff" (head minus base).
func ProfileName(caseID string, k profiling.Kind, which string) string {
	return fmt.Sprintf("%s.%s.%s.pb.gz", fileStem(caseID), k, which)
}

// namedProfile is one profile file of the run.
type namedProfile struct {
	name string
	p    *profile.Profile
}

// profiles are the run's profile files, per case, kind, and base, head
// and diff.
func (o *Outcome) profiles() []namedProfile {
	var out []namedProfile
	for _, c := range o.Cases {
		for _, k := range profiling.Kinds() {
			for _, s := range []struct {
				which string
				p     *profile.Profile
			}{{"base", c.Profiles.Off[k]}, {"head", c.Profiles.On[k]}, {"diff", c.Profiles.Diff[k]}} {
				if s.p != nil {
					out = append(out, namedProfile{ProfileName(c.ID, k, s.which), s.p})
				}
			}
		}
	}
	return out
}

// FileNames lists what Write puts in the output directory.
func (o *Outcome) FileNames() []string {
	var names []string
	for _, np := range o.profiles() {
		names = append(names, np.name)
	}
	return append(names, "results.json", "summary.md", htmlpage.PageFile)
}

// Wrote says, once the run is written, what it wrote where.
func (o *Outcome) Wrote() string {
	return fmt.Sprintf("wrote %d files to %s", len(o.FileNames()), o.Plan.Out)
}

// Write saves the run directory, all or nothing: the profiles,
// results.json, summary.md and report.html (rendered from the same
// results.json and profiles, so `perfbench report` reproduces it).
func (o *Outcome) Write() error {
	if o.Plan.TraceTime && o.Plan.Stderr != nil {
		defer func(start time.Time) {
			fmt.Fprintf(o.Plan.Stderr, "perfbench compare: writing the run directory took %s\n", time.Since(start).Round(time.Millisecond))
		}(time.Now())
	}
	js, err := report.EncodeJSON(o.Results())
	if err != nil {
		return fmt.Errorf("encode results.json: %w", err)
	}
	var files []atomicfile.File
	byName := map[string]*profile.Profile{}
	for _, np := range o.profiles() {
		p := np.p
		byName[np.name] = p
		files = append(files, atomicfile.File{Name: np.name, Fill: func(w io.Writer) error { return p.Write(w) }})
	}
	page, err := htmlpage.RenderFiles(o.Plan.Out, js, htmlpage.MemoryFiles(byName))
	if err != nil {
		return err
	}
	files = append(files,
		atomicfile.File{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		atomicfile.File{Name: "summary.md", Fill: func(w io.Writer) error { return o.writeMarkdown(w, htmlpage.PageFile) }},
		atomicfile.File{Name: htmlpage.PageFile, Fill: func(w io.Writer) error { _, err := w.Write(page); return err }},
	)
	return atomicfile.WriteDir(o.Plan.Out, files)
}

// PprofHints are the commands that show where head got slower, per case
// that has CPU profiles (a case out of budget has none).
func (o *Outcome) PprofHints() []string {
	var out []string
	for _, c := range o.Cases {
		if c.Profiles.Off[profiling.CPU] == nil {
			continue
		}
		out = append(out, fmt.Sprintf("go tool pprof -top -diff_base %s/%s %s/%s", o.Plan.Out, ProfileName(c.ID, profiling.CPU, "base"),
			o.Plan.Out, ProfileName(c.ID, profiling.CPU, "head")))
	}
	return out
}

func (o *Outcome) verdict() string {
	if regs := o.Regressions(); len(regs) > 0 {
		return fmt.Sprintf("REGRESSION: head is worse than base beyond the tolerance in %d metric(s): %s", len(regs), strings.Join(regs, "; "))
	}
	if out := o.OutOfBudget(); len(out) > 0 {
		return fmt.Sprintf("INCONCLUSIVE: %d case(s) reached their share of --max-time before a verdict (%s); no regression in the other %d",
			len(out), strings.Join(out, ", "), len(o.Cases)-len(out))
	}
	return "no regression: no gated metric's CI of head/base lies wholly beyond its tolerance"
}

// OutOfBudget names the cases whose time budget ran out: every gated
// metric of theirs is INCONCLUSIVE.
func (o *Outcome) OutOfBudget() []string {
	var out []string
	for _, c := range o.Cases {
		if c.Timing.Stopped != "" {
			out = append(out, c.ID)
		}
	}
	return out
}

// roundsCell is a case's rounds as the tables show them: the round pairs
// used of the most, and why it ended early.
func roundsCell(c CaseResult) string {
	s := fmt.Sprintf("%d of %d round pairs", c.Timing.RoundsUsed, c.Measurement.Rounds)
	switch {
	case c.Timing.Stopped != "":
		s += ", time budget reached: INCONCLUSIVE"
	case c.Timing.RoundsUsed < c.Measurement.Rounds && c.Measurement.Look != nil:
		s += fmt.Sprintf(", settled at the look after %d (level %.2f %%)", c.Timing.RoundsUsed, c.Measurement.Look.Level()*100)
	}
	return s + ", " + c.Elapsed.Round(100*time.Millisecond).String()
}

// TraceTable is --trace-time's table: every case's time breakdown and the
// totals.
func (o *Outcome) TraceTable() string {
	var rows [][]string
	var total timing.Record
	for _, c := range o.Cases {
		rows = append(rows, timing.Row(c.ID, c.Timing))
		total.RoundsUsed += c.Timing.RoundsUsed
		total.Time.Merge(c.Timing.Time)
	}
	rows = append(rows, timing.Row("all cases", total))
	var buf bytes.Buffer
	if err := report.WriteTable(&buf, report.Text, timing.TableHeader, rows); err != nil {
		return err.Error()
	}
	return strings.TrimRight(buf.String(), "\n")
}

var header = report.ComparisonHeaderFor("base", "head")

// Print writes the comparison tables in format f.
func (o *Outcome) Print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		return report.WriteJSON(w, o.Results())
	case report.Markdown:
		return o.writeMarkdown(w, "")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "perfbench compare: base %s vs head %s\n", o.Base.Label(), o.Head.Label())
	fmt.Fprintf(&b, "%s; up to %d round pairs (ABBA) of %s per case, stopping at a look once every gated metric is settled; %s\n", o.Base.Go, o.Plan.Settings.Rounds, o.Plan.Settings.Benchtime, "tolerances: "+tolerances)
	for _, c := range o.Cases {
		b.WriteString("\n")
		if err := report.WriteComparisonsOf(&b, report.Text, c.ID+" (runs: "+strings.Join(c.Runs, ", ")+"; "+roundsCell(c)+")", header, c.Comparisons); err != nil {
			return err
		}
	}
	if len(o.Skipped) > 0 {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(skippedLines(o.Skipped), "\n"))
	}
	fmt.Fprintf(&b, "\n%s\n\nWhere head spends more (base as diff_base):\n  %s\n", o.verdict(), strings.Join(o.PprofHints(), "\n  "))
	_, err := w.Write(b.Bytes())
	return err
}

// writeMarkdown writes the tables as Markdown; page, when set, is the HTML
// page written beside it, which summary.md links to.
func (o *Outcome) writeMarkdown(w io.Writer, page string) error {
	var d report.Doc
	d.Title(fmt.Sprintf("perfbench compare: `%s` → `%s`", o.Base.Label(), o.Head.Label()))
	d.Field("Verdict", o.verdict())
	d.Field("Environment", fmt.Sprintf("%s %s/%s, %d CPUs, GOMAXPROCS %d", o.Base.Go, o.Env.OS, o.Env.Arch, o.Env.CPUs, o.Env.GOMAXPROCS))
	d.Field("Settings", fmt.Sprintf("up to %d round pairs in ABBA order, %s per round, stopping at a look once every gated metric is settled; %s", o.Plan.Settings.Rounds, o.Plan.Settings.Benchtime, tolerances))
	if page != "" {
		d.Field("Charts and flame graphs", fmt.Sprintf("[%s](%s), one self-contained page", page, page))
	}
	for _, c := range o.Cases {
		d.Section(fmt.Sprintf("`%s`", c.ID))
		d.Para("Rounds: " + roundsCell(c) + ".")
		shown, idle := report.Exercised(c.Comparisons)
		d.Table(header, report.ComparisonRows(shown))
		if line := report.NotExercisedLine(idle); line != "" {
			d.Para(line)
		}
		var notes []string
		for _, cmp := range shown {
			if cmp.Note != "" {
				notes = append(notes, fmt.Sprintf("`%s`: %s", cmp.Metric.Name, cmp.Note))
			}
		}
		d.List(notes)
	}
	if len(o.Skipped) > 0 {
		d.Section("Not compared")
		d.List(skippedLines(o.Skipped))
	}
	d.Section("Where head spends more")
	d.Code("sh", strings.Join(o.PprofHints(), "\n")+"\n")
	return d.Write(w)
}
