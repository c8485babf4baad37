package htmlpage

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

func profilePage(r *Run) (*Page, error) {
	var d results.ProfileRun
	if err := r.decode(&d); err != nil {
		return nil, err
	}
	s := d.Settings
	p := &Page{
		Title: fmt.Sprintf("perfbench profile: %s off vs on, workload %s", s.Toggle, s.Workload),
		Meta: metaLines(d.Header, fmt.Sprintf("Settings: off=%s, on=%s, %d rounds per side of %s, profiles %s per pass, run took %s",
			s.Off, s.On, s.Rounds, s.Benchtime, s.ProfileTime, d.Elapsed)),
		Outcome: changeCounts(d.Comparisons),
	}
	p.Sections = append(p.Sections, comparisonSection(d.Comparisons))
	charts, err := metricCharts(d.Measurement, d.Comparisons)
	if err != nil {
		return nil, err
	}
	p.Sections = append(p.Sections, Section{
		ID: "rounds", Title: "Rounds and paired ratios",
		Intro: "Left: every measured round of each side as a dot (off ● blue, on ▲ orange, in round order from left to right), " +
			"the median as a bar and its 95 % confidence interval as a shaded box. Right: the on/off ratio of each round pair " +
			"(rounds ran interleaved), the median ratio (line) with its 95 % interval (shaded orange), ×1 dashed and the " +
			"metric's noise band in grey. A change is called only when its whole interval clears the noise band.",
		Charts: charts,
	})
	markUntested(d.TopMovers)
	profSections, err := profileSections(r, d.TopMovers)
	if err != nil {
		return nil, err
	}
	p.Sections = append(p.Sections, profSections...)
	return p, nil
}

// changeCounts summarises the comparison verdicts in one line.
func changeCounts(cs []stats.Comparison) Cell {
	n := map[stats.Change]int{}
	for _, c := range cs {
		n[c.Change]++
	}
	parts := []string{fmt.Sprintf("%d better", n[stats.Better]), fmt.Sprintf("%d worse", n[stats.Worse]),
		fmt.Sprintf("%d no difference", n[stats.NoDiff])}
	if n[stats.Unknown] > 0 {
		parts = append(parts, fmt.Sprintf("%d undecided (?)", n[stats.Unknown]))
	}
	st := StatusBetter
	switch {
	case n[stats.Worse] > 0:
		st = StatusWorse
	case n[stats.Better] == 0:
		st = StatusSame
	}
	return Cell{Text: fmt.Sprintf("%d metrics: %s", len(cs), strings.Join(parts, ", ")), Status: st}
}

// changeWord spells "~" and "?" out, since their status already shows a
// symbol.
func changeWord(c stats.Change) string {
	switch c {
	case stats.NoDiff:
		return "no difference"
	case stats.Unknown:
		return "undecided"
	}
	return string(c)
}

// comparisonSection is the improvement table, with the verdict column
// marked.
func comparisonSection(cs []stats.Comparison) Section {
	cs, idle := report.Exercised(cs)
	t := &Table{Header: report.ComparisonHeader}
	var notes []string
	if line := report.NotExercisedLine(idle); line != "" {
		notes = append(notes, line)
	}
	for i, row := range report.ComparisonRows(cs) {
		cells := make([]Cell, len(row))
		for j, text := range row {
			cells[j] = Cell{Text: text}
		}
		cells[0].Code = true
		cells[len(cells)-1] = Cell{Text: changeWord(cs[i].Change), Status: changeStatus(cs[i].Change)}
		t.Rows = append(t.Rows, cells)
		if cs[i].Note != "" {
			notes = append(notes, cs[i].Metric.Name+": "+cs[i].Note)
		}
	}
	return Section{
		ID: "improvement", Title: "Improvement", Table: t,
		Intro: fmt.Sprintf("Median ± 95 %% CI per side. The change is judged on the paired round-by-round ratios on/off: their median, its 95 %% CI and "+
			"the Wilcoxon signed-rank p. ▲ better and ▼ worse are called only when p < %g and the whole CI of the ratio lies outside the metric's noise band; "+
			"≈ no difference shown; ? undecided (too few rounds to tell).", stats.Alpha),
		Notes: notes,
	}
}

// metricCharts draws the rounds and paired ratios of every metric the run
// exercised (report.Exercised). The ratio band is the comparison's own
// paired view when the run judged on it, and is otherwise computed the same
// way (stats.PairRatios) from the rounds.
func metricCharts(m *results.Measurement, cs []stats.Comparison) ([]Chart, error) {
	cs, _ = report.Exercised(cs)
	var charts []Chart
	rounds := 0
	if m != nil {
		rounds = len(m.Samples)
	}
	for _, c := range cs {
		name := c.Metric.Name
		offBy, onBy := m.Values(stats.Off, name), m.Values(stats.On, name)
		in := roundsInput{metric: name, unit: name, offSum: c.Off, onSum: c.On, noise: c.Metric.Noise, better: c.Metric.Better}
		for i := range rounds {
			if v, ok := offBy[i]; ok {
				in.off = append(in.off, v)
			}
			if v, ok := onBy[i]; ok {
				in.on = append(in.on, v)
			}
		}
		caption := fmt.Sprintf("%s → %s, %s", report.FormatSummary(c.Off, name), report.FormatSummary(c.On, name), changeWord(c.Change))
		if logs, err := stats.LogRatios(in.off, in.on, name); err == nil && len(logs) > 0 {
			for _, l := range logs {
				in.ratios = append(in.ratios, math.Exp(l))
			}
			if c.Paired != nil {
				in.paired = *c.Paired
			} else {
				in.paired, _ = stats.PairRatios(in.off, in.on, name)
			}
			caption += fmt.Sprintf("; median ratio ×%.3g", in.paired.Ratio)
			if in.paired.HasCI {
				caption += fmt.Sprintf(" [%.3g, %.3g]", in.paired.Lo, in.paired.Hi)
			}
		} else if err != nil {
			caption += "; no paired ratio: " + err.Error()
		}
		svg, err := roundsChart(in)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", name, err)
		}
		charts = append(charts, Chart{Title: name, SVG: svg, Caption: caption})
	}
	return charts, nil
}

