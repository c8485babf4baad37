package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/syncbuf"
	"github.com/perfbench/perfbench/results"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/worker"
	"github.com/perfbench/perfbench/worker/workertest"
	"github.com/perfbench/perfbench/workloads"
)

// helperEnv makes the test binary a perfbench worker serving testLookup
// (the os/exec helper-process pattern), so a compare can run without
// building the module.
const helperEnv = "PERFBENCH_COMPARE_TEST_WORKER"

// testTables serves the test workloads with the runtime's toggles.
type testTables struct{}

func (testTables) Workload(name string) (workloads.Workload, error) { return testLookup(name) }
func (testTables) ParseSet(s string) (features.Set, error)          { return catalog.Builtin().ParseSet(s) }

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if len(os.Args) > 1 && os.Args[1] == "list" {
			os.Exit(helperList())
		}
		serve := func() error { return worker.Serve(context.Background(), os.Stdin, os.Stdout, testTables{}) }
		if os.Getenv(noCapsEnv) != "" {
			serve = func() error {
				return workertest.WithoutCaps(func(w io.Writer) error {
					return worker.Serve(context.Background(), os.Stdin, w, testTables{})
				}, os.Stdout)
			}
		}
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// noCapsEnv makes a helper worker advertise no capability, as a build
// from before them does.
const noCapsEnv = "PERFBENCH_COMPARE_TEST_NOCAPS"

// slowEnv makes a helper worker's spin cost 10 times as much per op.
const slowEnv = "PERFBENCH_COMPARE_TEST_SLOW"

var sink int

type spin struct{ per int } // iterations per op

func (s spin) Run(_ context.Context, n int) (map[string]float64, error) {
	for i := range n * s.per {
		sink += i
	}
	return map[string]float64{"units/op": 1}, nil
}
func (spin) Close() error { return nil }

// Environment of a helper worker: the workloads and toggles its build
// knows (comma-separated; by default those of testLookup and testToggles),
// and whether it predates `list --format json`.
const (
	workloadsEnv = "PERFBENCH_COMPARE_TEST_WORKLOADS"
	togglesEnv   = "PERFBENCH_COMPARE_TEST_TOGGLES"
	noListEnv    = "PERFBENCH_COMPARE_TEST_NOLIST"
)

func helperNames(env string, def []string) []string {
	if v := os.Getenv(env); v != "" {
		return strings.Split(v, ",")
	}
	return def
}

// helperList is `perfbench list --format json` of a helper worker's build.
func helperList() int {
	if os.Getenv(noListEnv) != "" {
		fmt.Fprintln(os.Stderr, `perfbench: unknown command "list"`)
		return 2
	}
	var l listing
	for _, n := range helperNames(togglesEnv, []string{"jit", "caching"}) {
		l.Toggles = append(l.Toggles, struct {
			Name string `json:"name"`
		}{n})
	}
	for _, n := range helperNames(workloadsEnv, []string{"other", "spin"}) {
		l.Workloads = append(l.Workloads, struct {
			Name string `json:"name"`
		}{n})
	}
	if err := json.NewEncoder(os.Stdout).Encode(l); err != nil {
		return 1
	}
	return 0
}

func testLookup(name string) (workloads.Workload, error) {
	if valid := helperNames(workloadsEnv, []string{"other", "spin"}); !slices.Contains(valid, name) {
		return workloads.Workload{}, fmt.Errorf("unknown workload %q (valid: %s)", name, strings.Join(valid, ", "))
	}
	per := 200
	if os.Getenv(slowEnv) != "" {
		per *= 10
	}
	return workloads.Workload{Name: name, Metrics: []stats.Metric{{Name: "units/op", Gate: stats.AllocGate}},
		New: func(features.Set) (workloads.Instance, error) { return spin{per}, nil }}, nil
}

var testToggles = []toggles.Toggle{{Name: "jit", Workloads: []string{"spin"}}, {Name: "caching", Workloads: []string{"spin", "other"}}}

