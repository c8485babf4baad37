package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/stats"
)

// Format selects how tables are printed.
type Format string

const (
	Text     Format = "text"
	Markdown Format = "markdown"
	JSON     Format = "json"
)

// ParseFormat reads a --format value: "" is text, case and surrounding
// space are ignored, "md" is accepted for markdown. An unknown name is bad
// input (exit 2) naming the valid ones.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "text", "":
		return Text, nil
	case "markdown", "md":
		return Markdown, nil
	case "json":
		return JSON, nil
	}
	return "", cmderr.BadInputf("unknown format %q (valid: text, markdown, json)", s)
}

// MaxTextWidth is the widest a text table may be, in terminal columns.
const MaxTextWidth = 120

// ComparisonHeader is the header of every comparison table. The delta is
// the median of the paired round ratios with its 95 % CI when the rounds
// were paired, and p the signed-rank test's (the U test's otherwise); for
// a count, the rate ratio with its exact CI and the rate test's p (the
// events per side are in the JSON).
var ComparisonHeader = ComparisonHeaderFor("off", "on")

// ComparisonHeaderFor names the two sides' columns (base and head for
// compare).
func ComparisonHeaderFor(off, on string) []string {
	return []string{"metric", off, on, "delta % [95% CI]", "p", "verdict"}
}

// WriteComparisons prints one comparison table. Text and Markdown add the
// comparisons' notes below the table, since a "~" or "?" without its reason
// invites a guess. JSON carries the full Comparison values (with raw
// numbers), wrapped with the schema version and title.
func WriteComparisons(w io.Writer, f Format, title string, cs []stats.Comparison) error {
	return WriteComparisonsOf(w, f, title, ComparisonHeader, cs)
}

// WriteComparisonsOf is WriteComparisons under another header (see
// ComparisonHeaderFor).
func WriteComparisonsOf(w io.Writer, f Format, title string, header []string, cs []stats.Comparison) error {
	if f == JSON {
		doc := struct {
			SchemaVersion int                `json:"schema_version"`
			Title         string             `json:"title,omitempty"`
			Comparisons   []stats.Comparison `json:"comparisons"`
		}{SchemaVersion, title, SanitizeComparisons(cs)}
		return WriteJSON(w, doc)
	}
	var buf bytes.Buffer
	if title != "" {
		if f == Markdown {
			fmt.Fprintf(&buf, "**%s**\n\n", escapeMarkdown(title))
		} else {
			fmt.Fprintf(&buf, "%s\n", title)
		}
	}
	shown, idle := Exercised(cs)
	if err := renderTable(&buf, f, header, ComparisonRows(shown)); err != nil {
		return err
	}
	if line := NotExercisedLine(idle); line != "" {
		if f == Markdown {
			buf.WriteString("\n")
		}
		fmt.Fprintf(&buf, "%s\n", line)
	}
	writeNotes(&buf, f, shown)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write comparisons: %w", err)
	}
	return nil
}

// Exercised splits the comparisons whose every sample, on both sides, was
// exactly 0 from the rest: the measured code never did what those metrics
// count, so a row of zeros (and two charts of them) would only hide the
// rows that matter. shown keeps the order of cs; idle names the others. A
// metric that is 0 on one side only changed, and stays shown.
func Exercised(cs []stats.Comparison) (shown []stats.Comparison, idle []string) {
	for _, c := range cs {
		if c.Off.AllZero && c.On.AllZero {
			idle = append(idle, c.Metric.Name)
			continue
		}
		shown = append(shown, c)
	}
	return shown, idle
}

// NotExercisedLine is the one line that stands for the metrics Exercised
// set aside, or "" when there are none.
func NotExercisedLine(idle []string) string {
	if len(idle) == 0 {
		return ""
	}
	return "not exercised: " + strings.Join(idle, ", ") + " (0 in every round of both sides)"
}

