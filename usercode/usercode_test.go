package usercode

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/gobench"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const usermod = "../gobench/testdata/usermod"

func profileOpts(out, bench string, t gobench.Toggle) ProfileOptions {
	return ProfileOptions{Dir: usermod, Pkg: ".", Bench: bench, Toggle: t, Rounds: 20, Benchtime: "10ms",
		ProfileTime: 50 * time.Millisecond, Out: out, Top: 3, Format: "text"}
}

// TestProfile runs profile --pkg end to end on the sample module: the run
// directory holds every file, pprof opens every diff, and results.json
// judges each toggle as it should.
func TestProfile(t *testing.T) {
	tests := []struct {
		name, bench string
		toggle      gobench.Toggle
		dir         string
		better      []string // at least one of these is better, CI below 1
		warn        bool
	}{
		// The env toggle halves the hashing: hashes/op, the benchmark's own
		// count of the work, halves exactly; ns/op follows it on a quiet
		// machine but not always under a loaded CI's noise, and a unit
		// test must not flake on timing.
		{"env", "^BenchmarkDigest$", gobench.Toggle{Env: []string{"USERMOD_DEDUP=1"}}, "usermod/Digest", []string{"hashes/op", "ns/op"}, false},
		{"tags", "^BenchmarkRender$", gobench.Toggle{Tags: "usermod_prealloc"}, "usermod/Render", []string{"B/op", "allocs/op"}, false},
		{"no-op", "^BenchmarkSort$", gobench.Toggle{Env: []string{"USERMOD_NOOP=1"}}, "usermod/Sort", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var out, log bytes.Buffer
			o := profileOpts(root, tt.bench, tt.toggle)
			o.Log = &log
			if err := RunProfile(context.Background(), o, &out); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			dir := filepath.Join(root, tt.dir)
			for _, f := range append(profiling.AllFileNames(), "results.json", "bench.txt", "summary.md", "report.html") {
				if strings.HasPrefix(f, "wall.") {
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
			for _, k := range []string{"cpu", "heap", "allocs", "block", "mutex"} {
				cmd := exec.Command("go", "tool", "pprof", "-top", "-diff_base", filepath.Join(dir, k+".off.pb.gz"), filepath.Join(dir, k+".on.pb.gz"))
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("pprof -diff_base %s: %v\n%s", k, err, b)
				}
				if _, err := profiling.Load(filepath.Join(dir, k+".diff.pb.gz")); err != nil {
					t.Errorf("%s diff: %v", k, err)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var run results.ProfileRun
			if err := results.Decode("results.json", b, results.Profile, &run); err != nil {
				t.Fatal(err)
			}
			got := map[string]stats.Comparison{}
			for _, c := range run.Comparisons {
				got[c.Metric.Name] = c
				if c.Change == stats.Worse {
					t.Errorf("%s called worse: %+v", c.Metric.Name, c.Paired)
				}
			}
			if len(tt.better) > 0 {
				ok := false
				for _, m := range tt.better {
					c := got[m]
					ok = ok || (c.Change == stats.Better && c.Paired != nil && c.Paired.HasCI && c.Paired.Hi < 1)
				}
				if !ok {
					t.Errorf("none of %v better with a CI below 1: %+v", tt.better, run.Comparisons)
				}
			}
			if warned := strings.Contains(log.String(), "warning: the toggle"); warned != tt.warn {
				t.Errorf("toggle warning %v, want %v; log:\n%s", warned, tt.warn, log.String())
			}
			if !strings.Contains(out.String(), "delta % [95% CI]") || !strings.Contains(out.String(), "go tool pprof -top -diff_base "+dir) {
				t.Errorf("stdout lacks the table or the pprof commands:\n%s", out.String())
			}
		})
	}
}

// TestBadInput: exit 2 (bad input), and nothing written under the root.
func TestBadInput(t *testing.T) {
	env := gobench.Toggle{Env: []string{"USERMOD_DEDUP=1"}}
	tests := []struct {
		name string
		mod  func(*ProfileOptions)
		want string
	}{
		{"with --opt", func(o *ProfileOptions) { o.Conflicts = []string{"--opt"} }, "cannot be combined with --opt"},
		{"no module", func(o *ProfileOptions) { o.Dir = os.TempDir() }, "no Go module"},
		{"no package", func(o *ProfileOptions) { o.Pkg = "./nope" }, "matches no package"},
		{"no benchmark", func(o *ProfileOptions) { o.Bench = "NoSuch" }, "valid: BenchmarkFragile"},
		{"tags break the build", func(o *ProfileOptions) { o.Toggle = gobench.Toggle{Tags: "usermod_broken"} }, "undefined: undefinedOnPurpose"},
		{"no toggle", func(o *ProfileOptions) { o.Toggle = gobench.Toggle{} }, "no toggle"},
		{"bad format", func(o *ProfileOptions) { o.Format = "xml" }, "xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "out")
			o := profileOpts(root, "^BenchmarkDigest$", env)
			tt.mod(&o)
			var out bytes.Buffer
			err := RunProfile(context.Background(), o, &out)
			if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want bad input containing %q", err, tt.want)
			}
			if _, err := os.Stat(root); !os.IsNotExist(err) {
				t.Errorf("%s exists after bad input (%v)", root, err)
			}
			if out.Len() > 0 {
				t.Errorf("printed %q", out.String())
			}
		})
	}
}

