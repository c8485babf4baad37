package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffOfPprofTestdata: `perfbench diff` reads every format `go tool
// pprof` reads, as pprof's own test data keeps them. The legacy CPU pair
// gives the table `go tool pprof -top -diff_base gobench.cpu go.crc32.cpu`
// gives: -940ms, 30.82% of 3050ms, all in <unknown>.
func TestDiffOfPprofTestdata(t *testing.T) {
	dir := filepath.Join("..", "..", "profiling", "testdata", "pprof")
	tests := []struct {
		name, base, new string
		header          string
		row             []string // the cells of the first table row; nil: no function moved
	}{
		{"legacy CPU pair", "gobench.cpu", "go.crc32.cpu", "cpu profile",
			[]string{"<unknown>", "3.05 s", "2.11 s", "-940 ms", "-30.82%"}},
		{"legacy CPU, 32-bit words", "java.cpu", "java.cpu", "cpu profile", nil},
		{"legacy text heap", "gobench.heap", "gobench.heap", "heap profile", nil},
		{"legacy text contention", "cppbench.contention", "cppbench.contention", "block profile", nil},
		{"protobuf, gzipped against uncompressed", "sample.cpu", "sample.cpu.pb", "cpu profile", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, newer := filepath.Join(dir, tt.base), filepath.Join(dir, tt.new)
			out := filepath.Join(t.TempDir(), "d.pb.gz")
			code, stdout, stderr := perfbench(context.Background(), "diff", "-o", out, base, newer)
			if code != exitOK || stderr != "perfbench: wrote "+out+"\n" {
				t.Fatalf("exit %d, stderr %q; want 0", code, stderr)
			}
			lines := strings.Split(stdout, "\n")
			if want := tt.header + ": " + base + " → " + newer + " (flat, top 10 by absolute change)"; lines[0] != want {
				t.Fatalf("first line %q, want %q", lines[0], want)
			}
			if tt.row == nil {
				if stdout != lines[0]+"\n  (no function moved)\n" {
					t.Fatalf("stdout %q, want no function moved", stdout)
				}
			} else {
				if len(lines) < 6 {
					t.Fatalf("stdout %q has no table", stdout)
				}
				cells := strings.Fields(strings.NewReplacer("│", " ").Replace(lines[4]))
				if got := strings.Join(cells, " "); !strings.HasPrefix(got, strings.Join(tt.row, " ")) {
					t.Fatalf("first row %q, want %q", got, strings.Join(tt.row, " "))
				}
			}
			if _, err := os.Stat(out); err != nil {
				t.Fatalf("diff profile not written: %v", err)
			}
		})
	}
}
