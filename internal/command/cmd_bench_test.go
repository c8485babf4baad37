package command

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/verdict"
)

// TestBenchFailsOnCriterion runs the real bench command on a test toggle
// whose on side changes nothing: its "≥ 50 % better" criterion must FAIL
// (exit 3), and every file must be written.
func TestBenchFailsOnCriterion(t *testing.T) {
	var cost atomic.Int64
	cost.Store(10)
	out := filepath.Join(t.TempDir(), "bench")
	code, stdout, stderr := runSuiteCLI(t, costDeps(&cost), "bench", "--opt", "jit", "--rounds", "6", "--benchtime", "20ms",
		"--profile-time", "20ms", "--out", out)
	if code != exitCriteria {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitCriteria, stdout, stderr)
	}
	for _, want := range []string{"≥ 50 % better", "B/op -50 %", "FAIL", "at least one unit", "units/op ≥ 1 units/op", "PASS", "no regression elsewhere"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "criteria not met: jit cost B/op -50 % (FAIL)") {
		t.Errorf("stderr: %s", stderr)
	}
	for _, f := range []string{"results.json", "summary.md", "bench.txt", "jit/cost/cpu.off.pb.gz", "jit/cost/wall.diff.pb.gz", "jit/cost/results.json", "jit/cost/summary.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}

	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc results.BenchSuite
	if err := results.Decode("results.json", b, results.Bench, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != results.SchemaVersion || doc.Env.GoVersion == "" || doc.Counts[verdict.Fail] != 1 || len(doc.Runs) != 1 || len(doc.Runs[0].Measurement.Samples) != 12 {
		t.Errorf("results.json: %+v", doc)
	}

	md, _ := os.ReadFile(filepath.Join(out, "summary.md"))
	if !strings.Contains(string(md), "| jit    | cost     | ≥ 50 % better") || !strings.Contains(string(md), "### Runs") {
		t.Errorf("summary.md:\n%s", md)
	}

	f, err := os.Open(filepath.Join(out, "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := benchfmt.NewReader(f, "bench.txt")
	n := 0
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		n++
		if res.GetConfig("opt") != "jit" || res.GetConfig("workload") != "cost" || (res.GetConfig("toggle") != "off" && res.GetConfig("toggle") != "on") {
			t.Errorf("config of %s: %+v", res.Name, res.Config)
		}
	}
	if n != 12 {
		t.Errorf("bench.txt has %d results, want 12", n)
	}
}

// TestBenchInconclusiveOnlyFailsWhenStrict: with 4 rounds there is no CI,
// so every criterion is INCONCLUSIVE, "no regression elsewhere" included
// (its metrics were not judged, so not checked): exit 0, or 3 with --strict.
func TestBenchInconclusiveOnlyFailsWhenStrict(t *testing.T) {
	var cost atomic.Int64
	cost.Store(5)
	d := costDeps(&cost)
	args := []string{"bench", "--opt", "jit", "--rounds", "4", "--benchtime", "300x", "--profile-time", "10ms", "--format", "json"}
	code, stdout, stderr := runSuiteCLI(t, d, append(args, "--out", filepath.Join(t.TempDir(), "a"))...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var doc results.BenchSuite
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	for _, r := range doc.Criteria {
		if r.Status != verdict.Inconclusive || !strings.Contains(r.Reason, "at least 6") {
			t.Errorf("%s: %s, reason %q; want INCONCLUSIVE for want of 6 rounds", r.Criterion, r.Status, r.Reason)
		}
	}
	if len(doc.Criteria) != 3 || doc.Criteria[2].Criterion != "no regression elsewhere" || !strings.Contains(doc.Criteria[2].Reason, "ns/op") {
		t.Errorf("want the two criteria and \"no regression elsewhere\" naming ns/op: %+v", doc.Criteria)
	}
	code, _, stderr = runSuiteCLI(t, d, append(args, "--strict", "--out", filepath.Join(t.TempDir(), "b"))...)
	if code != exitCriteria || !strings.Contains(stderr, "(INCONCLUSIVE)") {
		t.Errorf("--strict: exit %d: %s", code, stderr)
	}
}

func TestBenchUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--quick", "--full"}, "exclude each other"},
		{[]string{"bench", "--opt", "turbo"}, `unknown --opt "turbo" (valid: fastpath, zerocopy, pooling, batching, jit, caching, xbatch, tree, all, memory)`},
		{[]string{"bench", "--format", "xml"}, "unknown format"},
		{[]string{"bench", "--rounds", "1"}, "invalid rounds 1"},
		{[]string{"bench", "--benchtime", "fast"}, "invalid benchtime"},
		{[]string{"bench", "--profile-time", "0s"}, "invalid --profile-time"},
		{[]string{"bench", "extra"}, "takes no arguments"},
		{[]string{"bench", "--opt", "jit", "--out", filepath.Join(file, "sub")}, "is a file, not a directory"},
	} {
		code, _, stderr := perfbench(context.Background(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestBenchRefusesABadBudget(t *testing.T) {
	for _, v := range []string{"0s", "-1s", "2h"} {
		t.Chdir(t.TempDir())
		code, stdout, stderr := perfbench(context.Background(), "bench", "--max-time", v)
		if code != exitUsage || !strings.Contains(stderr, "invalid --max-time") || !strings.Contains(stderr, "want a positive duration of at most 1h0m0s") || stdout != "" {
			t.Errorf("bench --max-time %s: exit %d, stdout %q, stderr %q", v, code, stdout, stderr)
		}
	}
}
