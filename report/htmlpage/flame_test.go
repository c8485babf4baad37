package htmlpage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
)

// A flame graph is rendered from the profiles in memory and leaves no
// file behind: pprof's copy of a fetched profile (under PPROF_TMPDIR,
// by default $HOME/pprof) is not made, whether with a base or without.
func TestFlameGraphLeavesNoFile(t *testing.T) {
	off, on := cpuProfiles(t)
	for _, c := range []struct {
		name string
		base bool
	}{{"diff", true}, {"alone", false}} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("PPROF_TMPDIR", tmp)
			base := off
			if !c.base {
				base = nil
			}
			doc, err := FlameGraph(base, on)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(doc), "<html") {
				t.Fatalf("no HTML document: %.200s", doc)
			}
			left, err := os.ReadDir(tmp)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			if len(names) != 0 {
				t.Errorf("files left in PPROF_TMPDIR: %v", names)
			}
		})
	}
}

// A flame graph starts no process: pprof's default object tool would run
// objdump on every rendering to learn its version, a child process per
// kind in the report phase of every run. The objdump tools on PATH here
// log their calls.
func TestFlameGraphRunsNoTool(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake tools are shell scripts")
	}
	off, on := cpuProfiles(t)
	bin, log := t.TempDir(), filepath.Join(t.TempDir(), "calls")
	for _, tool := range []string{"llvm-objdump", "objdump", "addr2line", "llvm-symbolizer", "nm", "llvm-nm"} {
		script := "#!/bin/sh\necho " + tool + " \"$@\" >> " + log + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	for _, base := range []*profile.Profile{off, nil} {
		if _, err := FlameGraph(base, on); err != nil {
			t.Fatal(err)
		}
	}
	calls, err := os.ReadFile(log)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("flame graphs ran tools:\n%s", calls)
	}
}

// cpuProfiles are the off and on CPU profiles of testdata/profile.
func cpuProfiles(t *testing.T) (off, on *profile.Profile) {
	t.Helper()
	var err error
	if off, err = profiling.Load(filepath.Join("testdata", "profile", "cpu.off.pb.gz")); err != nil {
		t.Fatal(err)
	}
	if on, err = profiling.Load(filepath.Join("testdata", "profile", "cpu.on.pb.gz")); err != nil {
		t.Fatal(err)
	}
	return off, on
}
