package htmlpage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/profiling"
)

// A flame graph is rendered from the profiles in memory and leaves no
// file behind: pprof's copy of a fetched profile (under PPROF_TMPDIR,
// by default $HOME/pprof) is not made, whether with a base or without.
func TestFlameGraphLeavesNoFile(t *testing.T) {
	off, err := profiling.Load(filepath.Join("testdata", "profile", "cpu.off.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	on, err := profiling.Load(filepath.Join("testdata", "profile", "cpu.on.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
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
