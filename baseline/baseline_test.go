package baseline

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/suite"
)

func sampleFile() *File {
	return New(machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2},
		suite.Quick(), []suite.Result{result("jit/w", nsOp, noisy(1, 10, 1000, 0.01), noisy(2, 10, 500, 0.01))}, nil)
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
	badSet := strings.Replace(string(good), `"on": "jit"`, `"on": "turbo"`, 1)
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
		{"too few rounds", write("few.json", []byte(fewSamples)), "needs at least 4 rounds"},
		{"bad feature set", write("set.json", []byte(badSet)), `unknown feature "turbo"`},
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
