// Package progress shows a long run's phases on stderr: one rewritten status
// line on a terminal, a plain line per phase otherwise (CI logs, pipes).
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/perfbench/perfbench/measure"
)

// Line is the progress display of one run.
type Line struct {
	w        io.Writer
	TTY      bool // a terminal: events rewrite one status line
	start    time.Time
	estimate time.Duration // expected total, for "time left"
	last     string
	label    string
}

// New starts a display labelled label, expecting the run to take about
// estimate.
func New(w io.Writer, label string, estimate time.Duration) *Line {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &Line{w: w, TTY: tty, start: time.Now(), estimate: estimate, label: label}
}

// Event shows one engine event.
func (p *Line) Event(e measure.Event) {
	phase := e.Phase
	if phase == "calibrate" || phase == "round" {
		phase = "measure"
	}
	if !p.TTY {
		key := phase + " " + e.Side.String()
		if phase == "measure" {
			key = phase
		}
		if key != p.last {
			p.last = key
			detail := ""
			if e.Phase == "round" || e.Phase == "calibrate" {
				detail = " (calibrate, then alternating off/on rounds)"
			} else {
				detail = " " + e.Side.String()
			}
			fmt.Fprintf(p.w, "perfbench: %s: %s%s\n", p.label, phase, detail)
		}
		return
	}
	el := time.Since(p.start)
	left := ""
	if p.estimate > el {
		left = fmt.Sprintf(", ~%s left", (p.estimate - el).Round(time.Second))
	}
	what := e.Phase + " " + e.Side.String()
	if e.Phase == "round" {
		what = fmt.Sprintf("round %d/%d %s", e.Round, e.Rounds, e.Side)
	}
	fmt.Fprintf(p.w, "\r\033[K%s: %s [%s%s]", p.label, what, el.Round(100*time.Millisecond), left)
}

// Done ends the status line.
func (p *Line) Done() {
	if p.TTY {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// Run starts the display of run i of n of a series. Off a terminal it
// prints one line saying what the run is and shows no events.
func Run(w io.Writer, label string, i, n int, what string, estimate time.Duration) (event func(measure.Event), done func()) {
	label = fmt.Sprintf("%s [%d/%d] %s", label, i+1, n, what)
	p := New(w, label, estimate)
	if !p.TTY {
		fmt.Fprintf(w, "perfbench: %s\n", label)
		return nil, p.Done
	}
	return p.Event, p.Done
}
