package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func cmp(metric string, delta, lo, hi float64, ch stats.Change) stats.Comparison {
	return stats.Comparison{Metric: stats.Metric{Name: metric}, DeltaPct: delta, DeltaLoPct: lo, DeltaHiPct: hi, Change: ch}
}

func doc(cs ...stats.Comparison) results.CompareRun {
	d := results.CompareRun{Header: results.Header{SchemaVersion: results.SchemaVersion, Tool: "perfbench", Command: "compare"}}
	d.Cases = []results.CompareCaseResult{{CompareCase: results.CompareCase{ID: "w@none"}, Comparisons: cs}}
	return d
}

func declared() map[string]stats.Metric {
	m := map[string]stats.Metric{}
	for _, x := range baseline.Metrics(catalog.Builtin().Workloads()) {
		m[x.Name] = x
	}
	return m
}

// B/op is gated at 2 % (half: 1 %), ns/op at 10 % (half: 5 %), depth at
// 0; gc/op is not gated.
func TestJudge(t *testing.T) {
	tests := []struct {
		name    string
		cs      []stats.Comparison
		flagged []string
		largest float64
	}{
		{"clean", []stats.Comparison{cmp("B/op", 0.4, -0.2, 0.9, stats.NoDiff), cmp("ns/op", -3, -8, 2, stats.NoDiff)}, nil, 0.3},
		{"called worse", []stats.Comparison{cmp("ns/op", 15, 11, 19, stats.Worse)}, []string{"ns/op"}, 1.5},
		{"called better counts too", []stats.Comparison{cmp("B/op", -18.2, -18.9, -16.9, stats.Better)}, []string{"B/op"}, 9.1},
		{"CI wholly past half the tolerance, not called", []stats.Comparison{cmp("B/op", 1.5, 1.1, 1.9, stats.NoDiff)}, []string{"B/op"}, 0.75},
		{"CI wholly past minus half", []stats.Comparison{cmp("ns/op", -7, -9, -5.5, stats.NoDiff)}, []string{"ns/op"}, 0.7},
		{"CI reaching half the tolerance is not past it", []stats.Comparison{cmp("B/op", 1.5, 1, 1.9, stats.NoDiff)}, nil, 0.75},
		{"ungated metrics are not judged", []stats.Comparison{cmp("gc/op", 14.3, 14.3, 14.3, stats.Worse)}, nil, 0},
		{"tolerance 0 unmoved", []stats.Comparison{cmp("depth", 0, 0, 0, stats.NoDiff)}, nil, 0},
		{"tolerance 0 moved", []stats.Comparison{cmp("depth", 50, 50, 50, stats.NoDiff)}, []string{"depth"}, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := judge(doc(tt.cs...), declared())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range v.flagged {
				got = append(got, c.metric)
			}
			if strings.Join(got, " ") != strings.Join(tt.flagged, " ") || v.bad() != (len(tt.flagged) > 0) {
				t.Errorf("flagged %v, want %v", got, tt.flagged)
			}
			if len(v.largest) > 0 && v.largest[0].relToTolerance != tt.largest && math.Abs(v.largest[0].relToTolerance-tt.largest) > 1e-9 {
				t.Errorf("largest |Δ|/tol %v, want %v", v.largest[0].relToTolerance, tt.largest)
			}
		})
	}
	if _, err := judge(doc(cmp("warp/op", 0, 0, 0, stats.NoDiff)), declared()); err == nil || !strings.Contains(err.Error(), `metric "warp/op" is declared by no workload`) {
		t.Errorf("unknown metric: err = %v", err)
	}
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, d results.CompareRun) string {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "results.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean", doc(cmp("B/op", 0.1, -0.3, 0.4, stats.NoDiff)))
	bad := write("bad", doc(cmp("allocs/op", -9.6, -10.9, -8.1, stats.Better)))
	notCompare := doc()
	notCompare.Command = "profile"
	other := write("profile", notCompare)
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{clean}, 0, "0 of 1 A/A runs bad"},
		{[]string{clean, bad}, 3, "FLAGGED w@none allocs/op -9.60 % [-10.90, -8.10] tolerance 2 %: |Δ|/tol 4.80 (called better)"},
		{[]string{other}, 2, `command "profile"`},
		{[]string{filepath.Join(dir, "missing")}, 2, "no such file"},
		{nil, 2, "usage:"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != tt.code || !strings.Contains(out.String()+errb.String(), tt.out) {
			t.Errorf("run(%v) = %d\n%s%s\nwant %d and %q", tt.args, code, out.String(), errb.String(), tt.code, tt.out)
		}
	}
}

