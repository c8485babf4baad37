package htmlpage

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// PageFile is the name of the page written beside summary.md.
const PageFile = "report.html"

func benchPage(r *Run) (*Page, error) {
	var d results.BenchSuite
	if err := r.decode(&d); err != nil {
		return nil, err
	}
	s := d.Settings
	p := &Page{
		Title: fmt.Sprintf("perfbench bench: the plan's criteria, %d runs", len(d.Runs)),
		Meta: metaLines(d.Header, fmt.Sprintf("Settings: preset %s, %d rounds of %s per side, profiles %s per pass; suite took %s",
			s.Preset, s.Rounds, s.Benchtime, s.ProfileTime, d.Elapsed)),
	}
	// Each run's page lies in its directory, named relative to the suite's
	// own so the pages link wherever the tree is copied.
	pages := map[string]string{}
	for _, run := range d.Runs {
		rel, err := filepath.Rel(s.Out, run.Dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			rel = run.Run.ID
		}
		pages[run.Run.ID] = path.Join(filepath.ToSlash(rel), PageFile)
	}

	counts := map[verdict.Status]int{}
	crit := &Table{Header: []string{"toggle", "workload", "criterion", "target", "measured (median, 95 % CI)", "verdict", "why", "run"}}
	for _, c := range d.Criteria {
		counts[c.Status]++
		run := Cell{Text: c.Run}
		if href, ok := pages[c.Run]; ok {
			run.Href = href
		}
		crit.Rows = append(crit.Rows, []Cell{{Text: c.Opt}, {Text: c.Workload}, {Text: c.Criterion}, {Text: c.TargetText},
			{Text: c.Measured}, {Text: string(c.Status), Status: verdictClass(c.Status)}, {Text: c.Reason}, run})
	}
	var parts []string
	for _, st := range verdict.Statuses {
		if counts[st] > 0 {
			if p.Outcome.Status == "" {
				p.Outcome.Status = verdictClass(st)
			}
			parts = append(parts, fmt.Sprintf("%s %d", st, counts[st]))
		}
	}
	p.Outcome.Text = fmt.Sprintf("%d criteria: %s", len(d.Criteria), strings.Join(parts, ", "))

	runs := &Table{Header: []string{"run", "off", "on", "ns/op", "B/op", "time", "page"}}
	for _, run := range d.Runs {
		row := []Cell{{Text: run.Run.ID}, {Text: run.Run.Off}, {Text: run.Run.On}}
		for _, metric := range []string{"ns/op", "B/op"} {
			row = append(row, runCell(run.Comparisons, metric))
		}
		row = append(row, Cell{Text: run.Elapsed}, Cell{Text: "report.html", Href: pages[run.Run.ID]})
		runs.Rows = append(runs.Rows, row)
	}
	charts, err := criteriaCharts(d)
	if err != nil {
		return nil, err
	}
	p.Sections = append(p.Sections,
		Section{ID: "criteria", Title: "Criteria", Table: crit, Charts: charts,
			Intro: "One row per criterion of the plan. PASS when the whole 95 % interval meets the target, FAIL when the whole interval misses it, " +
				"INCONCLUSIVE when it straddles the target or the evidence is insufficient; WARN: another metric of the run significantly worse (it does not fail the suite). " +
				"Each run's own page has its rounds, ratios and flame graphs."},
		Section{ID: "runs", Title: "Runs", Table: runs,
			Intro: "Every run of the suite, off → on with the change, and its page."},
	)
	return p, nil
}

// runCell shows one metric of a run: off → on (delta, change).
func runCell(cs []stats.Comparison, metric string) Cell {
	for _, c := range cs {
		if c.Metric.Name != metric {
			continue
		}
		delta := "n/a"
		if c.DeltaDefined() {
			delta = fmt.Sprintf("%+.1f%%", c.DeltaPct)
		}
		return Cell{Text: fmt.Sprintf("%s → %s (%s, %s)", numfmt.Value(c.Off.Center, metric), numfmt.Value(c.On.Center, metric), delta, c.Change),
			Status: changeStatus(c.Change)}
	}
	return Cell{}
}

// criteriaCharts draw the relative criteria as forest plots, one per kind
// since each has its own scale: reductions as the change of the median
// (target −X %), speedups as the factor (target F×), not-worse as the
// change towards worse (target +M %). Absolute targets (at most, at least)
// are in each metric's own unit and stay in the table.
func criteriaCharts(d results.BenchSuite) ([]Chart, error) {
	kinds := []struct {
		kind, title, axis string
		target            func(float64) float64
	}{
		{"reduction", "Reductions", "change of the median, % (target: at or below the red mark)", func(v float64) float64 { return -v }},
		{"speedup", "Speedups", "improvement factor, × (target: at or above the red mark)", func(v float64) float64 { return v }},
		{"not-worse", "Not worse", "change towards worse, % (target: at or below the red mark)", func(v float64) float64 { return v }},
	}
	var charts []Chart
	for _, k := range kinds {
		var rows []interval
		for _, c := range d.Criteria {
			if string(c.Kind) != k.kind {
				continue
			}
			lo, hi := c.Estimate, c.Estimate
			if c.CI != nil {
				lo, hi = c.CI.Lo, c.CI.Hi
			}
			rows = append(rows, interval{label: c.Run + ": " + c.Criterion, value: c.Estimate, lo: lo, hi: hi,
				target: k.target(c.Target), status: verdictClass(c.Status)})
		}
		if len(rows) == 0 {
			continue
		}
		svg, err := intervalChart(k.axis, rows)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", k.kind, err)
		}
		charts = append(charts, Chart{Title: k.title, SVG: svg, Wide: true,
			Caption: "each criterion's median with its conservative 95 % interval (dot: green PASS, red FAIL, grey otherwise); the red × is the target"})
	}
	return charts, nil
}
