package command

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func monitorCLI(args ...string) (code int, stdout, stderr string) {
	return perfbench(context.Background(), append([]string{"monitor"}, args...)...)
}

func TestMonitorBadInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	old := filepath.Join(t.TempDir(), "history.jsonl")
	if err := os.WriteFile(old, []byte(`{"v":1,"seq":0,"workload":"mixed"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown metric", []string{"--threshold", "latency=1ms"}, "unknown metric \"latency\" (valid: p50, p99, throughput, error-rate, heap-slope, gc-cpu)"},
		{"value without unit", []string{"--threshold", "p99=5"}, "want a duration such as 1ms"},
		{"interval", []string{"--interval", "1ms"}, "invalid --interval 1ms"},
		{"port in use", []string{"--listen", ln.Addr().String()}, "the address is in use"},
		{"workload", []string{"--workload", "nope"}, "unknown workload \"nope\""},
		{"summary of a missing file", []string{"--summary", "/nonexistent/history.jsonl"}, "file does not exist"},
		{"argument", []string{"extra"}, "monitor takes no arguments"},
		// A zero the user typed is refused, never replaced by the default.
		{"zero batch", []string{"--batch", "0"}, "invalid --batch 0: want 1 to 1000"},
		{"zero alert-after", []string{"--alert-after", "0"}, "invalid --alert-after 0: want 1 to 100"},
		{"zero keep", []string{"--keep", "0"}, "invalid --keep 0: want 1 to 1000"},
		{"zero window", []string{"--window", "0"}, "invalid --window 0: want 3 to 10000"},
		{"zero rate", []string{"--rate", "0"}, `invalid rate "0": want a positive number`},
		{"format", []string{"--format", "xml"}, `unknown format "xml" (valid: text, markdown, json)`},
		{"summary format", []string{"--summary", old, "--format", "xml"}, `unknown format "xml" (valid: text, markdown, json)`},
		{"summary of an older history", []string{"--summary", old}, `line 1 has no "kind": it was written by a perfbench older than results schema`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, _, stderr := monitorCLI(append([]string{"--out", dir}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q; stderr: %s", code, exitUsage, tt.want, stderr)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("bad input created %s", dir)
			}
		})
	}
}

// A bounded run in which an alert fires exits 3 and prints its summary;
// --summary renders the history it left.
func TestMonitorBoundedRunAndSummary(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := monitorCLI("--out", dir, "--for", "300ms", "--interval", "100ms", "--rate", "50", "--listen", "off",
		"--threshold", "p99=1us", "--alert-after", "1", "--capture-cpu", "100ms")
	if code != exitCriteria || !strings.Contains(stderr, `"event":"alert"`) || !strings.Contains(stdout, "p99 max") {
		t.Fatalf("exit %d, want %d with an alert line and a summary; stdout:\n%s\nstderr:\n%s", code, exitCriteria, stdout, stderr)
	}
	code, stdout, stderr = monitorCLI("--summary", filepath.Join(dir, "monitor", "history.jsonl"), "--format", "markdown")
	if code != exitOK || !strings.Contains(stdout, "| from (UTC) |") || !strings.Contains(stdout, "3 intervals") {
		t.Fatalf("--summary: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
