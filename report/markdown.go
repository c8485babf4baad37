package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// MarkdownSummary is what summary.md shows. The caller fills it from the
// run; report only lays it out.
type MarkdownSummary struct {
	Toggle, Workload string
	Env              machine.Env
	// Settings are short "key=value" items ("rounds=10", "warmup=1s").
	Settings    []string
	Comparisons []stats.Comparison
	// Sections are extra tables (criteria, load verdicts) shown after the
	// comparison table, in order.
	Sections []Section
	// Movers are the functions whose cost moved most, grouped by Kind in
	// order of first appearance.
	Movers []MoverRow
	// PprofCommands are shell commands that open the profiles, e.g.
	// "go tool pprof -top -diff_base profiles/x/y/cpu.off.pb.gz profiles/x/y/cpu.on.pb.gz".
	PprofCommands []string
	// Page names the HTML page written beside summary.md, if any.
	Page string
}

// Section is a titled table in the same style as all others.
type Section struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string // shown as a list under the table
}

// MoverRow is one function's cost in one profile kind, off (Base) and on
// (New), in Unit ("ns" for CPU and wall time, "B" for space, "" for counts).
// Delta is New - Base; the caller passes it so that rounding or pprof's own
// figures are kept.
type MoverRow struct {
	Kind     string // "cpu", "heap", "allocs", "wall"
	Function string
	Base     float64
	New      float64
	Delta    float64
	Unit     string
	// Tested says the change was tested against sampling noise: Q is the
	// adjusted p-value, and a change that is not Significant shows as "~".
	Tested      bool
	Significant bool
	Q           float64
	// Untested: in a run that tests movers, this one was not (a block or
	// mutex profile, or a negative in-use size); the row says so.
	Untested bool
}

// MoverHeader is the header of a top-movers table without noise tests
// (perfbench diff of two files); TestedMoverHeader adds the q column.
var (
	MoverHeader       = []string{"function", "off", "on", "delta", "delta %"}
	TestedMoverHeader = append(slices.Clip(MoverHeader), "q")
)

// WriteSummaryMarkdown writes summary.md for a pull request. It is built in
// memory first so a failing table leaves w untouched.
func WriteSummaryMarkdown(w io.Writer, s MarkdownSummary) error {
	var d Doc
	d.Title(fmt.Sprintf("perfbench: `%s` off vs on, workload `%s`", s.Toggle, s.Workload))
	d.Field("Environment", escapeMarkdown(s.Env.String()))
	if len(s.Settings) > 0 {
		d.Field("Settings", escapeMarkdown(strings.Join(s.Settings, ", ")))
	}
	if s.Page != "" {
		d.Field("Charts and flame graphs", fmt.Sprintf("[%s](%s), one self-contained page", s.Page, s.Page))
	}
	d.Section("Results")
	shown, idle := Exercised(s.Comparisons)
	d.Table(ComparisonHeader, ComparisonRows(shown))
	if line := NotExercisedLine(idle); line != "" {
		d.Para(escapeMarkdown(line))
	}
	d.List(noteItems(shown))
	d.Para(method(s.Comparisons))
	for _, sec := range s.Sections {
		d.Section(escapeMarkdown(sec.Title))
		d.Table(sec.Header, sec.Rows)
		d.List(sec.Notes)
	}
	if len(s.Movers) > 0 {
		d.Section("Top movers")
		if slices.ContainsFunc(s.Movers, func(r MoverRow) bool { return r.Tested }) {
			d.Para(strings.Join(MoverNote, " "))
		}
		for _, kind := range moverKinds(s.Movers) {
			d.Subsection(escapeMarkdown(kind))
			header, rows := MoverTable(s.Movers, kind, true)
			d.Table(header, rows)
		}
	}
	if len(s.PprofCommands) > 0 {
		d.Section("Profiles")
		d.Code("sh", strings.Join(s.PprofCommands, "\n")+"\n")
	}
	return d.Write(w)
}

func moverKinds(rows []MoverRow) []string {
	var kinds []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Kind] {
			seen[r.Kind] = true
			kinds = append(kinds, r.Kind)
		}
	}
	return kinds
}

// UntestedMark is on every mover row of a run that tests movers whose
// change was not tested against noise.
const UntestedMark = "untested"

// MoverNote explains the values, q and "~" of tested top-movers tables, in
// lines that fit a terminal.
var MoverNote = []string{
	"Flat values at equal work: both sides' profiles are scaled to one operation count.",
	"Each change is tested against sampling noise: a conditional binomial test of the function's sample counts",
	"per operation (wall: and its share of the profile), allowing for the counts' overdispersion (how much more than",
	"Poisson they varied between the sides), Benjamini-Hochberg adjusted over every function sampled.",
	fmt.Sprintf("~ marks a change within noise (q > %g; q in summary.md and results.json); significant changes come first.", stats.FDR),
	"Block and mutex profiles and negative in-use sizes are not tested: their rows say " + UntestedMark + ", and are no finding.",
}