// ComparisonRows formats comparisons as table cells, for callers that add
// columns of their own.
func ComparisonRows(cs []stats.Comparison) [][]string {
	rows := make([][]string, 0, len(cs))
	for _, c := range cs {
		delta := "n/a"
		switch {
		case c.Paired != nil && c.Paired.HasCI, c.Counts != nil && c.Counts.Bounded:
			delta = fmt.Sprintf("%+.1f%% [%+.1f, %+.1f]", c.DeltaPct, c.DeltaLoPct, c.DeltaHiPct)
		case c.DeltaDefined():
			delta = numfmt.Delta(c.DeltaPct)
		}
		rows = append(rows, []string{
			c.Metric.Name,
			FormatSummary(c.Off, c.Metric.Name),
			FormatSummary(c.On, c.Metric.Name),
			delta,
			formatP(c),
			string(c.Change),
		})
	}
	return rows
}

// FormatSummary prints a median with the half-width of its CI as a
// percentage, as benchstat does ("1.52 µs/op ± 2%"). A CI that cannot be
// expressed relative to the median (median 0) is printed as [lo, hi].
func FormatSummary(s stats.Summary, unit string) string {
	switch {
	case s.N == 0:
		return "n/a"
	case !s.HasCI:
		return numfmt.Value(s.Center, unit) + " (no CI)"
	case s.Center == 0 && (s.Lo != 0 || s.Hi != 0):
		return fmt.Sprintf("%s [%s, %s]", numfmt.Value(s.Center, unit), numfmt.Value(s.Lo, unit), numfmt.Value(s.Hi, unit))
	}
	half := 0.0
	if s.Center != 0 {
		c := math.Abs(s.Center)
		half = math.Max(s.Hi-s.Center, s.Center-s.Lo) / c * 100
	}
	prec := 0
	if half < 10 && half != 0 {
		prec = 1
	}
	return fmt.Sprintf("%s ± %.*f%%", numfmt.Value(s.Center, unit), prec, half)
}

func formatP(c stats.Comparison) string {
	n := fmt.Sprintf("n=%d", c.Off.N)
	if c.Off.N != c.On.N {
		n = fmt.Sprintf("n=%d+%d", c.Off.N, c.On.N)
	}
	if c.Counts != nil {
		// The rate test needs events, not rounds: P is real with any n.
		return stats.FormatP(c.P) + " " + n
	}
	if c.Off.N < stats.MinSamplesForTest || c.On.N < stats.MinSamplesForTest {
		return "n/a " + n // never tested; P=1 is a placeholder
	}
	return stats.FormatP(c.P) + " " + n
}

// noteItems are the comparisons' notes as Markdown list items.
func noteItems(cs []stats.Comparison) []string {
	var items []string
	for _, c := range cs {
		if c.Note != "" {
			items = append(items, fmt.Sprintf("`%s`: %s", c.Metric.Name, escapeMarkdown(c.Note)))
		}
	}
	return items
}

func writeNotes(buf *bytes.Buffer, f Format, cs []stats.Comparison) {
	if f == Markdown {
		if items := noteItems(cs); len(items) > 0 {
			fmt.Fprintf(buf, "\n- %s\n", strings.Join(items, "\n- "))
		}
		return
	}
	first := true
	for _, c := range cs {
		if c.Note == "" {
			continue
		}
		if first {
			buf.WriteString("notes:\n")
			first = false
		}
		fmt.Fprintf(buf, "  %s: %s\n", c.Metric.Name, c.Note)
	}
}

// WriteTable prints any table in the same style as the comparison tables, so
// criteria, top movers and load verdicts look alike. JSON is an array of
// objects whose keys follow header order. Short rows are padded; a row
// longer than the header is an error, since its extra cells would vanish.
func WriteTable(w io.Writer, f Format, header []string, rows [][]string) error {
	var buf bytes.Buffer
	var err error
	if f == JSON {
		err = tableJSON(&buf, header, rows)
	} else {
		err = renderTable(&buf, f, header, rows)
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write table: %w", err)
	}
	return nil
}

