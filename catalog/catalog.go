// Package catalog says what perfbench can run: every registered toggle and
// workload, as `perfbench list` shows them; the off/on runs the suite is
// made of, looked up by --opt; and the presets that say how long they run.
// Commands that only need to find or replay a run (compare, worker,
// baseline) depend on it, not on the suite's judging and rendering.
// Nothing here reads globals: the toggles and the workload lookup are
// values passed in, so tests can run the same code on workloads of their own.
package catalog

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Workload is a workload as the JSON listing shows it.
type Workload struct {
	Name    string   `json:"name"`
	Doc     string   `json:"doc"`
	Op      string   `json:"op"`
	Toggles []string `json:"toggles"`
}

// List is the JSON listing.
type List struct {
	Toggles   []toggles.Toggle `json:"toggles"`
	Workloads []Workload       `json:"workloads"`
}

// Write lists the toggles and workloads in the chosen format.
func Write(w io.Writer, f report.Format, ts []toggles.Toggle, ws []workloads.Workload) error {
	if f == report.JSON {
		doc := List{Toggles: ts}
		for _, x := range ws {
			doc.Workloads = append(doc.Workloads, Workload{x.Name, x.Doc, x.Op, x.Toggles})
		}
		return report.WriteJSON(w, doc)
	}
	var b bytes.Buffer
	var rows [][]string
	for _, t := range ts {
		var crit []string
		for _, k := range append([]toggles.Criterion{t.Primary}, t.Criteria...) {
			crit = append(crit, k.String())
		}
		var costs []string
		for _, u := range t.Costs {
			var budget []string
			for _, k := range u.Criteria {
				budget = append(budget, k.String())
			}
			costs = append(costs, u.Workload+": "+strings.Join(budget, "; "))
		}
		rows = append(rows, []string{t.Name, t.Doc, strings.Join(t.Workloads, ", "), strings.Join(crit, "; "), strings.Join(costs, "; ")})
	}
	if err := report.WriteTable(&b, f, []string{"toggle", "what it does", "primary workloads", "criteria", "where it costs: budget"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(&b)
	rows = rows[:0]
	for _, x := range ws {
		names := strings.Join(x.Toggles, ", ")
		if names == "" {
			names = "none (an A/A control)"
		}
		rows = append(rows, []string{x.Name, x.Doc, x.Op, names})
	}
	if err := report.WriteTable(&b, f, []string{"workload", "what it does", "one op", "toggles exercised"}, rows); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