// MoverTable formats one kind's rows, with the q column when withQ and any
// row was tested (a text table has no room for it within 120 columns; its
// "~" says enough). The function name is put in backticks so Markdown does
// not read the "*" of pointer receivers as emphasis.
func MoverTable(rows []MoverRow, kind string, withQ bool) ([]string, [][]string) {
	header := MoverHeader
	for _, r := range rows {
		if r.Kind == kind && r.Tested && withQ {
			header = TestedMoverHeader
		}
	}
	var out [][]string
	for _, r := range rows {
		if r.Kind != kind {
			continue
		}
		// A change against a negative in-use size (freed more than kept)
		// is no percentage.
		pct := "n/a"
		switch {
		case r.Tested && !r.Significant:
			pct = "~"
		case r.Base > 0 && r.New >= 0:
			pct = numfmt.Delta(r.Delta / r.Base * 100)
		}
		if r.Untested {
			pct = strings.TrimPrefix(pct+" "+UntestedMark, "n/a ")
		}
		delta := numfmt.Value(r.Delta, r.Unit)
		if r.Delta > 0 {
			delta = "+" + delta
		}
		row := []string{
			"`" + r.Function + "`",
			numfmt.Value(r.Base, r.Unit),
			numfmt.Value(r.New, r.Unit),
			delta,
			pct,
		}
		if len(header) > len(MoverHeader) {
			q := ""
			if r.Tested {
				q = stats.FormatP(r.Q)
			}
			row = append(row, q)
		}
		out = append(out, row)
	}
	return header, out
}

// WriteMovers prints the top-movers table of one profile kind in the same
// layout summary.md uses.
func WriteMovers(w io.Writer, f Format, rows []MoverRow, kind string) error {
	header, cells := MoverTable(rows, kind, f == Markdown)
	if f != Markdown {
		for _, r := range cells {
			r[0] = strings.Trim(r[0], "`")
		}
	}
	if len(cells) == 0 {
		_, err := fmt.Fprintln(w, "  (no function moved)")
		return err
	}
	return WriteTable(w, f, header, cells)
}

// WriteFileDiff prints what `perfbench diff` found: the diff as JSON, or a
// headline and the top movers of at most top functions.
func WriteFileDiff(w io.Writer, f Format, d *profiling.FileDiff, top int) error {
	if f == JSON {
		return WriteJSON(w, d)
	}
	fmt.Fprintf(w, "%s profile: %s → %s (flat, top %d by absolute change)\n", d.Kind, d.Base, d.New, top)
	return WriteMovers(w, f, MoverRows(d.Kind, d.Movers), d.Kind)
}

// MoverRows turns one kind's top movers into table rows.
func MoverRows(kind string, ms []profiling.Mover) []MoverRow {
	rows := make([]MoverRow, 0, len(ms))
	for _, m := range ms {
		r := MoverRow{
			Kind: kind, Function: m.Function, Unit: moverUnit(m.Unit),
			Base: float64(m.Base), New: float64(m.New), Delta: float64(m.Delta),
		}
		if m.Test != nil {
			r.Tested, r.Significant, r.Q = true, m.Test.Significant, m.Test.Q
		}
		r.Untested = m.Untested
		rows = append(rows, r)
	}
	return rows
}

// moverUnit maps pprof's sample units to the units numfmt scales.
func moverUnit(u string) string {
	switch u {
	case "nanoseconds":
		return "ns"
	case "bytes":
		return "B"
	}
	return ""
}

// method says how the comparisons were judged: on paired round-by-round
// ratios when the sides ran interleaved, else per side (Mann-Whitney U);
// counts on their totals (rate test).
func method(cs []stats.Comparison) string {
	counts := ""
	for _, c := range cs {
		if c.Counts != nil {
			counts = " Counts of events (gc/op and the like) are judged on their totals instead: the rate ratio per operation, its exact 95 % CI and the conditional binomial (rate test) p."
		}
	}
	for _, c := range cs {
		if c.Paired != nil || c.Counts != nil {
			return fmt.Sprintf("Median ± 95 %% CI per side; the change is judged on the paired round-by-round ratios on/off: their median, its 95 %% CI and the Wilcoxon signed-rank p. A change is called only when p < %g and the whole CI of the ratio lies outside the metric's noise band; otherwise `~` (no difference shown) or `?` (too few rounds).", stats.Alpha) + counts
		}
	}
	return fmt.Sprintf("Median ± 95 %% CI; p from the Mann-Whitney U test. A change is called only when p < %g and the whole CI of the change lies outside the metric's noise band; otherwise `~` (no difference shown) or `?` (too few samples).", stats.Alpha)
}