func TestRequestOptions(t *testing.T) {
	ok := Request{Base: "main", Rounds: 6, Benchtime: "10x", ProfileTime: time.Millisecond, Opts: []string{"jit,caching"}}
	tests := []struct {
		name  string
		edit  func(*Request)
		err   string
		cases []string
	}{
		{"everything", func(*Request) {}, "", []string{"spin@none", "spin@jit", "spin@caching", "other@none", "other@caching"}},
		{"one workload", func(r *Request) { r.Workloads = []string{"other"} }, "", []string{"other@none", "other@caching"}},
		{"one toggle", func(r *Request) { r.Opts = []string{"jit"} }, "", []string{"spin@none", "spin@jit"}},
		{"no base", func(r *Request) { r.Base = "" }, "--base is required", nil},
		{"5 rounds", func(r *Request) { r.Rounds = 5 }, "invalid --rounds 5", nil},
		{"too many rounds", func(r *Request) { r.Rounds = MaxRounds + 1 }, "invalid --rounds", nil},
		{"bad benchtime", func(r *Request) { r.Benchtime = "fast" }, "invalid benchtime", nil},
		{"long benchtime", func(r *Request) { r.Benchtime = "1m" }, "at most", nil},
		{"bad profile-time", func(r *Request) { r.ProfileTime = 0 }, "invalid --profile-time", nil},
		{"unknown opt", func(r *Request) { r.Opts = []string{"warp"} }, `unknown --opt "warp"`, nil},
		{"unknown workload", func(r *Request) { r.Workloads = []string{"nope"} }, "valid: other, spin", nil},
		{"groups need their workloads", func(r *Request) { r.Opts = []string{"all"} }, `unknown --opt "all" (valid: jit, caching)`, nil},
		{"workload not selected", func(r *Request) { r.Opts, r.Workloads = []string{"jit"}, []string{"other"} }, "use: spin", nil},
		{"max-time 0", func(r *Request) { r.Timing = timing.Request{MaxTimeSet: true} }, "invalid --max-time 0s: want a positive duration", nil},
		{"max-time too long", func(r *Request) { r.Timing = timing.Request{MaxTime: 2 * time.Hour, MaxTimeSet: true} }, "at most 1h0m0s", nil},
		{"max-time", func(r *Request) {
			r.Opts, r.Timing = []string{"jit"}, timing.Request{MaxTime: time.Minute, MaxTimeSet: true}
		}, "", []string{"spin@none", "spin@jit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			o, err := r.Plan(testToggles, testLookup)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Settings.Decided == nil || o.MaxTime != r.Timing.MaxTime {
				t.Errorf("settings: sequential %v, budget %s; want sequential, budget %s", o.Settings.Decided != nil, o.MaxTime, r.Timing.MaxTime)
			}
			var ids []string
			for _, c := range o.Cases {
				ids = append(ids, c.ID)
			}
			if strings.Join(ids, " ") != strings.Join(tt.cases, " ") {
				t.Fatalf("cases %v, want %v", ids, tt.cases)
			}
		})
	}
}

// gitRepo makes a repository with a go.mod and a main.go holding src,
// committed, and returns its directory.
func gitRepo(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"config", "user.email", "t@example.com"}, {"config", "user.name", "t"}} {
		runGit(t, dir, args...)
	}
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/pb\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), src)
	runGit(t, dir, "add", "-A")
	runGit(t, dir, "commit", "-qm", "one")
	return dir
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTestBinary is a Builder that "builds" the test binary itself, which
// serves the worker protocol in helper mode.
func copyTestBinary(_ context.Context, _, _, out string) error {
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o755)
}

// tagEnvBuilder is copyTestBinary behind a shell wrapper that, for a
// build with the tags t, sets the environment envs[t] (NAME=value ...).
func tagEnvBuilder(envs map[string]string) Builder {
	return func(ctx context.Context, dir, tags, out string) error {
		if err := copyTestBinary(ctx, dir, tags, out+".real"); err != nil {
			return err
		}
		env := ""
		if e := envs[tags]; e != "" {
			env = e + " "
		}
		return os.WriteFile(out, []byte("#!/bin/sh\n"+env+"exec '"+out+".real' \"$@\"\n"), 0o755)
	}
}

// slowTagBuilder makes a build with the tag "slow" ten times slower per
// op, so the two sides calibrate to different operation counts.
var slowTagBuilder = tagEnvBuilder(map[string]string{"slow": slowEnv + "=1"})

// isolate points os.TempDir at a fresh directory, so the test can see that
// compare left nothing behind.
func isolate(t *testing.T) string {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp
}

