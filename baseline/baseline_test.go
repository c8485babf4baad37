package baseline

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/suite/suitetest"
)

// engineResult is a finished run of workload "w" with every engine metric
// and the workload metric failed/op, as a real measurement reports them.
func engineResult(id string, seed uint64) catalog.Result {
	var ms []stats.Metric
	for _, m := range append(measure.EngineMetrics(), failed) {
		// As a baseline file records a metric: no gate declaration.
		ms = append(ms, stats.Metric{Name: m.Name, Better: m.Better, Noise: m.Noise})
	}
	res := &measure.Result{Workload: "w", Metrics: ms}
	for i := 0; i < 10; i++ {
		for _, side := range stats.Sides() {
			v := map[string]float64{}
			for j, m := range ms {
				v[m.Name] = noisy(seed+uint64(i*100+j), 1, float64(1000*(j+1)), 0.01)[0]
			}
			v[measure.OpsPerSec] = 1e9 / v[measure.NsPerOp]
			res.Samples = append(res.Samples, measure.Round{Side: side, Index: i, Ops: 100, Values: v})
		}
	}
	return catalog.Result{Run: catalog.Run{ID: id, Opt: "jit", Workload: "w", Kind: catalog.Primary, On: features.Set{JIT: true}}, Measurement: res}
}

func sampleFile() *File {
	return New(machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2},
		catalog.Quick(), []catalog.Result{engineResult("jit/w", 1)}, nil)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "perf", "baseline.json")
	f := sampleFile()
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip changed the file:\n got %+v\nwant %+v", got, f)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{"\"schema\": \"perfbench-baseline\"", "\"schema_version\": 1", "\"samples\": [", "\"better\": \"lower\"", "\"off\": \"none\"", "\"on\": \"jit\""} {
		if !strings.Contains(string(b), want) {
			t.Errorf("file lacks %s", want)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestLoadBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := sampleFile().Encode()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wrongVersion := strings.Replace(string(good), `"schema_version": 1`, `"schema_version": 99`, 1)
	noVersion := strings.Replace(string(good), `"schema_version": 1,`, ``, 1)
	foreign := `{"schema_version": 1, "tool": "perfbench", "command": "profile"}`
	fewSamples := strings.Replace(string(good), `"rounds": 10`, `"rounds": 2`, 1)
	badSet := strings.Replace(string(good), `"on": "jit"`, `"on": "Turbo"`, 1)
	noRuns := strings.Replace(string(good), `"runs": [`, `"runs": [], "old_runs": [`, 1)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "does not exist"},
		{"empty", write("empty.json", nil), "is empty"},
		{"truncated", write("trunc.json", good[:len(good)/2]), "is truncated"},
		{"corrupt", write("corrupt.json", []byte("{\"schema\": \"perfbench-baseline\",\n  \"schema_version\": 1,\n  oops\n}")), "is corrupt: not valid JSON at line 3"},
		{"not json", write("text.json", []byte("BenchmarkX 10 100 ns/op\n")), "is corrupt"},
		{"wrong version", write("v99.json", []byte(wrongVersion)), "has schema version 99; this perfbench reads version 1"},
		{"no version", write("nov.json", []byte(noVersion)), "has no schema_version"},
		{"foreign json", write("results.json", []byte(foreign)), "is not a perfbench baseline"},
		{"wrong type", write("type.json", []byte(`{"schema": 7}`)), "is not a perfbench baseline"},
		{"too few rounds", write("few.json", []byte(fewSamples)), "settings.rounds: invalid rounds 2: want 6 to 100 per side"},
		{"bad feature set", write("set.json", []byte(badSet)), `invalid feature name "Turbo"`},
		{"no runs", write("noruns.json", []byte(noRuns)), "holds no runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(tc.path)
			var le *LoadError
			if f != nil || !errors.As(err, &le) {
				t.Fatalf("Load = %v, %v; want a *LoadError", f, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q lacks %q", msg, tc.want)
			}
			if !strings.Contains(msg, "perfbench baseline save --file "+tc.path) {
				t.Errorf("message %q does not say how to make a new one", msg)
			}
		})
	}
}