// renderTable draws text or markdown through tablewriter into buf. Text is
// read in a terminal: a table wider than MaxTextWidth is drawn again with
// its cells wrapped to fit.
func renderTable(buf *bytes.Buffer, f Format, header []string, rows [][]string) error {
	if len(header) == 0 {
		return fmt.Errorf("report: table has no header")
	}
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off)}
	switch f {
	case Text:
	case Markdown:
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	default:
		return fmt.Errorf("report: cannot render a table as %q (valid: text, markdown, json)", f)
	}
	esc := func(s string) string { return s }
	if f == Markdown {
		esc = escapeMarkdown
	}
	padded, err := padRows(header, rows, esc)
	if err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = esc(h)
	}
	if f == Text {
		fitText(hdr, padded)
	}
	return drawTable(buf, opts, hdr, padded)
}

func drawTable(w io.Writer, opts []tablewriter.Option, header []any, rows [][]string) error {
	t := tablewriter.NewTable(w, opts...)
	t.Header(header...)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("report: table rows: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: render table: %w", err)
	}
	return nil
}

// fitText wraps the cells of a text table wider than MaxTextWidth, in place:
// the widest columns are narrowed first, to the same width, until the table
// fits; narrow columns keep their width.
func fitText(header []any, rows [][]string) {
	n := len(header)
	widths := make([]int, n)
	for i, h := range header {
		widths[i] = textWidth(h.(string))
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	budget := MaxTextWidth - 3*n - 1 // "│ " before each cell, " │" after the last
	total := 0
	for _, w := range widths {
		total += w
	}
	if total <= budget {
		return
	}
	// The largest cap whose capped widths fit the budget.
	capW := 1
	for c := budget; c >= 1; c-- {
		sum := 0
		for _, w := range widths {
			sum += min(w, c)
		}
		if sum <= budget {
			capW = c
			break
		}
	}
	for i := range header {
		header[i] = wrapText(header[i].(string), capW)
	}
	for _, r := range rows {
		for i := range r {
			r[i] = wrapText(r[i], capW)
		}
	}
}

// textWidth is the width of the longest line of s, in characters.
func textWidth(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(line))
	}
	return n
}

// wrapText breaks s into lines of at most width characters, at spaces
// where it can and inside a word where it must.
func wrapText(s string, width int) string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for utf8.RuneCountInString(word) > width {
				if line != "" {
					lines, line = append(lines, line), ""
				}
				r := []rune(word)
				lines, word = append(lines, string(r[:width])), string(r[width:])
			}
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
				line += " " + word
			default:
				lines, line = append(lines, line), word
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func padRows(header []string, rows [][]string, esc func(string) string) ([][]string, error) {
	out := make([][]string, len(rows))
	for i, r := range rows {
		if len(r) > len(header) {
			return nil, fmt.Errorf("report: row %d has %d cells, header has %d", i, len(r), len(header))
		}
		out[i] = make([]string, len(header))
		for j, cell := range r {
			out[i][j] = esc(cell)
		}
	}
	return out, nil
}