func assertClean(t *testing.T, repo, tmp string) {
	t.Helper()
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left in the temporary directory: %v", entries)
	}
	if wts := strings.Count(runGit(t, repo, "worktree", "list"), "\n"); wts != 1 {
		t.Errorf("worktrees left: %s", runGit(t, repo, "worktree", "list"))
	}
}

func options(t *testing.T, dir string) Plan {
	o, err := Request{Base: "HEAD", Rounds: 6, Benchtime: "20x", ProfileTime: time.Millisecond, Opts: []string{"jit"},
		Out: filepath.Join(t.TempDir(), "out"), Dir: dir}.Plan(testToggles, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	o.Build, o.Env, o.Cache = copyTestBinary, []string{helperEnv + "=1"}, nil
	return o
}

func TestRunInputErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	good := gitRepo(t, "package main\n\nfunc main() {}\n")

	noGit := t.TempDir()
	writeFile(t, filepath.Join(noGit, "go.mod"), "module x\n")
	o := options(t, noGit)
	if _, err := Measure(ctx, o); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "not in a git repository") {
		t.Errorf("no repository: %v", err)
	}

	o = options(t, good)
	o.Base = "no-such-branch"
	if _, err := Measure(ctx, o); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), `unknown git ref "no-such-branch"`) {
		t.Errorf("bad ref: %v", err)
	}
	assertClean(t, good, tmp)

	// A ref that does not build, with the real go build.
	broken := gitRepo(t, "package main\n\nfunc main() { undefined() }\n")
	o = options(t, broken)
	o.Build = GoBuild
	if _, err := Measure(ctx, o); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "does not build") || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("broken ref: %v", err)
	}
	assertClean(t, broken, tmp)

	// A perfbench from before the worker command, built for real.
	old := gitRepo(t, "package main\n\nimport (\"fmt\"; \"os\")\n\nfunc main() {\n\tfmt.Fprintln(os.Stderr, `perfbench: unknown command \"worker\" (valid: list, profile)`)\n\tos.Exit(2)\n}\n")
	o = options(t, old)
	o.Build = GoBuild
	if _, err := Measure(ctx, o); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "predates") {
		t.Errorf("old binary: %v", err)
	}
	assertClean(t, old, tmp)
}

func TestRunAndWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(repo, "main.go"), "package main\n\nfunc main() { println() }\n") // dirty
	o := options(t, repo)
	var trace bytes.Buffer
	o.TraceTime, o.Stderr = true, &trace
	out, err := Measure(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, repo, tmp)
	if !out.Head.Dirty || out.Head.Ref != "" || out.Base.Commit != out.Head.Commit || out.Base.Dirty {
		t.Errorf("builds base %+v head %+v", out.Base, out.Head)
	}
	if len(out.Cases) != 2 || len(out.Cases[0].Measurement.Samples) != 12 {
		t.Fatalf("cases %+v", out.Cases)
	}
	// ABBA: the second round runs head first.
	if s := out.Cases[0].Measurement.Samples; s[2].Side != stats.On || s[3].Side != stats.Off {
		t.Errorf("round order %v %v", s[2].Side, s[3].Side)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := out.Write(); err != nil {
		t.Fatal(err)
	}
	// --trace-time accounts for the time outside the cases too.
	for _, want := range []string{"│ all cases", "perfbench compare: before the cases, ", "perfbench compare: writing the run directory took "} {
		if !strings.Contains(trace.String(), want) {
			t.Errorf("--trace-time output lacks %q:\n%s", want, trace.String())
		}
	}
	// Every case's CPU profiles (base, head, diff), which the outputs show;
	// every kind only for a case that regressed.
	want := 3
	for _, c := range out.Cases {
		kinds := 1
		if len(c.Regressions) > 0 {
			kinds = len(profiling.Kinds())
		}
		want += 3 * kinds
	}
	names, _ := os.ReadDir(o.Out)
	if len(names) != len(out.FileNames()) || len(names) != want {
		t.Errorf("wrote %d files (FileNames %d), want %d: %v", len(names), len(out.FileNames()), want, names)
	}
	// report.html is what `perfbench report` renders from the files, byte
	// for byte, and summary.md links to it.
	page, err := os.ReadFile(filepath.Join(o.Out, htmlpage.PageFile))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := htmlpage.Rerender(o.Out, "html", "", &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, again.Bytes()) || !bytes.Contains(page, []byte("<title>perfbench compare:")) {
		t.Errorf("report.html (%d bytes) is not a compare page or differs from its re-rendering (%d bytes)", len(page), again.Len())
	}
	if md, _ := os.ReadFile(filepath.Join(o.Out, "summary.md")); !bytes.Contains(md, []byte("[report.html](report.html)")) {
		t.Errorf("summary.md does not link report.html:\n%s", md)
	}
	var doc results.CompareRun
	b, err := os.ReadFile(filepath.Join(o.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != results.SchemaVersion || doc.Settings.Order != "ABBA" || len(doc.Cases) != 2 || doc.Cases[0].Comparisons[0].Paired == nil {
		t.Errorf("results.json %s", b[:min(len(b), 400)])
	}
	for _, c := range doc.Cases {
		if c.RoundsUsed != 6 || c.Elapsed == "" || c.Time.Of("rounds") <= 0 || c.Time.Of("profile cpu") <= 0 || c.Time.Of("profile wall") != 0 && len(c.Regressions) == 0 {
			t.Errorf("case %s: rounds_used %d, elapsed %q, time %+v", c.ID, c.RoundsUsed, c.Elapsed, c.Time)
		}
	}
	for _, f := range []report.Format{report.Text, report.Markdown, report.JSON} {
		var buf bytes.Buffer
		if err := out.Print(&buf, f); err != nil {
			t.Fatal(err)
		}
		if f != report.JSON && !strings.Contains(buf.String(), "-diff_base "+filepath.Join(o.Out, "spin@none.cpu.base.pb.gz")) {
			t.Errorf("%s output lacks the pprof hint:\n%s", f, buf.String())
		}
		if f == report.Text {
			for _, line := range strings.Split(buf.String(), "\n") {
				if w := len([]rune(line)); w > report.MaxTextWidth && strings.HasPrefix(line, "│") {
					t.Errorf("table line of %d columns: %s", w, line)
				}
			}
		}
	}
}

// TestRunOutOfBudget: a compare whose --max-time is spent before its
// cases start judges every gated metric INCONCLUSIVE, flags no
// regression, takes no profiles, and says so.
func TestRunOutOfBudget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	o := options(t, repo)
	o.MaxTime = time.Nanosecond
	out, err := Measure(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, repo, tmp)
	if len(out.Cases) != 2 || len(out.OutOfBudget()) != 2 || len(out.Regressions()) != 0 || len(out.PprofHints()) != 0 {
		t.Fatalf("cases %d, out of budget %v, regressions %v, hints %v", len(out.Cases), out.OutOfBudget(), out.Regressions(), out.PprofHints())
	}
	for _, c := range out.Cases {
		if c.Timing.Stopped == "" || c.Timing.Budget == "" || c.Profiles.Off != nil {
			t.Errorf("case %s: timing %+v, profiles %v", c.ID, c.Timing, c.Profiles.Off)
		}
		for _, v := range c.Verdicts {
			if v.Status != verdict.Inconclusive && v.Status != verdict.Info {
				t.Errorf("case %s %s: %s, want INCONCLUSIVE", c.ID, v.Metric, v.Status)
			}
		}
	}
	if v := out.verdict(); !strings.HasPrefix(v, "INCONCLUSIVE: 2 case(s)") {
		t.Errorf("verdict %q", v)
	}
}

// TestRunSidesRunTheSameOps: every round of base and head in a case runs
// the same number of operations (and so the same warm-up), even when the
// sides calibrate apart: per-op allocation and GC figures depend on the
// count, so unequal counts read as a change on identical code.
func TestRunSidesRunTheSameOps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	o := options(t, repo)
	o.Build, o.TagsHead = slowTagBuilder, "slow"
	o.Cases = o.Cases[:1]
	o.Settings.Benchtime = measure.Benchtime{D: 5 * time.Millisecond}
	out, err := Measure(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, repo, tmp)
	res := out.Cases[0].Measurement
	if b, h := median(res.Values(stats.Off, measure.NsPerOp)), median(res.Values(stats.On, measure.NsPerOp)); h < 3*b {
		t.Fatalf("head %.0f ns/op is not well above base %.0f ns/op: the sides would calibrate alike and the test shows nothing", h, b)
	}
	for _, s := range res.Samples {
		if s.Ops != res.Samples[0].Ops {
			t.Fatalf("round %d %s ran %d ops, round 1 %s ran %d: the sides start rounds unlike", s.Index+1, s.Side, s.Ops, res.Samples[0].Side, res.Samples[0].Ops)
		}
	}
}

