package command

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

var (
	smokeOnce sync.Once
	smokeDir  string
	smokeOut  string
	smokeCode int
	smokeErr  string
)

// smokeRun is one real, small profile run shared by the tests that inspect
// its files.
func smokeRun(t *testing.T) string {
	t.Helper()
	smokeOnce.Do(func() {
		root, err := os.MkdirTemp("", "perfbench-smoke-*")
		if err != nil {
			t.Fatal(err)
		}
		smokeDir = filepath.Join(root, "out")
		smokeCode, smokeOut, smokeErr = perfbench(context.Background(), "profile", "--opt=jit", "--workload=route-match",
			"--rounds=6", "--benchtime=2000x", "--profile-time=100ms", "--out="+smokeDir)
	})
	if smokeCode != 0 {
		t.Fatalf("profile exited %d: %s", smokeCode, smokeErr)
	}
	return filepath.Join(smokeDir, "jit", "route-match")
}

func TestProfileWritesTheContract(t *testing.T) {
	dir := smokeRun(t)
	for _, k := range profiling.Kinds() {
		for _, name := range []string{profiling.FileName(k, stats.Off), profiling.FileName(k, stats.On), profiling.DiffFileName(k)} {
			p, err := profiling.Load(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := profiling.KindOf(p); err != nil || got != k {
				t.Errorf("%s is a %s profile (%v)", name, got, err)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if want := 3*len(profiling.Kinds()) + 4; len(entries) != want {
		t.Errorf("%d files in %s, want %d: %d profiles + results.json, bench.txt, summary.md, report.html", len(entries), dir, want, want-4)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil || !bytes.Contains(summary, []byte("](report.html)")) {
		t.Errorf("summary.md does not link report.html (%v)", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !bytes.Contains(page, []byte(`id="profile-mutex"`)) || !bytes.Contains(page, []byte(`class="flamegraph"`)) {
		t.Errorf("report.html lacks the mutex profile's section or the flame graphs (%v)", err)
	}

	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res results.ProfileRun
	if err := results.Decode("results.json", b, results.Profile, &res); err != nil {
		t.Fatal(err)
	}
	if res.SchemaVersion != results.SchemaVersion || res.Env.GoVersion == "" || res.Settings.Toggle != "jit" || res.Settings.Rounds != 6 {
		t.Errorf("results.json header: %+v %+v", res.Env, res.Settings)
	}
	if n := len(res.Measurement.Samples); n != 12 {
		t.Fatalf("%d samples, want 12", n)
	}
	for i, s := range res.Measurement.Samples {
		want := []stats.Side{stats.Off, stats.On, stats.On, stats.Off}[i%4] // ABBA
		if s.Side != want || s.Ops != 2000 || s.Values["ns/op"] <= 0 {
			t.Errorf("sample %d: side %s ops %d ns/op %v; want ABBA order, 2000 ops", i, s.Side, s.Ops, s.Values["ns/op"])
		}
	}
	if len(res.Comparisons) == 0 || len(res.TopMovers) != len(profiling.Kinds()) || len(res.Profiles) != len(profiling.Kinds()) {
		t.Errorf("%d comparisons, top movers for %d kinds, sampling of %d", len(res.Comparisons), len(res.TopMovers), len(res.Profiles))
	}
	// Each side fills the profile time: the faster side (jit) runs more
	// operations, and the written files are scaled to the larger count.
	// Block and mutex samples are not modelled: untested.
	for k, c := range res.Profiles {
		tested := k != profiling.Block && k != profiling.Mutex
		if c.Tested != tested || c.Off.Ops < 1 || c.On.Ops < 1 || c.Ops != max(c.Off.Ops, c.On.Ops) || tested && c.Off.Samples <= 0 && k != profiling.Heap {
			t.Errorf("profiles[%s] = %+v", k, c)
		}
	}

	f, err := os.Open(filepath.Join(dir, "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := benchfmt.NewReader(f, "bench.txt")
	sides := map[string]int{}
	for rd.Scan() {
		r, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		if string(r.Name) != "Profile/jit/route-match" {
			t.Errorf("bench name %q", r.Name)
		}
		sides[r.GetConfig("toggle")]++
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if sides["off"] != 6 || sides["on"] != 6 {
		t.Errorf("bench.txt rounds per toggle: %v", sides)
	}

	md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	for _, want := range []string{"metric", "cache-hit-%", "go tool pprof -top -diff_base", "Top movers"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	for _, want := range []string{"ns/op", "Top movers, cpu profile", "Dig further"} {
		if !strings.Contains(smokeOut, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

func TestProfileBadInput(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no opt", []string{"profile"}, "--opt is required (valid: fastpath, zerocopy"},
		{"unknown toggle", []string{"profile", "--opt=turbo"}, `unknown toggle "turbo" (valid: fastpath, zerocopy, pooling, batching, jit, caching, xbatch, tree)`},
		{"unknown workload", []string{"profile", "--opt=jit", "--workload=nope"}, "valid: batch-throughput, cast-latency, cluster-broadcast, cluster-broadcast/3, cluster-latency, cluster-stream, dispatch-local"},
		{"one round", []string{"profile", "--opt=jit", "--rounds=1"}, "invalid rounds 1: want 2 to 100 per side"},
		{"bad benchtime", []string{"profile", "--opt=jit", "--benchtime=10"}, `invalid benchtime "10"`},
		{"zero count", []string{"profile", "--opt=jit", "--benchtime=0x"}, "positive integer followed by x"},
		{"bad format", []string{"profile", "--opt=jit", "--format=xml"}, "valid: text, markdown, json"},
		{"unwritable out", []string{"profile", "--opt=jit", "--out=" + filepath.Join(notDir, "sub")}, "is a file, not a directory"},
		{"unknown flag", []string{"profile", "--opt=jit", "--bogus"}, "flag provided but not defined"},
		{"stray argument", []string{"profile", "--opt=jit", "extra"}, "takes no arguments"},
		{"unknown command", []string{"profiel"}, `unknown command "profiel" (valid: list, profile, diff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := tt.args
			if tt.name != "unwritable out" {
				args = append(args[:len(args):len(args)], "--out="+filepath.Join(out, "p"))
				if tt.name == "stray argument" {
					args = []string{"profile", "--opt=jit", "--out=" + filepath.Join(out, "p"), "extra"}
				}
			}
			code, _, stderr := perfbench(context.Background(), args...)
			if code != exitUsage || !strings.Contains(stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.msg)
			}
			if _, err := os.Stat(filepath.Join(out, "p")); !os.IsNotExist(err) {
				t.Fatalf("bad input left %s behind", filepath.Join(out, "p"))
			}
		})
	}
}

func TestProfileInterruptWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p")
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	go func() {
		time.Sleep(700 * time.Millisecond)
		cancelled = time.Now()
		cancel()
	}()
	code, _, stderr := perfbench(ctx, "profile", "--opt=zerocopy", "--workload=mixed", "--benchtime=1s", "--out="+out)
	took := time.Since(cancelled)
	if code != exitError || !strings.Contains(stderr, "interrupted: nothing was written") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// Ctrl-C is honoured within a second in every phase; allow slack for a loaded CI machine.
	if took > 2*time.Second {
		t.Errorf("stopped %v after the interrupt", took)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("interrupted run left %s", out)
	}
}

func TestDiffCommand(t *testing.T) {
	dir := smokeRun(t)
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	out := filepath.Join(t.TempDir(), "d.pb.gz")
	f := func(k profiling.Kind, s stats.Side) string { return filepath.Join(dir, profiling.FileName(k, s)) }

	code, stdout, stderr := perfbench(context.Background(), "diff", "-o", out, "--top", "3", f(profiling.Allocs, stats.Off), f(profiling.Allocs, stats.On))
	if code != 0 || !strings.Contains(stdout, "allocs profile") {
		t.Fatalf("diff exited %d: %s %s", code, stdout, stderr)
	}
	d, err := profiling.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := profiling.KindOf(d); k != profiling.Allocs {
		t.Fatalf("diff profile kind %s", k)
	}

	// The README's own form: flags after the files.
	code, stdout, stderr = perfbench(context.Background(), "diff", f(profiling.CPU, stats.Off), f(profiling.CPU, stats.On), "--top", "2", "--format=json")
	var doc profiling.FileDiff
	if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil || doc.Kind != "cpu" || len(doc.Movers) > 2 {
		t.Fatalf("diff with flags last: exit %d, %v: %s %s", code, err, stdout, stderr)
	}

	bad := []struct {
		name string
		args []string
		msg  string
	}{
		{"kinds differ", []string{f(profiling.CPU, stats.Off), f(profiling.Allocs, stats.On)}, "cannot diff base (cpu profile) against new (allocs profile)"},
		{"missing file", []string{filepath.Join(dir, "nope.pb.gz"), f(profiling.CPU, stats.On)}, "no such file"},
		{"not a profile", []string{text, f(profiling.CPU, stats.On)}, "not a pprof profile"},
		{"one file", []string{text}, "needs two profile files"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			o := filepath.Join(t.TempDir(), "x.pb.gz")
			code, _, stderr := perfbench(context.Background(), append([]string{"diff", "-o", o}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.msg)
			}
			if _, err := os.Stat(o); !os.IsNotExist(err) {
				t.Fatal("a failed diff wrote its output")
			}
		})
	}
}

func TestListJSON(t *testing.T) {
	code, stdout, stderr := perfbench(context.Background(), "list", "--format=json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Toggles []struct {
			Name      string   `json:"name"`
			Workloads []string `json:"workloads"`
		} `json:"toggles"`
		Workloads []struct {
			Name    string   `json:"name"`
			Toggles []string `json:"toggles"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Toggles) != 8 || len(doc.Workloads) != 22 || doc.Toggles[1].Name != "zerocopy" || len(doc.Toggles[1].Workloads) != 3 {
		t.Fatalf("list: %+v", doc)
	}
}

// A value the user typed is used or refused, never replaced by a default:
// an empty --workload is not the toggle's primary workload, and a
// --profile-time of 0 is not the preset's.
func TestTypedEmptyValuesAreBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"profile", "--opt", "jit", "--workload", ""}, "--workload is empty: give one of route-match"},
		{[]string{"profile", "--opt", "jit", "--format", "bogus"}, `unknown format "bogus"`},
		{[]string{"bench", "--opt", "jit", "--profile-time", "0s"}, "invalid --profile-time 0s: want a positive duration of at most 10s"},
		{[]string{"bench", "--opt", "jit", "--format", "bogus"}, `unknown format "bogus"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			code, stdout, stderr := perfbench(context.Background(), tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, exitUsage, tc.want)
			}
		})
	}
}
