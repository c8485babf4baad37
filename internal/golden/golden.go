// Package golden compares rendered output with files under testdata/, so
// that any change to what a user reads shows up as a diff in review.
// `go test ./... -update` rewrites the files from the current output.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current output")

// Check compares got with testdata/name, or writes it there under -update.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the current output (go test -update rewrites it):\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line that differs, with its neighbours.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(same lines, different bytes)"
}

// Renderings checks print's text, Markdown and JSON output against
// testdata/name.text, name.markdown and name.json.
func Renderings(t testing.TB, name string, print func(io.Writer, report.Format) error) {
	t.Helper()
	for _, f := range []report.Format{report.Text, report.Markdown, report.JSON} {
		var b bytes.Buffer
		if err := print(&b, f); err != nil {
			t.Fatalf("%s as %s: %v", name, f, err)
		}
		Check(t, name+"."+string(f), b.Bytes())
	}
}