// escapeMarkdown keeps a cell inside its column: an unescaped "|" would
// start a new one and a newline would end the row.
func escapeMarkdown(s string) string {
	s = strings.ReplaceAll(s, `|`, `\|`)
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// tableJSON writes rows as objects. encoding/json sorts map keys, so each
// object is assembled by hand to keep the header's order.
func tableJSON(buf *bytes.Buffer, header []string, rows [][]string) error {
	if len(header) == 0 {
		return fmt.Errorf("report: table has no header")
	}
	padded, err := padRows(header, rows, func(s string) string { return s })
	if err != nil {
		return err
	}
	buf.WriteString("[")
	for i, r := range padded {
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n  {")
		for j, h := range header {
			if j > 0 {
				buf.WriteString(",")
			}
			fmt.Fprintf(buf, "\n    %s: %s", jsonString(h), jsonString(r[j]))
		}
		buf.WriteString("\n  }")
	}
	if len(padded) > 0 {
		buf.WriteString("\n")
	}
	buf.WriteString("]\n")
	return nil
}

// jsonString quotes s as JSON, leaving "<" unescaped.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// EncodeJSON returns v as indented JSON with a final newline, the layout of
// every JSON file and output of perfbench. "<" and ">" stay unescaped:
// notes and reasons say "p < 0.05".
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("report: encode json: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteJSON writes EncodeJSON(v); encoding happens in memory first, so a
// failure writes nothing.
func WriteJSON(w io.Writer, v any) error {
	b, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

// SanitizeComparisons returns copies whose floats are all finite, because
// encoding/json refuses NaN and ±Inf and one bad value would lose the whole
// results.json. Compare never produces them; this guards hand-built or
// decoded values. A replaced number is named in the Note.
func SanitizeComparisons(cs []stats.Comparison) []stats.Comparison {
	out := make([]stats.Comparison, len(cs))
	for i, c := range cs {
		var bad []string
		fix := func(name string, v *float64, repl float64) {
			if !isFinite(*v) {
				bad = append(bad, name)
				*v = repl
			}
		}
		fix("metric.noise", &c.Metric.Noise, 0)
		for _, s := range []struct {
			name string
			s    *stats.Summary
		}{{"off", &c.Off}, {"on", &c.On}} {
			fix(s.name+".center", &s.s.Center, 0)
			fix(s.name+".lo", &s.s.Lo, s.s.Center)
			fix(s.name+".hi", &s.s.Hi, s.s.Center)
			fix(s.name+".confidence", &s.s.Confidence, 0)
		}
		fix("delta_pct", &c.DeltaPct, 0)
		fix("delta_lo_pct", &c.DeltaLoPct, c.DeltaPct)
		fix("delta_hi_pct", &c.DeltaHiPct, c.DeltaPct)
		fix("p", &c.P, 1)
		if len(bad) > 0 {
			msg := "non-finite " + strings.Join(bad, ", ") + " replaced"
			if c.Note != "" {
				msg = c.Note + "; " + msg
			}
			c.Note = msg
		}
		c.Off.Warnings = append([]string(nil), c.Off.Warnings...)
		c.On.Warnings = append([]string(nil), c.On.Warnings...)
		out[i] = c
	}
	return out
}

// WriteNotedTable is WriteTable for a table whose last column holds prose
// (a reason, a note). In text, that column would stretch the table past a
// terminal: it is replaced by "[n]" and the prose listed under the table as
// numbered notes. Markdown and JSON keep the column as it is.
func WriteNotedTable(w io.Writer, f Format, header []string, rows [][]string) error {
	if f != Text || len(header) == 0 {
		return WriteTable(w, f, header, rows)
	}
	var notes []string
	cells := make([][]string, len(rows))
	last := len(header) - 1
	for i, r := range rows {
		cells[i] = append([]string(nil), r...)
		if len(r) > last && r[last] != "" {
			notes = append(notes, fmt.Sprintf("  [%d] %s", len(notes)+1, r[last]))
			cells[i][last] = fmt.Sprintf("[%d]", len(notes))
		}
	}
	var buf bytes.Buffer
	if err := renderTable(&buf, Text, header, cells); err != nil {
		return err
	}
	if len(notes) > 0 {
		fmt.Fprintf(&buf, "notes:\n%s\n", strings.Join(notes, "\n"))
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write table: %w", err)
	}
	return nil
}

// WriteProfileText writes the text tail every profile run prints after its
// comparison table: the sampling section, the top movers of each kind in
// kinds (with the note on tested movers when any is), and the pprof
// commands to dig further.
func WriteProfileText(w io.Writer, sampling Section, movers []MoverRow, kinds []string, dig []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n%s:\n", sampling.Title)
	if err := WriteTable(&b, Text, sampling.Header, sampling.Rows); err != nil {
		return err
	}
	for _, n := range sampling.Notes {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	if slices.ContainsFunc(movers, func(m MoverRow) bool { return m.Tested }) {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(MoverNote, "\n"))
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "\nTop movers, %s profile (flat, off → on):\n", k)
		if err := WriteMovers(&b, Text, movers, k); err != nil {
			return err
		}
	}
	b.WriteString("\nDig further:\n")
	for _, c := range dig {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	_, err := w.Write(b.Bytes())
	return err
}
