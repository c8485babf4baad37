package workbench_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/workbench"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// halfWork is a toggle defined here only: with it on, each operation of
// hash-work hashes half of its buffer. Nothing outside this file names it.
const halfWork = "halfwork"

type hashWork struct {
	buf  []byte
	half bool
}

func (h *hashWork) Run(_ context.Context, n int) (map[string]float64, error) {
	b := h.buf
	if h.half {
		b = b[:len(b)/2]
	}
	for range n {
		sha256.Sum256(b)
	}
	return nil, nil
}

func (h *hashWork) Close() error { return nil }

func halfWorkBench() *workbench.Workbench {
	b := workbench.New()
	b.RegisterToggle(workbench.Toggle{
		Name: halfWork, Doc: "hash half the buffer", Workloads: []string{"hash-work"},
		Primary: workbench.Criterion{Metric: "ns/op", Kind: workbench.Reduction, Target: 30, Text: "−30 % time per hash"},
	})
	b.RegisterWorkload(workbench.Workload{
		Name: "hash-work", Doc: "SHA-256 of 16 KiB", Op: "one hash", Toggles: []string{halfWork}, MinOps: 10,
		New: func(s workbench.Set) (workbench.Instance, error) {
			on, err := s.Get(halfWork)
			return &hashWork{buf: make([]byte, 16<<10), half: on}, err
		},
	})
	return b
}

func run(t *testing.T, b *workbench.Workbench, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = b.Run(context.Background(), append([]string{"perfbench"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestOwnToggle: a toggle and workload registered in a test file are
// listed, profiled and judged by the real commands.
func TestOwnToggle(t *testing.T) {
	b := halfWorkBench()

	t.Run("list", func(t *testing.T) {
		code, out, stderr := run(t, b, "list", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var l struct {
			Toggles   []struct{ Name string }
			Workloads []struct {
				Name    string
				Toggles []string
			}
		}
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(l); got != "{[{halfwork}] [{hash-work [halfwork]}]}" {
			t.Errorf("list = %s", got)
		}
	})

	t.Run("profile", func(t *testing.T) {
		dir := t.TempDir()
		code, _, stderr := run(t, b, "profile", "--opt", halfWork, "--rounds", "6", "--benchtime", "20x", "--profile-time", "10ms", "--out", dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, f := range []string{"cpu.off.pb.gz", "cpu.on.pb.gz", "cpu.diff.pb.gz", "results.json", "bench.txt", "summary.md", "report.html"} {
			if _, err := os.Stat(filepath.Join(dir, halfWork, "hash-work", f)); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("bench", func(t *testing.T) {
		dir := t.TempDir()
		code, out, stderr := run(t, b, "bench", "--opt", halfWork, "--rounds", "6", "--benchtime", "20x", "--profile-time", "10ms", "--out", dir, "--format", "json")
		// 3 would be a missed target: this test does not time the change.
		if code != 0 && code != 3 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var res struct {
			Kind     string
			Criteria []struct{ Opt, Run, Metric, Status string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		var rows []string
		for _, c := range res.Criteria {
			if c.Opt == halfWork && c.Metric == "ns/op" {
				rows = append(rows, c.Run+" "+c.Status)
			}
		}
		if len(rows) != 1 || !slices.Contains([]string{"PASS", "FAIL", "INCONCLUSIVE"}, strings.Fields(rows[0])[1]) ||
			strings.Fields(rows[0])[0] != halfWork+"/hash-work" {
			t.Errorf("kind %s, the toggle's ns/op verdict rows: %q, want one, decided or INCONCLUSIVE", res.Kind, rows)
		}
		if _, err := os.Stat(filepath.Join(dir, "results.json")); err != nil {
			t.Error(err)
		}
	})

	t.Run("unknown opt names the registered toggle", func(t *testing.T) {
		code, _, stderr := run(t, b, "profile", "--opt", "turbo", "--out", t.TempDir())
		if code != 2 || !strings.Contains(stderr, `unknown toggle "turbo" (valid: halfwork)`) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

// TestInvalidTables: tables that do not hold together are refused before
// any command runs, with exit 2 and every defect named.
func TestInvalidTables(t *testing.T) {
	b := halfWorkBench()
	b.RegisterToggle(workbench.Toggle{Name: "Half_Work", Workloads: []string{"nope"}})
	code, out, stderr := run(t, b, "list")
	if code != 2 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{`invalid feature name "Half_Work"`, `toggle "Half_Work": primary workload "nope" is not registered`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}
