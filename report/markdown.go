package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
)

// MarkdownSummary is what summary.md shows. The caller fills it from the
// run; report only lays it out.
type MarkdownSummary struct {
	Toggle, Workload string
	Env              Env
	// Settings are short "key=value" items ("rounds=10", "warmup=1s").
	Settings    []string
	Comparisons []Comparison
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
}

// MoverHeader is the header of every top-movers table.
var MoverHeader = []string{"function", "off", "on", "delta", "delta %"}

// WriteSummaryMarkdown writes summary.md for a pull request. It is built in
// memory first so a failing table leaves w untouched.
func WriteSummaryMarkdown(w io.Writer, s MarkdownSummary) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## perfbench: `%s` off vs on, workload `%s`\n\n", s.Toggle, s.Workload)
	fmt.Fprintf(&b, "**Environment:** %s\n\n", escapeMarkdown(s.Env.String()))
	if len(s.Settings) > 0 {
		fmt.Fprintf(&b, "**Settings:** %s\n\n", escapeMarkdown(strings.Join(s.Settings, ", ")))
	}
	if s.Page != "" {
		fmt.Fprintf(&b, "**Charts and flame graphs:** [%s](%s), one self-contained page\n\n", s.Page, s.Page)
	}

	b.WriteString("### Results\n\n")
	if err := renderTable(&b, Markdown, ComparisonHeader, ComparisonRows(s.Comparisons)); err != nil {
		return fmt.Errorf("report: summary results: %w", err)
	}
	writeNotes(&b, Markdown, s.Comparisons)
	fmt.Fprintf(&b, "\nMedian ± 95 %% CI; p from the Mann-Whitney U test. A change is called only when p < %g and the whole CI of the change lies outside the metric's noise band; otherwise `~` (no difference shown) or `?` (too few samples).\n", Alpha)

	for _, sec := range s.Sections {
		fmt.Fprintf(&b, "\n### %s\n\n", escapeMarkdown(sec.Title))
		if err := renderTable(&b, Markdown, sec.Header, sec.Rows); err != nil {
			return fmt.Errorf("report: summary section %q: %w", sec.Title, err)
		}
	}

	if len(s.Movers) > 0 {
		b.WriteString("\n### Top movers\n")
		for _, kind := range moverKinds(s.Movers) {
			fmt.Fprintf(&b, "\n#### %s\n\n", escapeMarkdown(kind))
			if err := renderTable(&b, Markdown, MoverHeader, MoverRows(s.Movers, kind)); err != nil {
				return fmt.Errorf("report: summary movers %s: %w", kind, err)
			}
		}
	}

	if len(s.PprofCommands) > 0 {
		b.WriteString("\n### Profiles\n\n```sh\n")
		for _, c := range s.PprofCommands {
			b.WriteString(c + "\n")
		}
		b.WriteString("```\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write summary: %w", err)
	}
	return nil
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

// MoverRows formats one kind's rows. The function name is put in backticks
// so Markdown does not read the "*" of pointer receivers as emphasis.
func MoverRows(rows []MoverRow, kind string) [][]string {
	var out [][]string
	for _, r := range rows {
		if r.Kind != kind {
			continue
		}
		pct := "n/a"
		if r.Base != 0 {
			pct = formatPct(r.Delta / math.Abs(r.Base) * 100)
		}
		delta := FormatValue(r.Delta, r.Unit)
		if r.Delta > 0 {
			delta = "+" + delta
		}
		out = append(out, []string{
			"`" + r.Function + "`",
			FormatValue(r.Base, r.Unit),
			FormatValue(r.New, r.Unit),
			delta,
			pct,
		})
	}
	return out
}

// WriteMovers prints the top-movers table of one profile kind in the same
// layout summary.md uses.
func WriteMovers(w io.Writer, f Format, rows []MoverRow, kind string) error {
	cells := MoverRows(rows, kind)
	if f != Markdown {
		for _, r := range cells {
			r[0] = strings.Trim(r[0], "`")
		}
	}
	if len(cells) == 0 {
		_, err := fmt.Fprintln(w, "  (no function moved)")
		return err
	}
	return WriteTable(w, f, MoverHeader, cells)
}