// TestFailingBenchmark: a panic on one side is a plain error (exit 1)
// naming the side and the benchmark, whose output is kept in the temporary
// directory for the user to read; nothing is written to the run directory.
func TestFailingBenchmark(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the failed benchmark's output is kept
	root := filepath.Join(t.TempDir(), "out")
	err := RunProfile(context.Background(), profileOpts(root, "^BenchmarkFragile$", gobench.Toggle{Env: []string{"USERMOD_BREAK=1"}}), &bytes.Buffer{})
	if err == nil || cmderr.IsBadInput(err) || cmderr.IsCriterion(err) {
		t.Fatalf("err = %v, want a plain error", err)
	}
	if !strings.Contains(err.Error(), "BenchmarkFragile failed on the on side (env USERMOD_BREAK=1)") {
		t.Errorf("error %q does not name the side and benchmark", err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed run", root)
	}
	kept, _ := filepath.Glob(filepath.Join(tmp, "usermod.BenchmarkFragile.on.*.txt"))
	if len(kept) != 1 || !strings.Contains(err.Error(), kept[0]) {
		t.Errorf("kept %v; want the one file the error names (%v)", kept, err)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid"}, args...)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, b)
	}
}

// TestCompareRegression: a throwaway repository of the sample module whose
// head hashes every record twice; compare --pkg calls it a regression
// (exit 3), writes base→head diffs, and a second run takes base's test
// binary from the build cache.
func TestCompareRegression(t *testing.T) {
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS(usermod)); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-qm", "base")
	src, err := os.ReadFile(filepath.Join(repo, "digest.go"))
	if err != nil {
		t.Fatal(err)
	}
	const once = "\t\t\td = sha256.Sum256(r)\n"
	if !bytes.Contains(src, []byte(once)) {
		t.Fatal("digest.go no longer hashes as this test expects")
	}
	slow := bytes.Replace(src, []byte(once), []byte(once+once+"\t\t\thashed++\n"), 1)
	if err := os.WriteFile(filepath.Join(repo, "digest.go"), slow, 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "commit", "-qam", "hash twice")

	cache := &buildcache.Cache{Dir: t.TempDir(), MaxBytes: 1 << 30, MaxEntries: 10}
	for run := range 2 {
		out := filepath.Join(t.TempDir(), "cmp")
		var stdout, log bytes.Buffer
		err := RunCompare(context.Background(), CompareOptions{
			Dir: repo, Base: "HEAD~1", Pkg: ".", Bench: "^BenchmarkDigest$", Rounds: 6, Benchtime: "10ms",
			ProfileTime: 50 * time.Millisecond, Out: out, Top: 3, Format: "text", Log: &log, Cache: cache,
		}, &stdout)
		if !cmderr.IsCriterion(err) {
			t.Fatalf("run %d: err = %v, want a regression\n%s\n%s", run, err, stdout.String(), log.String())
		}
		b, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc results.CompareRun
		if err := results.Decode("results.json", b, results.Compare, &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(doc.Regressions, ";"), "hashes/op") {
			t.Errorf("regressions %v lack hashes/op", doc.Regressions)
		}
		for _, k := range []string{"cpu", "heap", "allocs", "block", "mutex"} {
			if _, err := profiling.Load(filepath.Join(out, "example.com-usermod.Digest-2."+k+".diff.pb.gz")); err != nil {
				// GOMAXPROCS names the benchmark; find it instead of guessing.
				m, _ := filepath.Glob(filepath.Join(out, "*."+k+".diff.pb.gz"))
				if len(m) != 1 {
					t.Fatalf("%s diff: %v (found %v)", k, err, m)
				}
				if _, err := profiling.Load(m[0]); err != nil {
					t.Errorf("%s diff: %v", k, err)
				}
			}
		}
		entries, err := cache.Entries()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Errorf("run %d: %d cache entries, want 2 (base and head, once each)", run, len(entries))
		}
	}
}