// profileSections give, per profile kind, pprof's flame graph of the diff
// (off as base, on as new) and the top movers.
func profileSections(r *Run, movers map[profiling.Kind][]profiling.Mover) ([]Section, error) {
	var out []Section
	var cmds []string
	for _, k := range profiling.Kinds() {
		off, err := r.Profile(k, stats.Off)
		if err != nil {
			return nil, err
		}
		on, err := r.Profile(k, stats.On)
		if err != nil {
			return nil, err
		}
		if off == nil && on == nil && movers[k] == nil {
			continue
		}
		sec := Section{ID: "profile-" + string(k), Title: fmt.Sprintf("%s profile: on against off", k)}
		switch {
		case off == nil || on == nil:
			sec.Notes = append(sec.Notes, "the profiles of this kind are not in the run directory: no flame graph")
		case empty(off) && empty(on):
			sec.Notes = append(sec.Notes, "neither side recorded anything of this kind during its pass: no flame graph")
		default:
			doc, err := FlameGraph(off, on)
			if err != nil {
				return nil, fmt.Errorf("%s profile: %w", k, err)
			}
			sec.Flames = []Flame{{Title: fmt.Sprintf("pprof flame graph of the %s diff: base off, new on (a box spans both sides; its red part grew, its green part shrank; click to zoom)", k), Doc: inline(doc)}}
		}
		sec.Table = moverTable(k, movers[k])
		out = append(out, sec)
		cmds = append(cmds, fmt.Sprintf("go tool pprof -http=: -diff_base %s %s",
			filepath.Join(r.Dir, profiling.FileName(k, stats.Off)), filepath.Join(r.Dir, profiling.FileName(k, stats.On))))
	}
	if len(cmds) > 0 {
		out = append(out, Section{ID: "dig", Title: "Dig further", Intro: "The same diffs in pprof's full web UI:", Notes: cmds})
	}
	return out, nil
}

// empty reports whether a profile holds no non-zero value.
func empty(p *profile.Profile) bool {
	for _, s := range p.Sample {
		for _, v := range s.Value {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

// markUntested marks the movers of kinds perfbench does not test in a run
// that tests movers, for a results.json written before movers carried the
// mark themselves.
func markUntested(movers map[profiling.Kind][]profiling.Mover) {
	tested := false
	for _, ms := range movers {
		tested = tested || slices.ContainsFunc(ms, func(m profiling.Mover) bool { return m.Test != nil })
	}
	for k, ms := range movers {
		if tested && !profiling.Modelled(k) {
			for i := range ms {
				ms[i].Untested = true
			}
		}
	}
}

// moverTable lists the functions whose flat cost moved most.
func moverTable(k profiling.Kind, ms []profiling.Mover) *Table {
	header, rows := report.MoverTable(report.MoverRows(string(k), ms), string(k), true)
	t := &Table{Header: append([]string{}, header...)}
	t.Header[0] = "top movers (flat)"
	for i, row := range rows {
		cells := make([]Cell, len(row))
		for j, text := range row {
			cells[j] = Cell{Text: text}
		}
		cells[0] = Cell{Text: strings.Trim(row[0], "`"), Code: true}
		if d := ms[i].Delta; ms[i].Untested {
			// no colour: an untested change is no finding
		} else if d < 0 {
			cells[3].Status = StatusBetter
		} else if d > 0 {
			cells[3].Status = StatusWorse
		}
		t.Rows = append(t.Rows, cells)
	}
	if len(t.Rows) == 0 {
		t.Rows = append(t.Rows, []Cell{{Text: "(no function moved)"}, {}, {}, {}, {}})
	}
	return t
}

// inlineStyle hides the parts of pprof's page that lead to its server's
// other views (which a saved page does not have) and keeps browser history
// untouched, since a sandboxed frame may not rewrite its address.
const inlineStyle = `<style>.header .title,#view,#sample,#refine,#config,#download,.help,#action-menu{display:none!important}</style>` +
	`<script>try{history.pushState=function(){};history.replaceState=function(){}}catch(e){}</script>`

// inline prepares pprof's page to live in a frame of the report.
func inline(doc []byte) string {
	s := string(doc)
	if i := strings.Index(s, "</head>"); i >= 0 {
		return s[:i] + inlineStyle + s[i:]
	}
	return inlineStyle + s
}
