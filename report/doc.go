// Package report renders what perfbench measured and judged: text and
// Markdown tables, Markdown documents, JSON documents and the Go benchmark
// format. It never runs a workload and never decides a verdict; it lays out
// values other packages computed. Numbers are spelt by package numfmt.
package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
)

// SchemaVersion is bumped whenever the JSON layout of WriteComparisons
// changes. 3: a count metric's comparison carries "counts" (its rate test)
// instead of "paired".
const SchemaVersion = 3

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Doc builds a Markdown document in memory, block by block with one blank
// line between blocks: the one layout of every summary.md and of every
// --format markdown output. The first failing block is kept and returned by
// Write, which then writes nothing.
type Doc struct {
	b       bytes.Buffer
	err     error
	section string // the heading tables are under, for errors
}

func (d *Doc) block(format string, a ...any) {
	if d.b.Len() > 0 {
		d.b.WriteString("\n")
	}
	fmt.Fprintf(&d.b, format, a...)
}

// Title opens the document: "## title".
func (d *Doc) Title(title string) { d.section = title; d.block("## %s\n", title) }

// Section starts a section: "### title".
func (d *Doc) Section(title string) { d.section = title; d.block("### %s\n", title) }

// Subsection starts a subsection: "#### title".
func (d *Doc) Subsection(title string) { d.section = title; d.block("#### %s\n", title) }

// Field is a labelled line: "**label:** value".
func (d *Doc) Field(label, value string) { d.block("**%s:** %s\n", label, value) }

// Para is a paragraph.
func (d *Doc) Para(text string) { d.block("%s\n", text) }

// List is a bullet list; an empty one adds nothing.
func (d *Doc) List(items []string) {
	if len(items) == 0 {
		return
	}
	d.block("- %s\n", strings.Join(items, "\n- "))
}

// Code is a fenced block of lines in language lang ("sh", "text").
func (d *Doc) Code(lang, body string) {
	d.block("```%s\n%s```\n", lang, body)
}

// Table is a Markdown table.
func (d *Doc) Table(header []string, rows [][]string) {
	var t bytes.Buffer
	if err := renderTable(&t, Markdown, header, rows); err != nil {
		if d.err == nil {
			d.err = fmt.Errorf("report: table under %q: %w", d.section, err)
		}
		return
	}
	d.block("%s", t.String())
}

// Write writes the document, or nothing if a block failed.
func (d *Doc) Write(w io.Writer) error {
	if d.err != nil {
		return d.err
	}
	_, err := w.Write(d.b.Bytes())
	return err
}
