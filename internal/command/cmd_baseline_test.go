package command

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/suite/suitetest"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// costDeps is a registry with one toggle ("jit", which the test workload
// ignores) on one workload whose cost per operation is *cost units.
func costDeps(cost *atomic.Int64, criteria ...toggles.Criterion) suiteDeps {
	w := suitetest.Costly("cost", func() int { return int(cost.Load()) })
	if len(criteria) == 0 {
		criteria = []toggles.Criterion{{Metric: "units/op", Kind: toggles.AtLeast, Target: 1, Text: "at least one unit"}}
	}
	return suiteDeps{
		toggles: []toggles.Toggle{{
			Name: "jit", Workloads: []string{"cost"},
			Primary:  toggles.Criterion{Metric: measure.BytesPerOp, Kind: toggles.Reduction, Target: 50, Text: "≥ 50 % better"},
			Criteria: criteria,
		}},
		lookup: suitetest.Lookup(w),
	}
}

// runSuiteCLI runs the real app with the bench and baseline commands built
// from deps, mapping errors to exit codes as run does.
func runSuiteCLI(t *testing.T, d suiteDeps, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runSuiteCLIContext(context.Background(), d, args...)
}

// runSuiteCLIContext is runSuiteCLI under ctx, which a test may cancel.
func runSuiteCLIContext(ctx context.Context, d suiteDeps, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	app := newApp(catalog.Builtin(), &out, &errb)
	for i, c := range app.Commands {
		switch c.Name {
		case "bench":
			app.Commands[i] = newBenchCommand(d)
		case "baseline":
			app.Commands[i] = newBaselineCommand(d)
		}
	}
	code = runApp(ctx, app, append([]string{"perfbench"}, args...))
	return code, out.String(), errb.String()
}

func TestBaselineCheckBadFiles(t *testing.T) {
	dir := t.TempDir()
	var cost atomic.Int64
	cost.Store(1)
	path := filepath.Join(dir, "good.json")
	if code, _, stderr := runSuiteCLI(t, costDeps(&cost), "baseline", "save", "--opt", "jit", "--file", path, "--rounds", "6", "--benchtime", "200x"); code != exitOK {
		t.Fatalf("save: exit %d: %s", code, stderr)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "missing.json"), "does not exist"},
		{"empty", write("empty.json", ""), "is empty"},
		{"truncated", write("truncated.json", string(good[:len(good)*2/3])), "is truncated"},
		{"corrupt", write("corrupt.json", strings.Replace(string(good), `"runs": [`, `"runs": [}`, 1)), "is corrupt: not valid JSON at line"},
		{"wrong version", write("v2.json", strings.Replace(string(good), `"schema_version": 1`, `"schema_version": 2`, 1)), "has schema version 2; this perfbench reads version 1"},
		{"not a baseline", write("other.json", `{"schema_version": 1, "command": "profile"}`), "is not a perfbench baseline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := perfbench(context.Background(), "baseline", "check", "--file", tc.path)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "perfbench baseline save --file "+tc.path) {
				t.Errorf("stderr %q lacks %q and the way to make a new one", stderr, tc.want)
			}
			if strings.Contains(stderr, "panic") || stdout != "" {
				t.Errorf("stdout %q stderr %q", stdout, stderr)
			}
		})
	}
	// A baseline naming a workload this perfbench does not know.
	code, _, stderr := perfbench(context.Background(), "baseline", "check", "--file", path)
	if code != exitUsage || !strings.Contains(stderr, `unknown workload "cost"`) {
		t.Errorf("unknown workload: exit %d: %s", code, stderr)
	}
}

func TestBaselineUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"baseline"}, "needs a subcommand"},
		{[]string{"baseline", "frobnicate"}, `unknown baseline subcommand "frobnicate"`},
		{[]string{"baseline", "check", "--tolerance", "ten"}, `invalid --tolerance "ten"`},
		{[]string{"baseline", "check", "--metric-tolerance", "ns/op"}, "want NAME=PCT"},
		{[]string{"baseline", "check", "--bogus"}, "flag provided but not defined"},
		{[]string{"baseline", "check", "--format", "xml"}, "unknown format"},
		{[]string{"baseline", "save", "--quick", "--full"}, "exclude each other"},
		{[]string{"baseline", "save", "--rounds", "3"}, "invalid rounds 3: want 6 to 100 per side (a 95 % confidence interval needs 6"},
		{[]string{"baseline", "save", "--rounds", "0"}, "invalid rounds 0: want 6 to 100 per side (a 95 % confidence interval needs 6"},
		{[]string{"baseline", "save", "--rounds", "5"}, "invalid rounds 5: want 6 to 100 per side (a 95 % confidence interval needs 6"},
		{[]string{"baseline", "save", "--opt", "turbo"}, `unknown --opt "turbo"`},
	} {
		code, _, stderr := perfbench(context.Background(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestBaselineSaveCheckEndToEnd: save a baseline of a workload with a known
// cost; checking the same cost passes (exit 0), 20 % more cost is a
// regression (exit 3). The time tolerance is wide so a busy machine cannot
// fail the A/A check; B/op and allocs/op (2 %) are deterministic and carry
// the +20 %.
func TestBaselineSaveCheckEndToEnd(t *testing.T) {
	var cost atomic.Int64
	cost.Store(20)
	d := costDeps(&cost)
	path := filepath.Join(t.TempDir(), "perf", "baseline.json")
	code, stdout, stderr := runSuiteCLI(t, d, "baseline", "save", "--opt", "jit", "--file", path, "--rounds", "6", "--benchtime", "20ms")
	if code != exitOK || !strings.Contains(stdout, "saved baseline "+path+": 1 runs") {
		t.Fatalf("save: exit %d\n%s\n%s", code, stdout, stderr)
	}
	f, err := baseline.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Settings.Rounds != 6 || f.Settings.Benchtime != "20ms" || f.Runs[0].ID != "jit/cost" || f.Env.GoVersion == "" {
		t.Errorf("saved %+v", f.Settings)
	}

	code, stdout, stderr = runSuiteCLI(t, d, "baseline", "check", "--file", path, "--tolerance", "1000%")
	if code != exitOK || !strings.Contains(stdout, "OK: no regression") {
		t.Fatalf("same cost: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "machine or build differs") {
		t.Errorf("same machine warned about the environment: %s", stderr)
	}

	cost.Store(24)
	code, stdout, stderr = runSuiteCLI(t, d, "baseline", "check", "--file", path, "--tolerance", "1000%", "--format", "json")
	if code != exitCriteria {
		t.Fatalf("+20 %% cost: exit %d, want %d\n%s\n%s", code, exitCriteria, stdout, stderr)
	}
	var rep struct {
		Regressions int                `json:"regressions"`
		Findings    []baseline.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	flagged := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Verdict.Status == verdict.Fail {
			flagged[f.Side.String()+" "+f.Metric.Name] = true
			if f.DeltaPct < 15 || f.DeltaPct > 25 {
				t.Errorf("%s %s moved %+.1f %%, want about +20 %%", f.Side, f.Metric.Name, f.DeltaPct)
			}
		}
	}
	for _, want := range []string{"off B/op", "on B/op", "off allocs/op", "on allocs/op"} {
		if !flagged[want] {
			t.Errorf("%s not flagged; flagged %v", want, flagged)
		}
	}
	if !strings.Contains(stderr, "regression(s) against "+path) {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestBaselineCheckWarnsOnOtherEnvironment(t *testing.T) {
	var cost atomic.Int64
	cost.Store(5)
	d := costDeps(&cost)
	path := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, stderr := runSuiteCLI(t, d, "baseline", "save", "--opt", "jit", "--file", path, "--rounds", "6", "--benchtime", "300x"); code != exitOK {
		t.Fatalf("save: %s", stderr)
	}
	f, err := baseline.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Env.GoVersion, f.Env.CPUs, f.Env.GitCommit = "go1.20", 64, "0123456789abcdef"
	if err := baseline.Save(path, f); err != nil {
		t.Fatal(err)
	}
	// This test is about the warnings, not the verdict: at 300 operations a
	// round, the engine's own few allocations per round move B/op by several
	// percent under the race detector, so every tolerance is opened wide.
	code, _, stderr := runSuiteCLI(t, d, "baseline", "check", "--file", path, "--tolerance", "1000%", "--alloc-tolerance", "1000%")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"WARNING: this machine or build differs", "go version: go1.20 → ", "cpus: 64 → ", "note: git commit: 0123456789abcdef → "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "WARNING") && strings.Contains(stderr, "perfbench:   git commit") {
		t.Errorf("git commit difference shown as a warning:\n%s", stderr)
	}
}

// TestBaselineSaveTargetCheckedFirst: a --file that cannot be written is
// exit 2 before anything runs (the workload is never built).
func TestBaselineSaveTargetCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var cost atomic.Int64 // 0: building the workload would fail the run (exit 1)
	for _, tc := range []struct{ name, file, want string }{
		{"existing directory", dir, "cannot write " + dir + ": not a file: it is a directory"},
		{"under a file", filepath.Join(file, "b.json"), file + " is a file, not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runSuiteCLI(t, costDeps(&cost), "baseline", "save", "--opt", "jit", "--file", tc.file, "--rounds", "6", "--benchtime", "10x")
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
			if strings.Contains(stderr, "baseline pass") {
				t.Errorf("the suite ran before the target was checked: %s", stderr)
			}
		})
	}
}
