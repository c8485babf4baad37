package command

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/suite/suitetest"
	"github.com/perfbench/perfbench/verdict"
)

// Hardening probes: command lines a careless or hurried user types.
// Each must exit 2 with a message naming the problem, having run nothing
// and written nothing.

// snapshot lists every path under root, so a probe can show that nothing
// was written.
func snapshot(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func mkdirAll(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, p string) {
	t.Helper()
	mkdirAll(t, filepath.Dir(p))
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHardeningProbes(t *testing.T) {
	var zero atomic.Int64 // cost 0: a suite command that runs its workload fails with exit 1, not 2
	notPercent := "write the percentage with %"
	type probe struct {
		name  string
		args  []string // OUT stands for the probe's output path
		want  []string // fragments of stderr
		avoid []string // what stderr must not say
		suite bool     // the cost registry (runSuiteCLI) instead of the real one
		setup func(t *testing.T, out string)
	}
	dirAt := func(rel ...string) func(*testing.T, string) {
		return func(t *testing.T, out string) {
			for _, r := range rel {
				mkdirAll(t, filepath.Join(out, r))
			}
		}
	}
	probes := []probe{
		// 1. Load: memory bounded, and the message is about the burst.
		// (×100000 is refused the same way, see load's TestNormalize; a
		// probe that regressed would take all memory, so it is not run here.)
		{name: "burst ×99", args: []string{"load", "--scenario", "burst", "--multiplier", "99", "--out", "OUT"},
			want:  []string{"a burst of 990000 signals", "more than the limit of 986895 (multiplier at most 98)", "built in memory before t0", "within 1024 MiB"},
			avoid: []string{"rate", "duration"}},
		{name: "burst ×107375", args: []string{"load", "--scenario", "burst", "--multiplier", "107375", "--out", "OUT"},
			want: []string{"a burst of 1073750000 signals"}, avoid: []string{"rate", "duration"}},
		{name: "sustained ×1001", args: []string{"load", "--scenario", "sustained", "--multiplier", "1001", "--out", "OUT"},
			want: []string{"invalid multiplier 1001: want an integer from 1 to 1000"}},
		{name: "load for 10h", args: []string{"load", "--scenario", "mixed", "--duration", "10h", "--out", "OUT"},
			want: []string{"invalid duration 10h0m0s: want a positive duration of at most 1h0m0s"}},
		{name: "load at 1e9/s for an hour", args: []string{"load", "--scenario", "sustained", "--rate", "1e9", "--duration", "1h", "--out", "OUT"},
			want: []string{"more than the limit of 1073741824"}},

		// 2. Outputs: every target is checked before any work.
		{name: "profile: results.json is a directory", args: []string{"profile", "--opt=jit", "--workload=route-match", "--out", "OUT"},
			setup: dirAt("jit/route-match/results.json"), want: []string{"results.json: not a file: it is a directory"}},
		{name: "profile: summary.md is a directory", args: []string{"profile", "--opt=jit", "--workload=route-match", "--out", "OUT"},
			setup: dirAt("jit/route-match/summary.md"), want: []string{"summary.md: not a file: it is a directory"}},
		{name: "profile: a profile's name is a directory", args: []string{"profile", "--opt=jit", "--workload=route-match", "--out", "OUT"},
			setup: dirAt("jit/route-match/wall.diff.pb.gz"), want: []string{"wall.diff.pb.gz: not a file: it is a directory"}},
		{name: "profile: run directory is a file", args: []string{"profile", "--opt=jit", "--workload=route-match", "--out", "OUT"},
			setup: func(t *testing.T, out string) { writeFile(t, filepath.Join(out, "jit")) }, want: []string{"jit is a file, not a directory"}},
		{name: "profile --out ''", args: []string{"profile", "--opt=jit", "--out", ""},
			// Run where the current directory is the probe's, to see that nothing lands there.
			setup: func(t *testing.T, out string) { t.Chdir(filepath.Dir(out)) }, want: []string{"--out is empty"}},
		{name: "load: results.json is a directory", args: []string{"load", "--scenario", "burst", "--out", "OUT"},
			setup: dirAt("results.json"), want: []string{"results.json: not a file: it is a directory"}},
		{name: "load: an .hgrm is a directory", args: []string{"load", "--scenario", "burst", "--opt", "jit", "--out", "OUT"},
			setup: dirAt("response.on.hgrm"), want: []string{"response.on.hgrm: not a file: it is a directory"}},
		{name: "bench: results.json is a directory", suite: true, args: []string{"bench", "--opt", "jit", "--out", "OUT"},
			setup: dirAt("results.json"), want: []string{"results.json: not a file: it is a directory"}},
		{name: "bench: a run's summary.md is a directory", suite: true, args: []string{"bench", "--opt", "jit", "--out", "OUT"},
			setup: dirAt("jit/cost/summary.md"), want: []string{"jit/cost/summary.md: not a file: it is a directory"}},
		{name: "bench --out ''", suite: true, args: []string{"bench", "--opt", "jit", "--out", ""},
			setup: func(t *testing.T, out string) { t.Chdir(filepath.Dir(out)) }, want: []string{"--out is empty"}},

		// 3. baseline save --file DIR: refused before the suite runs.
		{name: "baseline save --file DIR", suite: true, args: []string{"baseline", "save", "--opt", "jit", "--file", "OUT"},
			setup: dirAt("."), want: []string{"not a file: it is a directory (the baseline is one file, e.g. perf/baseline.json)"}},

		// 5. Every knob has a maximum, named in the message.
		{name: "profile --rounds 1e18", args: []string{"profile", "--opt=jit", "--rounds", "1000000000000000000", "--out", "OUT"},
			want: []string{"invalid rounds 1000000000000000000: want 2 to 100 per side"}},
		{name: "profile --benchtime 10h", args: []string{"profile", "--opt=jit", "--benchtime", "10h", "--out", "OUT"},
			want: []string{`invalid benchtime "10h": a round may take at most 10s`}},
		{name: "profile --benchtime 1e18x", args: []string{"profile", "--opt=jit", "--benchtime", "1e18x", "--out", "OUT"},
			want: []string{"at most 10000000x"}},
		{name: "profile --benchtime 10^18x", args: []string{"profile", "--opt=jit", "--benchtime", "1000000000000000000x", "--out", "OUT"},
			want: []string{"a count may be at most 10000000x operations per round"}},
		{name: "profile --profile-time 10h", args: []string{"profile", "--opt=jit", "--profile-time", "10h", "--out", "OUT"},
			want: []string{"invalid --profile-time 10h0m0s: want a positive duration of at most 10s"}},
		{name: "profile --top 1e6", args: []string{"profile", "--opt=jit", "--top", "1000000", "--out", "OUT"},
			want: []string{"invalid --top 1000000: want 1 to 1000"}},
		{name: "bench --rounds 1e18", suite: true, args: []string{"bench", "--opt", "jit", "--rounds", "1000000000000000000", "--out", "OUT"},
			want: []string{"invalid rounds 1000000000000000000: want 2 to 100 per side"}},
		{name: "bench --benchtime 10h", suite: true, args: []string{"bench", "--opt", "jit", "--benchtime", "10h", "--out", "OUT"},
			want: []string{"a round may take at most 10s"}},
		{name: "bench --benchtime 1e18x", suite: true, args: []string{"bench", "--opt", "jit", "--benchtime", "1000000000000000000x", "--out", "OUT"},
			want: []string{"at most 10000000x"}},
		{name: "bench --profile-time 10h", suite: true, args: []string{"bench", "--opt", "jit", "--profile-time", "10h", "--out", "OUT"},
			want: []string{"invalid --profile-time 10h0m0s: want a positive duration of at most 10s"}},
		{name: "bench --top 0", suite: true, args: []string{"bench", "--opt", "jit", "--top", "0", "--out", "OUT"},
			want: []string{"invalid --top 0: want 1 to 1000"}},
		{name: "baseline save --passes 1e18", suite: true, args: []string{"baseline", "save", "--opt", "jit", "--passes", "1000000000000000000", "--file", "OUT/b.json"},
			want: []string{"invalid --passes 1000000000000000000: want 1 to 10"}},
		{name: "baseline save --rounds 1e12", suite: true, args: []string{"baseline", "save", "--opt", "jit", "--rounds", "1000000000000", "--file", "OUT/b.json"},
			want: []string{"invalid rounds 1000000000000: want 6 to 100 per side"}},
		// One rule and one message for the least rounds.
		{name: "baseline save --rounds 0", suite: true, args: []string{"baseline", "save", "--opt", "jit", "--rounds", "0", "--file", "OUT/b.json"},
			want: []string{"invalid rounds 0: want 6 to 100 per side (a 95 % confidence interval needs 6; 10 recommended)"}},
		{name: "baseline save --rounds 5", suite: true, args: []string{"baseline", "save", "--opt", "jit", "--rounds", "5", "--file", "OUT/b.json"},
			want: []string{"invalid rounds 5: want 6 to 100 per side (a 95 % confidence interval needs 6; 10 recommended)"}},

		// Misleading or silent, before.
		{name: "diff A B --top 3", args: []string{"diff", "OUT/a.pb.gz", "OUT/b.pb.gz", "--top", "3"},
			want: []string{"load profile OUT/a.pb.gz", "no such file"}, avoid: []string{"argument(s)"}},
		{name: "diff --top 1e5", args: []string{"diff", "OUT/a.pb.gz", "OUT/b.pb.gz", "--top", "100000"},
			want: []string{"invalid --top 100000: want 1 to 1000"}},
		{name: "diff of 200 MB of zeros", args: []string{"diff", "OUT/zeros", "OUT/zeros"},
			setup: func(t *testing.T, out string) {
				mkdirAll(t, out)
				f, err := os.Create(filepath.Join(out, "zeros"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := f.Truncate(200 << 20); err != nil { // sparse: no disk used
					t.Fatal(err)
				}
			},
			want: []string{"not a pprof profile: too large: 209715200 bytes, more than the limit of 67108864"}},
		// Floods and bombs under and over the limit: refused on size or by
		// pprof's parser, never by a first byte (pprof's legacy CPU format
		// starts with zeros).
		{name: "diff of 1 MB of zeros", args: []string{"diff", "OUT/zeros", "OUT/zeros"},
			setup: func(t *testing.T, out string) { writeZeros(t, filepath.Join(out, "zeros"), 1<<20, 0) },
			want:  []string{"load profile OUT/zeros: not a pprof profile (parsing profile: ", "want what `go tool pprof` reads"}},
		{name: "diff of a gzip bomb", args: []string{"diff", "OUT/bomb.pb.gz", "OUT/bomb.pb.gz"},
			setup: func(t *testing.T, out string) { writeZeros(t, filepath.Join(out, "bomb.pb.gz"), 64<<20+1, 1) },
			want:  []string{"load profile OUT/bomb.pb.gz: not a pprof profile: too large: more than the limit of 67108864 bytes once decompressed"}},
		{name: "diff of a gzip bomb gzipped twice", args: []string{"diff", "OUT/bomb.pb.gz.gz", "OUT/bomb.pb.gz.gz"},
			setup: func(t *testing.T, out string) { writeZeros(t, filepath.Join(out, "bomb.pb.gz.gz"), 80<<20, 2) },
			want:  []string{"load profile OUT/bomb.pb.gz.gz: not a pprof profile: gzipped twice; a profile is gzipped once or not at all"}},
		{name: "check --tolerance 10", args: []string{"baseline", "check", "--tolerance", "10", "--file", "OUT/b.json"},
			want: []string{`invalid --tolerance "10": ` + notPercent}},
		{name: "check --tolerance 0.1", args: []string{"baseline", "check", "--tolerance", "0.1", "--file", "OUT/b.json"},
			want: []string{`invalid --tolerance "0.1": ` + notPercent}},
		{name: "check --metric-tolerance x=5", args: []string{"baseline", "check", "--metric-tolerance", "ns/op=5", "--file", "OUT/b.json"},
			want: []string{`invalid --metric-tolerance ns/op "5": ` + notPercent}},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			root := t.TempDir()
			out := filepath.Join(root, "out")
			if p.setup != nil {
				p.setup(t, out)
			}
			before := snapshot(t, root)
			args := make([]string, len(p.args))
			for i, a := range p.args {
				args[i] = strings.ReplaceAll(a, "OUT", out)
			}
			var code int
			var stdout, stderr string
			if p.suite {
				code, stdout, stderr = runSuiteCLI(t, costDeps(&zero), args...)
			} else {
				code, stdout, stderr = perfbench(context.Background(), args...)
			}
			stderr = strings.ReplaceAll(stderr, out, "OUT")
			if code != exitUsage || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and nothing on stdout", code, stdout, stderr)
			}
			for _, w := range p.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			for _, a := range p.avoid {
				if strings.Contains(stderr, a) {
					t.Errorf("stderr %q says %q", stderr, a)
				}
			}
			if after := snapshot(t, root); !slices.Equal(before, after) {
				t.Errorf("a refused command changed %s:\nbefore %v\nafter  %v", root, before, after)
			}
		})
	}
}

// writeZeros writes n zero bytes to path, gzipped layers times, streaming
// so that a bomb costs the test no memory.
func writeZeros(t *testing.T, path string, n int64, layers int) {
	t.Helper()
	mkdirAll(t, filepath.Dir(path))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := io.Writer(f)
	var zws []*gzip.Writer
	for range layers {
		zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		zws = append(zws, zw)
		w = zw
	}
	if _, err := io.CopyN(w, zeroReader{}, n); err != nil {
		t.Fatal(err)
	}
	for i := len(zws) - 1; i >= 0; i-- {
		if err := zws[i].Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBaselineCheckRefusesBadData edits a saved baseline the ways a hand
// edit or a damaged file can (impossible samples, a missing or unknown
// metric, a run the suite no longer has): each is exit 2 naming the run and
// the metric, before anything runs. A metric the baseline lacks that the
// run measures is acceptable, and printed as not checked.
func TestBaselineCheckRefusesBadData(t *testing.T) {
	dir := t.TempDir()
	var cost atomic.Int64
	cost.Store(1)
	d := costDeps(&cost)
	good := filepath.Join(dir, "good.json")
	if code, _, stderr := runSuiteCLI(t, d, "baseline", "save", "--opt", "jit", "--file", good, "--rounds", "6", "--benchtime", "200x", "--passes", "1"); code != exitOK {
		t.Fatalf("save: exit %d: %s", code, stderr)
	}
	edited := func(name string, edit func(*baseline.File)) string {
		b, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		var f baseline.File
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		edit(&f)
		if b, err = f.Encode(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	setAll := func(metric string, v float64) func(*baseline.File) {
		return func(f *baseline.File) {
			for i := range f.Runs[0].Metrics {
				if m := &f.Runs[0].Metrics[i]; m.Name == metric {
					for j := range m.Off.Samples {
						m.Off.Samples[j], m.On.Samples[j] = v, v
					}
				}
			}
		}
	}
	drop := func(metric string) func(*baseline.File) {
		return func(f *baseline.File) {
			f.Runs[0].Metrics = slices.DeleteFunc(f.Runs[0].Metrics, func(m baseline.Metric) bool { return m.Name == metric })
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*baseline.File)
		extra []string // more flags
		want  string
	}{
		{"ns/op −1", setAll(measure.NsPerOp, -1), nil, "runs[0] (jit/cost): metric ns/op, side off: sample 1 is -1: ns/op cannot be negative"},
		{"ns/op 0", setAll(measure.NsPerOp, 0), nil, "runs[0] (jit/cost): metric ns/op, side off: sample 1 is 0: ns/op cannot be zero"},
		{"ns/op 1e308", setAll(measure.NsPerOp, 1e308), nil, "runs[0] (jit/cost): metric ns/op, side off: sample 1 is 1e+308, beyond anything measurable"},
		{"ns/op removed", drop(measure.NsPerOp), nil, "runs[0] (jit/cost): metric ns/op is missing"},
		{"unknown metric", func(f *baseline.File) { f.Runs[0].Metrics[len(f.Runs[0].Metrics)-1].Name = "bogus" }, nil,
			`baseline run jit/cost: unknown metric "bogus" (the run measures ns/op, ops/s`},
		{"run id gone", func(f *baseline.File) { f.Runs[0].ID = "jit/gone" }, nil, "baseline run jit/gone is not a run of this perfbench's suite"},
		{"rounds 1e12", func(f *baseline.File) { f.Settings.Rounds = 1e12 }, nil, "settings.rounds: invalid rounds 1000000000000: want 6 to 100 per side"},
		{"benchtime 10h", func(f *baseline.File) { f.Settings.Benchtime = "10h" }, nil, `settings.benchtime: invalid benchtime "10h": a round may take at most 10s`},
		{"metric tolerance for no metric", func(*baseline.File) {}, []string{"--metric-tolerance", "bogus=5%"},
			`--metric-tolerance: unknown metric "bogus" (the baseline's metrics: ns/op, ops/s`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := edited(strings.ReplaceAll(tc.name, "/", "-")+".json", tc.edit)
			args := append([]string{"baseline", "check", "--file", path}, tc.extra...)
			code, stdout, stderr := runSuiteCLI(t, d, args...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
			if strings.Contains(stderr, "check [1/") {
				t.Errorf("the check ran before refusing the baseline: %s", stderr)
			}
		})
	}
	// A workload metric added since the save: checked without it, and said so.
	path := edited("no-units.json", drop("units/op"))
	code, stdout, stderr := runSuiteCLI(t, d, "baseline", "check", "--file", path, "--tolerance", "1000%", "--alloc-tolerance", "1000%", "--confirm=false")
	if code != exitOK || !strings.Contains(stdout, "not checked: run jit/cost: metric units/op is not in the baseline") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 and a not-checked line", code, stdout, stderr)
	}
}

// TestBenchInterruptLeavesNoDirectories interrupts bench while its first
// run measures: exit 1, and neither the run's directory (DIR/jit/cost) nor
// the output root it created is left behind.
func TestBenchInterruptLeavesNoDirectories(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cost atomic.Int64
	d := costDeps(&cost)
	d.lookup = suitetest.Lookup(suitetest.Costly("cost", func() int {
		cancel() // the first instance built interrupts the suite
		return 1
	}))
	out := filepath.Join(t.TempDir(), "bench")
	code, _, stderr := runSuiteCLIContext(ctx, d, "bench", "--opt", "jit", "--rounds", "6", "--benchtime", "200x", "--out", out)
	if code != exitError || !strings.Contains(stderr, "interrupted") {
		t.Fatalf("exit %d, stderr %q; want 1 and interrupted", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted bench left %v", snapshot(t, out))
	}
}

// TestLoadConservationShowsUnsent: far more asked than a generator can
// send. The conservation verdict says how many were never sent, in its own
// line: sent + unsent = requested.
func TestLoadConservationShowsUnsent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "load")
	code, stdout, stderr := perfbench(context.Background(), "load", "--scenario", "sustained", "--rate", "1e9", "--duration", "100ms",
		"--agents", "1", "--opt", "all", "--format", "json", "--out", out)
	if code != exitCriteria {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	var doc results.LoadDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Sides) != 1 {
		t.Fatalf("%v: %s", err, stdout)
	}
	for _, v := range doc.Sides[0].Verdicts {
		if v.Criterion == "nothing lost" {
			if !strings.Contains(v.Measured, "unsent = 100000000 requested") || strings.Contains(v.Measured, " 0 unsent") || v.Status != verdict.Fail {
				t.Errorf("nothing lost: %q %s; want unsent operations in the line, FAIL", v.Measured, v.Status)
			}
			return
		}
	}
	t.Fatalf("no conservation verdict: %s", stdout)
}
