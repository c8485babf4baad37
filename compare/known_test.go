package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
)

func known(workloads, toggles string) Known {
	k := Known{Workloads: map[string]bool{}, Toggles: map[string]bool{}}
	for _, w := range strings.Fields(workloads) {
		k.Workloads[w] = true
	}
	for _, t := range strings.Fields(toggles) {
		k.Toggles[t] = true
	}
	return k
}

func TestRunnable(t *testing.T) {
	o, err := Request{Base: "main", Rounds: 6, Benchtime: "10x", ProfileTime: time.Millisecond, Opts: []string{"jit,caching"}}.Plan(testToggles, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	// o.Cases: spin@none spin@jit spin@caching other@none other@caching
	both := known("spin other", "jit caching")
	tests := []struct {
		name       string
		base, head Known
		kept       []string
		skipped    []Skipped
	}{
		{"both know everything", both, both, []string{"spin@none", "spin@jit", "spin@caching", "other@none", "other@caching"}, nil},
		{"workload new in head", known("spin", "jit caching"), both, []string{"spin@none", "spin@jit", "spin@caching"},
			[]Skipped{{ID: "other@none", Reason: "workload new in head"}, {ID: "other@caching", Reason: "workload new in head"}}},
		{"workload gone from head", both, known("spin", "jit caching"), []string{"spin@none", "spin@jit", "spin@caching"},
			[]Skipped{{ID: "other@none", Reason: "workload gone from head"}, {ID: "other@caching", Reason: "workload gone from head"}}},
		{"toggle new in head", known("spin other", "caching"), both, []string{"spin@none", "spin@caching", "other@none", "other@caching"},
			[]Skipped{{ID: "spin@jit", Reason: "toggle jit new in head"}}},
		{"toggle gone from head", both, known("spin other", "jit"), []string{"spin@none", "spin@jit", "other@none"},
			[]Skipped{{ID: "spin@caching", Reason: "toggle caching gone from head"}, {ID: "other@caching", Reason: "toggle caching gone from head"}}},
		{"workload and toggle both missing", known("spin", "jit"), both, []string{"spin@none", "spin@jit"},
			[]Skipped{{ID: "spin@caching", Reason: "toggle caching new in head"}, {ID: "other@none", Reason: "workload new in head"},
				{ID: "other@caching", Reason: "workload new in head; toggle caching new in head"}}},
		{"in neither build", known("spin", "jit caching"), known("spin", "jit caching"), []string{"spin@none", "spin@jit", "spin@caching"},
			[]Skipped{{ID: "other@none", Reason: "workload in neither build"}, {ID: "other@caching", Reason: "workload in neither build"}}},
		{"nothing in common", known("other", "jit caching"), known("spin", "jit caching"), nil,
			[]Skipped{{ID: "spin@none", Reason: "workload new in head"}, {ID: "spin@jit", Reason: "workload new in head"}, {ID: "spin@caching", Reason: "workload new in head"},
				{ID: "other@none", Reason: "workload gone from head"}, {ID: "other@caching", Reason: "workload gone from head"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, skipped := runnable(o.Cases, tt.base, tt.head)
			var ids []string
			for _, c := range kept {
				ids = append(ids, c.ID)
			}
			if !reflect.DeepEqual(ids, tt.kept) {
				t.Errorf("kept %v, want %v", ids, tt.kept)
			}
			if !reflect.DeepEqual(skipped, tt.skipped) {
				t.Errorf("skipped %v, want %v", skipped, tt.skipped)
			}
		})
	}
}

func TestParseKnown(t *testing.T) {
	tests := []struct {
		name, in string
		want     Known
		err      string
	}{
		{"listing", `{"toggles":[{"name":"jit","doc":"x"}],"workloads":[{"name":"spin","op":"y"},{"name":"other"}]}`,
			known("spin other", "jit"), ""},
		{"no toggles", `{"workloads":[{"name":"spin"}]}`, known("spin", ""), ""},
		{"text listing", "toggle  what it does\njit     …\n", Known{}, "not the JSON listing"},
		{"no workloads", `{"toggles":[{"name":"jit"}]}`, Known{}, "names no workload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := parseKnown([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(k, tt.want) {
				t.Errorf("got %v, want %v", k, tt.want)
			}
		})
	}
}

// TestRunSkipsWhatOneBuildLacks: a workload new in head is skipped before
// anything is measured, reported in every output, and the rest compared.
func TestRunSkipsWhatOneBuildLacks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	o, err := Request{Base: "HEAD", Rounds: 6, Benchtime: "20x", ProfileTime: time.Millisecond, Opts: []string{"caching"},
		Out: filepath.Join(t.TempDir(), "out"), Dir: repo}.Plan(testToggles, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	o.Env = []string{helperEnv + "=1"}
	o.Build, o.TagsBase = tagEnvBuilder(map[string]string{"old": workloadsEnv + "=spin"}), "old"
	o.Cases = []Case{o.Cases[0], o.Cases[2]} // spin@none, other@none
	out, err := Measure(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, repo, tmp)
	want := []Skipped{{ID: "other@none", Reason: "workload new in head"}}
	if len(out.Cases) != 1 || out.Cases[0].ID != "spin@none" || !reflect.DeepEqual(out.Skipped, want) {
		t.Fatalf("compared %d cases (%+v), skipped %v; want spin@none compared, %v skipped", len(out.Cases), out.Cases, out.Skipped, want)
	}
	line := "not compared: other@none (workload new in head)"
	for _, f := range []report.Format{report.Text, report.Markdown} {
		var buf bytes.Buffer
		if err := out.Print(&buf, f); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), line) {
			t.Errorf("%s output lacks %q:\n%s", f, line, buf.String())
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := out.Write(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(o.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc results.CompareRun
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Skipped, want) || len(doc.Cases) != 1 {
		t.Errorf("results.json skipped %v with %d cases, want %v with 1", doc.Skipped, len(doc.Cases), want)
	}
	page, err := os.ReadFile(filepath.Join(o.Out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(line)) {
		t.Errorf("report.html does not list the case one build lacked (%q)", line)
	}
}

// TestRunRefusesUpFront: a build that cannot list what it knows, or a
// selection neither build can run in full, is bad input found before any
// case is measured.
func TestRunRefusesUpFront(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	tests := []struct {
		name string
		env  string // the base build's
		err  string
	}{
		{"base cannot list", noListEnv + "=1", "cannot say which workloads it knows: `perfbench list --format json` failed: exit status 2: perfbench: unknown command \"list\""},
		{"every case skipped", workloadsEnv + "=other", "none of the 2 selected cases runs on both builds (not compared: spin@none (workload new in head); not compared: spin@jit (workload new in head))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t, repo)
			tmp := isolate(t) // after options, whose output directory is not compare's to remove
			var stderr bytes.Buffer
			o.Stderr = &stderr
			o.Build, o.TagsBase = tagEnvBuilder(map[string]string{"old": tt.env}), "old"
			_, err := Measure(ctx, o)
			if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want bad input containing %q", err, tt.err)
			}
			if strings.Contains(stderr.String(), "[1/") {
				t.Errorf("a case was measured before the error:\n%s", stderr.String())
			}
			assertClean(t, repo, tmp)
		})
	}
}
