package router

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestPlantOnlyBehindTags proves the planted slowdown is compiled only into
// builds that ask for it: the default build's package has none of its
// files, and each tag brings in its rate.
func TestPlantOnlyBehindTags(t *testing.T) {
	tests := []struct {
		tags      string
		want, not []string
	}{
		{"", []string{"plant_none.go"}, []string{"plant_on.go", "plant20.go", "plant5.go"}},
		{"perfbench_plant", []string{"plant_on.go", "plant20.go"}, []string{"plant_none.go", "plant5.go"}},
		{"perfbench_plant5", []string{"plant_on.go", "plant5.go"}, []string{"plant_none.go", "plant20.go"}},
	}
	for _, tt := range tests {
		out, err := exec.Command("go", "list", "-tags", tt.tags, "-f", "{{join .GoFiles \" \"}}", ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tt.tags, err, out)
		}
		files := strings.Fields(string(out))
		for _, f := range tt.want {
			if !slices.Contains(files, f) {
				t.Errorf("tags %q: %s not compiled (%v)", tt.tags, f, files)
			}
		}
		for _, f := range tt.not {
			if slices.Contains(files, f) {
				t.Errorf("tags %q: %s compiled (%v)", tt.tags, f, files)
			}
		}
	}
	if PlantEvery != 0 && !testing.Short() {
		t.Logf("this test binary is a planted build (every %d lookups)", PlantEvery)
	}
}
