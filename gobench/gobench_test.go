package gobench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

const usermod = "testdata/usermod"

func opts(bench string, t Toggle) Options {
	return Options{Dir: usermod, Pkg: ".", Bench: bench, Toggle: t, Rounds: measure.CIRounds,
		Benchtime: measure.Benchtime{D: 20 * time.Millisecond}}
}

func comparison(t *testing.T, cs []stats.Comparison, metric string) stats.Comparison {
	t.Helper()
	for _, c := range cs {
		if c.Metric.Name == metric {
			return c
		}
	}
	t.Fatalf("no %s among the comparisons", metric)
	return stats.Comparison{}
}

// TestToggles measures the sample module's three toggles and judges them
// with measure.Result.Compare, the built-in workloads' rule.
func TestToggles(t *testing.T) {
	tests := []struct {
		name, bench string
		toggle      Toggle
		better      []string // metrics called better, CI wholly below 1
		notWorse    []string
		warn        bool
	}{
		{"env halves the hashing", "^BenchmarkDigest$", Toggle{Env: []string{"USERMOD_DEDUP=1"}},
			[]string{"ns/op", "hashes/op"}, nil, false},
		{"tag allocates less", "^BenchmarkRender$", Toggle{Tags: "usermod_prealloc"},
			[]string{"allocs/op", "B/op"}, nil, false},
		{"no-op env", "^BenchmarkSort$", Toggle{Env: []string{"USERMOD_NOOP=1"}},
			nil, []string{"ns/op"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			// Twenty pairs: single rounds on a 2-core machine
			// shared with other builds moved by up to 10x; the median of
			// many short pairs withstands that better than a few long ones.
			o := opts(tt.bench, tt.toggle)
			o.Rounds = 20
			b, err := Prepare(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if got := len(b.Warnings) > 0; got != tt.warn {
				t.Errorf("warnings %q, want some: %v", b.Warnings, tt.warn)
			}
			benches, err := b.Measure(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(benches) != 1 || benches[0].Package != "example.com/usermod" {
				t.Fatalf("benches = %+v, want one of example.com/usermod", benches)
			}
			cs := benches[0].Result.Compare()
			for _, m := range tt.better {
				c := comparison(t, cs, m)
				if c.Change != stats.Better || c.Paired == nil || !c.Paired.HasCI || c.Paired.Hi >= 1 {
					t.Errorf("%s: change %s, paired %+v, want better with a CI below 1 (%s)", m, c.Change, c.Paired, c.Note)
				}
			}
			for _, m := range tt.notWorse {
				if c := comparison(t, cs, m); c.Change == stats.Worse {
					t.Errorf("%s called worse for a toggle that changes nothing: %+v", m, c.Paired)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		mod  func(*Options)
		want []string
	}{
		{"no module", func(o *Options) { o.Dir = empty }, []string{"no Go module at " + empty, "go.mod"}},
		{"no package", func(o *Options) { o.Pkg = "./nope" }, []string{`"./nope" matches no package`, "packages there: example.com/usermod"}},
		{"no benchmark", func(o *Options) { o.Bench = "NoSuch" },
			[]string{`"NoSuch" matches no benchmark`, "valid: BenchmarkFragile, BenchmarkDigest, BenchmarkRender, BenchmarkSort"}},
		{"tags break the build", func(o *Options) { o.Toggle = Toggle{Tags: "usermod_broken"} },
			[]string{`on-tags "usermod_broken": the on side does not build`, "undefined: undefinedOnPurpose"}},
		{"no toggle", func(o *Options) { o.Toggle = Toggle{} }, []string{"no toggle"}},
		{"bad env", func(o *Options) { o.Toggle = Toggle{Env: []string{"=1"}} }, []string{`invalid on-env "=1"`}},
		{"bad regex", func(o *Options) { o.Bench = "(" }, []string{`invalid benchmark regex "("`}},
		{"one round", func(o *Options) { o.Rounds = 1 }, []string{"invalid rounds 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts(".", Toggle{Env: []string{"USERMOD_DEDUP=1"}})
			tt.mod(&o)
			b, err := Prepare(context.Background(), o)
			if err == nil {
				b.Close()
				t.Fatal("no error")
			}
			if !cmderr.IsBadInput(err) {
				t.Errorf("not bad input: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestFailingBenchmarkNamesSideAndKeepsOutput(t *testing.T) {
	keep := t.TempDir()
	o := opts("^BenchmarkFragile$", Toggle{Env: []string{"USERMOD_BREAK=1"}})
	o.KeepDir = keep
	b, err := Prepare(context.Background(), o)
	if err == nil {
		b.Close()
		t.Fatal("no error")
	}
	if cmderr.IsBadInput(err) || cmderr.IsCriterion(err) {
		t.Errorf("want a plain error, got %T", err)
	}
	for _, w := range []string{"BenchmarkFragile failed on the on side (env USERMOD_BREAK=1)", "panic: usermod: broken on purpose", keep} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	files, _ := filepath.Glob(filepath.Join(keep, "usermod.BenchmarkFragile.on.*.txt"))
	if len(files) != 1 {
		t.Fatalf("kept files %v, want one", files)
	}
	if out, _ := os.ReadFile(files[0]); !strings.Contains(string(out), "broken on purpose") {
		t.Errorf("kept output lacks the panic: %q", out)
	}
}

func TestProfile(t *testing.T) {
	ctx := context.Background()
	o := opts("^BenchmarkRender$", Toggle{Tags: "usermod_prealloc"})
	o.Rounds = measure.MinRounds
	b, err := Prepare(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	benches, err := b.Measure(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Profile(ctx, benches[0], 50*time.Millisecond, 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.Sets.Save(dir); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, suffix := range []string{"off", "on", "diff"} {
		for _, k := range []string{"cpu", "heap", "allocs", "block", "mutex"} {
			want = append(want, k+"."+suffix+".pb.gz")
		}
	}
	got, _ := filepath.Glob(filepath.Join(dir, "*.pb.gz"))
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, k := range []profiling.Kind{profiling.Mutex, profiling.Block, profiling.Allocs} {
		if kind, err := profiling.KindOf(p.Sets.On[k]); err != nil || kind != k {
			t.Errorf("%s profile reads as %s (%v)", k, kind, err)
		}
	}
	if !strings.Contains(p.WallAbsent, "BenchmarkRender does not call wallprof.Start") {
		t.Errorf("WallAbsent = %q", p.WallAbsent)
	}
}
