// Command aacheck judges A/A compares (the same code on both sides) from
// their results.json: a run is bad when any gated metric is called better
// or worse, or when the whole 95 % CI of a gated metric's change lies
// beyond half its tolerance; either is a false alarm, or half of one, on
// identical code. Per run it prints the verdict and the gated metrics with
// the largest change relative to their tolerance.
//
//	go run ./scripts/aacheck RUN_DIR|results.json …
//
// Given runs of the same cases (at least 8 of a case), it also reports
// how far a case's mean log ratio moves from run to run against what its
// pairs' own spread predicts (spread.go): a check of the independence of
// pairs that every interval assumes. That report does not change the exit
// code: exit 0 when every run is clean, 3 when one is bad, 2 on unreadable
// input.
// The gates are not stored in results.json: they are looked up where the
// metrics are declared (baseline.Metrics), as compare itself does.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/compare"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// top is how many of the largest changes a run's report lists.
const top = 5

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: go run ./scripts/aacheck RUN_DIR|results.json … (compare output directories of A/A runs)")
		return 2
	}
	declared := map[string]stats.Metric{}
	for _, m := range baseline.Metrics(catalog.Builtin().Workloads()) {
		declared[m.Name] = m
	}
	bad := 0
	var docs []results.CompareRun
	for _, a := range args {
		doc, err := load(a)
		if err != nil {
			fmt.Fprintf(stderr, "aacheck: %v\n", err)
			return 2
		}
		docs = append(docs, doc)
		v, err := judge(doc, declared)
		if err != nil {
			fmt.Fprintf(stderr, "aacheck: %s: %v\n", a, err)
			return 2
		}
		if v.bad() {
			bad++
		}
		v.print(stdout, a)
	}
	for _, m := range spreadMetrics {
		ss, err := spreads(docs, m)
		if err != nil {
			fmt.Fprintf(stderr, "aacheck: spread of %s: %v\n", m, err)
			return 2
		}
		printSpread(stdout, m, ss)
	}
	fmt.Fprintf(stdout, "aacheck: %d of %d A/A runs bad (a gated metric called better or worse, or its CI wholly beyond half its tolerance)\n", bad, len(args))
	if bad > 0 {
		return 3
	}
	return 0
}

func load(path string) (results.CompareRun, error) {
	var doc results.CompareRun
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "results.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("%s: not a compare results.json: %w", path, err)
	}
	if doc.Command != "compare" || doc.SchemaVersion != results.SchemaVersion {
		return doc, fmt.Errorf("%s: command %q schema %d, want a compare results.json of schema %d", path, doc.Command, doc.SchemaVersion, results.SchemaVersion)
	}
	return doc, nil
}

// change is one gated metric of one case.
type change struct {
	caseID         string
	metric         string
	delta, lo, hi  float64 // % change of head against base, and its CI
	tol            float64 // % tolerance
	called         stats.Change
	beyondHalf     bool
	relToTolerance float64 // |delta| / tol; +Inf for a move at tolerance 0
}

// verdict is one A/A run judged.
type verdict struct {
	cases, gated int
	flagged      []change // called, or beyond half the tolerance
	largest      []change // the top changes by relToTolerance
}

func (v verdict) bad() bool { return len(v.flagged) > 0 }

// judge reads every gated comparison of a run.
func judge(doc results.CompareRun, declared map[string]stats.Metric) (verdict, error) {
	var v verdict
	var all []change
	for _, c := range doc.Cases {
		v.cases++
		for _, cmp := range c.Comparisons {
			m, ok := declared[cmp.Metric.Name]
			if !ok {
				return v, fmt.Errorf("case %s: metric %q is declared by no workload of this build", c.ID, cmp.Metric.Name)
			}
			band, gated := compare.Tolerance(m)
			if !gated {
				continue
			}
			v.gated++
			ch := change{caseID: c.ID, metric: m.Name, delta: cmp.DeltaPct, lo: cmp.DeltaLoPct, hi: cmp.DeltaHiPct,
				tol: 100 * band, called: cmp.Change}
			half := ch.tol / 2
			ch.beyondHalf = ch.lo > half || ch.hi < -half
			switch {
			case ch.tol > 0:
				ch.relToTolerance = math.Abs(ch.delta) / ch.tol
			case ch.delta != 0:
				ch.relToTolerance = math.Inf(1)
			}
			if ch.called == stats.Better || ch.called == stats.Worse || ch.beyondHalf {
				v.flagged = append(v.flagged, ch)
			}
			all = append(all, ch)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].relToTolerance > all[j].relToTolerance })
	v.largest = all[:min(top, len(all))]
	return v, nil
}

func (v verdict) print(w io.Writer, name string) {
	status := "clean"
	if v.bad() {
		status = "BAD"
	}
	fmt.Fprintf(w, "%s: %s: %d cases, %d gated metrics, %d flagged\n", name, status, v.cases, v.gated, len(v.flagged))
	for _, c := range v.flagged {
		why := "called " + string(c.called)
		if c.called != stats.Better && c.called != stats.Worse {
			why = "CI wholly beyond half the tolerance"
		}
		fmt.Fprintf(w, "  FLAGGED %s\n", c.line(why))
	}
	for _, c := range v.largest {
		fmt.Fprintf(w, "  largest %s\n", c.line(""))
	}
}

func (c change) line(why string) string {
	s := fmt.Sprintf("%s %s %+.2f %% [%+.2f, %+.2f] tolerance %g %%: |Δ|/tol %.2f", c.caseID, c.metric, c.delta, c.lo, c.hi, c.tol, c.relToTolerance)
	if why != "" {
		s += " (" + why + ")"
	}
	return s
}
