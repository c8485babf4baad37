package htmlpage

import (
	"fmt"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
)

// buildLabel names a build the way a reader knows it: its ref and short
// commit.
func buildLabel(ref, commit string, dirty bool) string {
	if ref == "" {
		ref = "working tree"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if dirty {
		commit += "+dirty"
	}
	return ref + " (" + commit + ")"
}

func comparePage(r *Run) (*Page, error) {
	var d results.CompareRun
	if err := r.decode(&d); err != nil {
		return nil, err
	}
	base, head := buildLabel(d.Base.Ref, d.Base.Commit, d.Base.Dirty), buildLabel(d.Head.Ref, d.Head.Commit, d.Head.Dirty)
	p := &Page{
		Title: fmt.Sprintf("perfbench compare: %s → %s", base, head),
		Meta: metaLines(d.Header, fmt.Sprintf("Settings: %d round pairs in %s order, %s per round; run took %s", d.Settings.Rounds, d.Settings.Order, d.Settings.Benchtime, d.Elapsed),
			"Gate: "+d.Settings.Tolerances, "In the tables and charts, off is the base build and on the head build."),
		Outcome: Cell{Text: "no regression", Status: StatusPass},
	}
	if len(d.Regressions) > 0 {
		p.Outcome = Cell{Text: fmt.Sprintf("%d regression(s): %s", len(d.Regressions), strings.Join(d.Regressions, "; ")), Status: StatusFail}
	}
	for _, c := range d.Cases {
		sec := comparisonSection(c.Comparisons)
		sec.ID, sec.Title = "case-"+strings.NewReplacer("/", "-", "@", "-", "+", "-").Replace(c.ID), c.ID
		if len(c.Regressions) > 0 {
			sec.Intro = "Regressions (the whole 95 % CI of head/base beyond the tolerance): " + strings.Join(c.Regressions, ", ") + ". " + sec.Intro
		}
		charts, err := metricCharts(c.Measurement, c.Comparisons)
		if err != nil {
			return nil, err
		}
		sec.Charts = charts
		// Every kind's flame graph where head regressed; elsewhere only
		// CPU's, which keeps a page of many cases under a few MiB.
		kinds := profiling.Kinds()
		if len(c.Regressions) == 0 {
			kinds = []profiling.Kind{profiling.CPU}
			sec.Notes = append(sec.Notes, "no regression in this case: only its CPU profiles are taken and shown")
		}
		for _, k := range kinds {
			off, err := compareProfile(r, c.ID, k, "base")
			if err != nil {
				return nil, err
			}
			on, err := compareProfile(r, c.ID, k, "head")
			if err != nil {
				return nil, err
			}
			if off == nil || on == nil || (empty(off) && empty(on)) {
				continue
			}
			doc, err := FlameGraph(off, on)
			if err != nil {
				return nil, fmt.Errorf("%s %s profile: %w", c.ID, k, err)
			}
			sec.Flames = append(sec.Flames, Flame{Title: fmt.Sprintf("pprof flame graph of the %s diff: base build as base, head as new (red grew, green shrank)", k), Doc: inline(doc)})
		}
		p.Sections = append(p.Sections, sec)
	}
	if len(d.Skipped) > 0 {
		sec := Section{ID: "not-compared", Title: "Not compared",
			Intro: "Selected cases one build cannot run: its workload or a toggle is new in head, or gone from it."}
		for _, s := range d.Skipped {
			sec.Notes = append(sec.Notes, fmt.Sprintf("not compared: %s (%s)", s.ID, s.Reason))
		}
		p.Sections = append(p.Sections, sec)
	}
	return p, nil
}

// compareProfile reads one case's profile as compare names it
// (compare.ProfileName: the case ID with "/" as "-", kind, base/head); a
// missing file is no profile.
func compareProfile(r *Run, caseID string, k profiling.Kind, which string) (*profile.Profile, error) {
	return r.File(fmt.Sprintf("%s.%s.%s.pb.gz", strings.ReplaceAll(caseID, "/", "-"), k, which))
}