func TestPlanRoundTripsRuns(t *testing.T) {
	f := sampleFile()
	runs, s, err := f.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != "jit/w" || !runs[0].On.JIT || runs[0].Off.JIT || s.Rounds != 10 || s.Benchtime.String() != "50ms" {
		t.Errorf("plan %+v settings %+v", runs, s)
	}
}

// TestValidateBadData: data a check cannot trust is refused (exit 2 in the
// CLI) with a message naming the run, the metric and the side, never
// judged. Each case edits one thing of a good file.
func TestValidateBadData(t *testing.T) {
	setAll := func(metric string, v float64) func(*File) {
		return func(f *File) {
			for i := range f.Runs[0].Metrics {
				if m := &f.Runs[0].Metrics[i]; m.Name == metric {
					for j := range m.Off.Samples {
						m.Off.Samples[j], m.On.Samples[j] = v, v
					}
				}
			}
		}
	}
	drop := func(metric string) func(*File) {
		return func(f *File) {
			f.Runs[0].Metrics = slices.DeleteFunc(f.Runs[0].Metrics, func(m Metric) bool { return m.Name == metric })
		}
	}
	tests := []struct {
		name string
		edit func(*File)
		want string // "" = valid
	}{
		{"good", func(*File) {}, ""},
		{"ns/op −1", setAll("ns/op", -1), "runs[0] (jit/w): metric ns/op, side off: sample 1 is -1: ns/op cannot be negative"},
		{"ns/op 0", setAll("ns/op", 0), "runs[0] (jit/w): metric ns/op, side off: sample 1 is 0: ns/op cannot be zero"},
		{"ops/s 0", setAll("ops/s", 0), "metric ops/s, side off: sample 1 is 0: ops/s cannot be zero"},
		{"ns/op 1e308", setAll("ns/op", 1e308), "runs[0] (jit/w): metric ns/op, side off: sample 1 is 1e+308, beyond anything measurable (limit 1e+15)"},
		{"B/op −5", setAll("B/op", -5), "metric B/op, side off: sample 1 is -5: B/op cannot be negative"},
		{"B/op 0 is possible", setAll("B/op", 0), ""},
		{"workload metric may be negative", setAll("failed/op", -3), ""},
		{"workload metric 1e308", setAll("failed/op", -1e308), "metric failed/op, side off: sample 1 is -1e+308, beyond anything measurable"},
		{"ns/op removed", drop("ns/op"), "runs[0] (jit/w): metric ns/op is missing"},
		{"allocs/op removed", drop("allocs/op"), ""},       // acceptable: Resolve lists it as not checked
		{"workload metric removed", drop("failed/op"), ""}, // acceptable: Resolve lists it as not checked
		{"rounds 1e12", func(f *File) { f.Settings.Rounds = 1e12 }, "settings.rounds: invalid rounds 1000000000000: want 6 to 100 per side"},
		{"rounds 5", func(f *File) { f.Settings.Rounds = 5 }, "settings.rounds: invalid rounds 5: want 6 to 100 per side (a 95 % confidence interval needs 6"},
		{"benchtime 10h", func(f *File) { f.Settings.Benchtime = "10h" }, `settings.benchtime: invalid benchtime "10h": a round may take at most 10s`},
		{"benchtime 1e18x", func(f *File) { f.Settings.Benchtime = "1000000000000000000x" }, "settings.benchtime: invalid benchtime"},
		{"passes 1e6", func(f *File) { f.Settings.Passes = 1e6 }, "settings.passes is 1000000: want 1 to 10"},
		{"pass medians without passes", func(f *File) { f.Runs[0].Metrics[0].Off.PassMedians = []float64{1000, 1001} }, "metric ns/op, side off: 2 pass medians for 1 passes"},
		{"pass median far off", func(f *File) {
			f.Settings.Passes = 2
			for i := range f.Runs[0].Metrics {
				m := &f.Runs[0].Metrics[i]
				m.Off.PassMedians, m.On.PassMedians = m.Off.Samples[:2], m.On.Samples[:2]
			}
			f.Runs[0].Metrics[0].On.PassMedians = []float64{1000, 1e12}
		}, "metric ns/op, side on: pass 2 median 1e+12 lies outside its samples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			tt.edit(f)
			b, err := f.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse("b.json", b)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("a valid baseline was refused: %v", err)
				}
				return
			}
			var le *LoadError
			if got != nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, %v; want a *LoadError containing %q", got != nil, err, tt.want)
			}
			if err := Save(filepath.Join(t.TempDir(), "b.json"), f); err == nil {
				t.Error("Save accepted what Load refuses")
			}
		})
	}
}