// runsOf makes k A/A runs of two cases of n pairs each: in "independent"
// every pair's log ratio of ns/op is drawn afresh (sd 0.1); in "shifted"
// each run also moves all its pairs by one draw (sd 0.05), as a
// disturbance that holds for a run would.
func runsOf(k, n int, seed uint64) []results.CompareRun {
	rng := rand.New(rand.NewPCG(seed, 1))
	docs := make([]results.CompareRun, k)
	for r := range docs {
		docs[r] = doc()
		docs[r].Cases = nil
		for _, id := range []string{"independent@none", "shifted@none"} {
			shift := 0.0
			if id == "shifted@none" {
				shift = 0.05 * rng.NormFloat64()
			}
			m := &results.Measurement{}
			for i := range n {
				lr := shift + 0.1*rng.NormFloat64()
				m.Samples = append(m.Samples,
					results.Round{Side: stats.Off, Index: i, Values: map[string]float64{"ns/op": 1000}},
					results.Round{Side: stats.On, Index: i, Values: map[string]float64{"ns/op": 1000 * math.Exp(lr)}})
			}
			docs[r].Cases = append(docs[r].Cases, results.CompareCaseResult{CompareCase: results.CompareCase{ID: id}, Measurement: m})
		}
	}
	return docs
}

func TestSpreadsSeeWhatHoldsForARun(t *testing.T) {
	// Pairs' sd 0.1 over 20 pairs: within = 0.1/√20 ≈ 0.022; the shift
	// adds 0.05 between runs, so the shifted case's ratio is about
	// √(0.022² + 0.05²)/0.022 ≈ 2.5, the independent one's about 1
	// (±0.32 at 40 runs).
	ss, err := spreads(runsOf(40, 20, 7), "ns/op")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].caseID != "shifted@none" || ss[1].caseID != "independent@none" {
		t.Fatalf("spreads %+v, want shifted then independent", ss)
	}
	if r := ss[0].ratio(); r < 2 || r > 3 {
		t.Errorf("shifted: ratio %.2f, want about 2.5", r)
	}
	if r := ss[1].ratio(); r < 0.7 || r > 1.3 {
		t.Errorf("independent: ratio %.2f, want about 1", r)
	}
	if w := ss[1].within; math.Abs(w-0.1/math.Sqrt(20)) > 0.003 {
		t.Errorf("independent: within %.4f, want about %.4f", w, 0.1/math.Sqrt(20))
	}
	// Too few runs, or runs of a single pair, are not reported.
	if ss, err := spreads(runsOf(minSpreadRuns-1, 20, 7), "ns/op"); err != nil || len(ss) != 0 {
		t.Errorf("%d runs: spreads %+v, %v; want none", minSpreadRuns-1, ss, err)
	}
	if ss, err := spreads(runsOf(40, 1, 7), "ns/op"); err != nil || len(ss) != 0 {
		t.Errorf("one pair a run: spreads %+v, %v; want none", ss, err)
	}
}

func TestRunReportsSpread(t *testing.T) {
	dir := t.TempDir()
	var args []string
	for i, d := range runsOf(minSpreadRuns, 20, 3) {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "results.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("run = %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"spread of ns/op: between-run sd of a case's mean log ratio / the sd its pairs predict (1 when pairs are independent; sampling allows about ±0.53 at 8 runs): median ",
		" over 2 cases (8–8 runs each)\n  spread shifted@none ns/op ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "spread of cpu-ns/op") {
		t.Errorf("a metric no run has is reported:\n%s", out.String())
	}
}