// TestRunProfilesTheRounds: when both builds' workers can, every measured
// round of both sides carries the CPU profiler and those profiles seed the
// CPU profile of each side; when either cannot (a build from before it),
// no round is profiled, on either side, and a CPU pass per side follows
// the rounds, as it did before; nor does either side warm up unmeasured.
func TestRunProfilesTheRounds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	oldBuild := tagEnvBuilder(map[string]string{"old": noCapsEnv + "=1"})
	tests := []struct {
		name               string
		tagsBase, tagsHead string
		profiled           bool
	}{
		{"both can", "", "", true},
		{"old base", "old", "", false},
		{"old head", "", "old", false},
	}
	plan := options(t, repo) // here: a subtest's temporary directory would be inside tmp
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := plan
			o.Build, o.TagsBase, o.TagsHead = oldBuild, tt.tagsBase, tt.tagsHead
			o.Cases = o.Cases[:1]
			// A yardstick of one operation: the rounds' 20 per round are
			// more than a CPU pass may run.
			o.ProfileTime = time.Nanosecond
			var stderr syncbuf.Buffer
			o.Stderr = &stderr
			out, err := Measure(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			assertClean(t, repo, tmp)
			c := out.Cases[0]
			for _, side := range stats.Sides() {
				have, err := c.Measurement.RoundProfiles(side)
				if err != nil {
					t.Fatal(err)
				}
				run := have[profiling.CPU]
				if got := run.Profile != nil; got != tt.profiled {
					t.Errorf("%s: rounds profiled %v, want %v", side, got, tt.profiled)
				}
				if tt.profiled && run.Ops != int64(c.Measurement.RoundsUsed*c.Measurement.Samples[0].Ops) {
					t.Errorf("%s: round profile of %d ops, want the %d rounds' %d each", side, run.Ops, c.Measurement.RoundsUsed, c.Measurement.Samples[0].Ops)
				}
			}
			if c.Profiles.Off[profiling.CPU] == nil || c.Profiles.On[profiling.CPU] == nil {
				t.Errorf("no CPU profile of a side: %v %v", c.Profiles.Off, c.Profiles.On)
			}
			// The fallback's pass shows in the timing; profiled rounds
			// need none.
			if pass := c.Timing.Time.Of("profile cpu"); tt.profiled != (pass == 0) {
				t.Errorf("rounds profiled %v, yet a CPU pass of %gs: %+v", tt.profiled, pass, c.Timing.Time)
			}
			var want []string
			for i, tags := range []string{tt.tagsBase, tt.tagsHead} {
				if tags == "old" {
					want = append(want, []Build{out.Base, out.Head}[i].Label()+" cannot profile its measured rounds")
				}
			}
			if got := strings.Count(stderr.String(), "cannot profile its measured rounds"); got != len(want) {
				t.Errorf("%d notes of a build that cannot profile its rounds, want %d:\n%s", got, len(want), stderr.String())
			}
			// Nor can it warm up unmeasured (measure.Settings.FreshWarmUp),
			// which the rounds of both sides then do without: had one side
			// warmed up unmeasured, its worker would have been asked, and the
			// measurement would have failed.
			if got := strings.Count(stderr.String(), "cannot warm up without measuring"); got != len(want) {
				t.Errorf("%d notes of a build that cannot warm up unmeasured, want %d:\n%s", got, len(want), stderr.String())
			}
			for _, w := range want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestRunInterruptedCleansUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	o := options(t, repo)
	o.Settings.Rounds = MaxRounds
	var stderr syncbuf.Buffer
	o.Stderr = &stderr
	ctx, stop := context.WithCancel(ctx)
	go func() {
		// Ctrl-C while the rounds run, worktree and workers alive.
		for !strings.Contains(stderr.String(), "[1/2]") {
			time.Sleep(time.Millisecond)
		}
		stop()
	}()
	if _, err := Measure(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertClean(t, repo, tmp)
	if _, err := os.Stat(o.Out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output directory exists after an interrupted run: %v", err)
	}
}