// TestSummariesDerived: a baseline's summaries are recomputed from its
// samples on load, so an edited summary cannot move the gate.
func TestSummariesDerived(t *testing.T) {
	f := sampleFile()
	want := f.Runs[0].Metrics[0].Off.Summary
	f.Runs[0].Metrics[0].Off.Summary.Center = 1e9
	b, _ := f.Encode()
	got, err := Parse("b.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Runs[0].Metrics[0].Off.Summary; !reflect.DeepEqual(s, want) {
		t.Errorf("summary %+v, want %+v (from the samples)", s, want)
	}
}

// TestResolve: a baseline must match this perfbench's suite — every run it
// holds still exists with the same workload and sides, every metric is one
// the run measures (errors name the run and the metric); what the suite
// has and the baseline lacks is listed as not checked.
func TestResolve(t *testing.T) {
	w := suitetest.Costly("w", func() int { return 1 })
	w.Metrics = []stats.Metric{failed}
	lookup := suitetest.Lookup(w)
	suiteRuns := []catalog.Run{
		{ID: "jit/w", Opt: "jit", Workload: "w", Kind: catalog.Primary, On: features.Set{JIT: true}},
		{ID: "caching/w", Opt: "caching", Workload: "w", Kind: catalog.Primary, On: features.Set{Caching: true}},
	}
	rename := func(metric, to string) func(*File) {
		return func(f *File) {
			for i := range f.Runs[0].Metrics {
				if f.Runs[0].Metrics[i].Name == metric {
					f.Runs[0].Metrics[i].Name = to
				}
			}
		}
	}
	tests := []struct {
		name      string
		edit      func(*File)
		want      string
		unchecked []string
	}{
		{"matches", func(*File) {}, "", []string{"1 run(s) of the suite are not in the baseline: caching/w"}},
		{"unknown metric", rename("failed/op", "bogus"), `baseline run jit/w: unknown metric "bogus" (the run measures ns/op, ops/s`, nil},
		{"run no longer exists", func(f *File) { f.Runs[0].ID = "turbo/w" }, "baseline run turbo/w is not a run of this perfbench's suite", nil},
		{"run changed", func(f *File) { f.Runs[0].On = "jit+caching" }, "baseline run jit/w measured w, off=none on=jit+caching; the suite's run jit/w now measures w, off=none on=jit", nil},
		{"unknown workload", func(f *File) { f.Runs[0].Workload = "gone" }, `baseline run jit/w: unknown workload "gone"`, nil},
		{"workload metric not in the baseline", func(f *File) {
			f.Runs[0].Metrics = slices.DeleteFunc(f.Runs[0].Metrics, func(m Metric) bool { return m.Name == "failed/op" })
		}, "", []string{"run jit/w: metric failed/op is not in the baseline", "1 run(s) of the suite are not in the baseline: caching/w"}},
		{"engine metric not in the baseline", func(f *File) {
			f.Runs[0].Metrics = slices.DeleteFunc(f.Runs[0].Metrics, func(m Metric) bool { return m.Name == "B/op" })
		}, "", []string{"run jit/w: metric B/op is not in the baseline", "1 run(s) of the suite are not in the baseline: caching/w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			tt.edit(f)
			unchecked, err := Resolve(f, suiteRuns, lookup)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Resolve error = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(unchecked, tt.unchecked) {
				t.Fatalf("Resolve = %q, %v; want %q", unchecked, err, tt.unchecked)
			}
		})
	}
}
