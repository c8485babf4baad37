package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	const run = "../../report/htmlpage/testdata/load"
	out := filepath.Join(t.TempDir(), "page.html")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // must contain
		stderr string // must contain
	}{
		{"markdown to stdout", []string{"report", run, "--format", "markdown"}, exitOK, "### Targets", ""},
		{"flags before PATH", []string{"report", "--format", "text", run}, exitOK, "✘ FAIL", ""},
		{"json is results.json", []string{"report", run + "/results.json", "--format=json"}, exitOK, `"schema_version"`, ""},
		{"html to a file", []string{"report", run, "-o", out}, exitOK, "", "wrote " + out},
		{"no path", []string{"report"}, exitUsage, "", "report needs one PATH"},
		{"missing path", []string{"report", "nope/nowhere"}, exitUsage, "", "want a run directory or its results.json"},
		{"not a run", []string{"report", "../../report"}, exitUsage, "", "holds no results.json"},
		{"unknown format", []string{"report", run, "--format", "pdf"}, exitUsage, "", "valid: html, markdown, text, json"},
		{"unknown flag after PATH", []string{"report", run, "--top", "3"}, exitUsage, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := perfbench(context.Background(), tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stdout %.200q; stderr %q", code, tt.code, stdout, stderr)
			}
		})
	}
	page, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), "percentile") {
		t.Fatalf("page written with -o: %v, %.80q", err, page)
	}
	// A failed rendering leaves no file, not even a temporary one.
	failed := filepath.Join(t.TempDir(), "x.html")
	if code, _, _ := perfbench(context.Background(), "report", run, "--format", "pdf", "-o", failed); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if left, _ := os.ReadDir(filepath.Dir(failed)); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// Re-rendering a saved run reproduces the page its command wrote, byte for
// byte: the page depends on the files of the run only.
func TestReportReproducesTheWrittenPage(t *testing.T) {
	dir := smokeRun(t)
	out := filepath.Join(t.TempDir(), "page.html")
	if code, _, stderr := perfbench(context.Background(), "report", dir, "-o", out); code != exitOK {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("re-rendered page (%d bytes) differs from the written report.html (%d bytes)", len(got), len(want))
	}
}
