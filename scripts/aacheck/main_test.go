package main

import (
	"bytes"
	"encoding/json"
	"math"
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
