package htmlpage

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// Page is one run laid out for reading; the renderers of each run kind
// build it, and Render and WriteText lay it out.
type Page struct {
	Title string
	Kind  string   // the run kind, e.g. "profile"
	Meta  []string // environment, settings, command: one line each
	// Outcome is the page's headline verdict, shown at the top.
	Outcome  Cell
	Sections []Section
}

// Section is a titled part of the page: a table, figures, flame graphs
// and notes, in that order.
type Section struct {
	ID     string
	Title  string
	Intro  string
	Table  *Table
	Charts []Chart
	Flames []Flame
	Notes  []string
}

// Table is a header and rows of cells.
type Table struct {
	Header []string
	Rows   [][]Cell
}

// Cell is one table cell. Status, when set, colours the cell and prefixes
// a symbol, so the verdict reads without colour as well.
type Cell struct {
	Text   string
	Status Status
	Href   string // a link, relative to the page
	Code   bool   // monospace (function names, commands)
}

// Chart is one inline SVG figure.
type Chart struct {
	Title   string
	SVG     template.HTML // from chart rendering only, never from input
	Caption string
	Wide    bool // takes the page's whole width
}

// Flame is one flame-graph document, shown in a sandboxed frame.
type Flame struct {
	Title string
	Doc   string // a complete HTML document (pprof's page)
}

// Status is a verdict's class; its symbol and word are shown with it.
type Status string

// Statuses of comparisons and verdicts.
const (
	StatusPass         Status = "pass"
	StatusFail         Status = "fail"
	StatusInconclusive Status = "inconclusive"
	StatusWarn         Status = "warn"
	StatusInfo         Status = "info"
	StatusBetter       Status = "better"
	StatusWorse        Status = "worse"
	StatusSame         Status = "same"
	StatusUnknown      Status = "unknown"
)

// symbols prefix a status's text, for readers (and printouts) without colour.
var symbols = map[Status]string{
	StatusPass: "✔", StatusFail: "✘", StatusInconclusive: "?", StatusWarn: "⚠", StatusInfo: "ℹ",
	StatusBetter: "▲", StatusWorse: "▼", StatusSame: "≈", StatusUnknown: "?",
}

// Symbol is the status's mark, "" for none.
func (s Status) Symbol() string { return symbols[s] }

// changeStatus maps a comparison's change to its status.
func changeStatus(c stats.Change) Status {
	switch c {
	case stats.Better:
		return StatusBetter
	case stats.Worse:
		return StatusWorse
	case stats.NoDiff:
		return StatusSame
	}
	return StatusUnknown
}

// verdictClass is the class a verdict's status is shown with; "" for a
// status this page does not know, which is shown plain.
func verdictClass(s verdict.Status) Status {
	switch s {
	case verdict.Pass:
		return StatusPass
	case verdict.Fail:
		return StatusFail
	case verdict.Inconclusive:
		return StatusInconclusive
	case verdict.Warn:
		return StatusWarn
	case verdict.Info:
		return StatusInfo
	}
	return ""
}

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"css": func() template.CSS { return template.CSS(pageCSS) },
}).Parse(pageHTML))

// Render writes the page as one HTML document. It is built in memory, so a
// failure leaves w untouched.
func (p *Page) Render(w io.Writer) error {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("render %s page: %w", p.Kind, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteText writes the page's tables and notes as text or Markdown, the
// way every other perfbench table is printed; charts and flame graphs are
// named with the HTML page they live in.
func (p *Page) WriteText(w io.Writer, f report.Format) error {
	var b bytes.Buffer
	heading := func(level int, s string) {
		if f == report.Markdown {
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", level), s)
		} else {
			fmt.Fprintf(&b, "%s\n%s\n", s, strings.Repeat("=", len([]rune(s))))
		}
	}
	heading(2, p.Title)
	for _, m := range p.Meta {
		fmt.Fprintf(&b, "%s\n", m)
	}
	if p.Outcome.Text != "" {
		fmt.Fprintf(&b, "\n%s\n", p.Outcome.plain())
	}
	for _, s := range p.Sections {
		if s.Table == nil && len(s.Notes) == 0 {
			continue
		}
		b.WriteString("\n")
		heading(3, s.Title)
		if s.Table != nil {
			rows := make([][]string, len(s.Table.Rows))
			for i, r := range s.Table.Rows {
				for _, c := range r {
					rows[i] = append(rows[i], c.plain())
				}
			}
			if err := report.WriteTable(&b, f, s.Table.Header, rows); err != nil {
				return fmt.Errorf("%s table %q: %w", p.Kind, s.Title, err)
			}
		}
		if len(s.Notes) > 0 && s.Table != nil {
			b.WriteString("\n")
		}
		for _, n := range s.Notes {
			if f == report.Markdown {
				fmt.Fprintf(&b, "- %s\n", n)
			} else {
				fmt.Fprintf(&b, "  %s\n", n)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// plain is the cell as text: the status symbol before the word.
func (c Cell) plain() string {
	if sym := c.Status.Symbol(); sym != "" && c.Text != "" {
		return sym + " " + c.Text
	}
	return c.Text
}
