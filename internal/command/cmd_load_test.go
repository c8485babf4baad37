package command

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/verdict"
)

func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"no scenario", nil, []string{"missing scenario", "burst, sustained, mixed"}},
		{"unknown scenario", []string{"--scenario", "spike"}, []string{`unknown scenario "spike"`, "valid: burst, sustained, mixed"}},
		{"zero rate", []string{"--scenario", "sustained", "--rate", "0"}, []string{"flag -rate", `invalid rate "0": want a positive number`}},
		{"negative rate", []string{"--scenario", "sustained", "--rate=-100"}, []string{"flag -rate", `invalid rate "-100": want a positive number`}},
		{"bad rate", []string{"--scenario", "mixed", "--rate", "lots"}, []string{`invalid rate "lots"`, "100k/s"}},
		{"zero duration", []string{"--scenario", "sustained", "--duration", "0s"}, []string{"invalid --duration 0s", "positive"}},
		{"negative duration", []string{"--scenario", "sustained", "--duration=-5s"}, []string{"invalid --duration -5s"}},
		{"zero multiplier", []string{"--scenario", "burst", "--multiplier", "0"}, []string{"invalid --multiplier 0", "≥ 1"}},
		{"negative multiplier", []string{"--scenario", "sustained", "--multiplier=-3"}, []string{"invalid --multiplier -3"}},
		{"unknown opt", []string{"--scenario", "burst", "--opt", "turbo"}, []string{`unknown toggle "turbo"`, "valid: fastpath, zerocopy, pooling, batching, jit, caching"}},
		{"opt with all-on", []string{"--scenario", "burst", "--opt", "jit", "--all-on"}, []string{"--all-on is the old spelling of --opt all: give only --opt"}},
		{"rate for burst", []string{"--scenario", "burst", "--rate", "1000"}, []string{"--rate does not apply to burst"}},
		{"duration for burst", []string{"--scenario", "burst", "--duration", "5s"}, []string{"--duration does not apply to burst"}},
		{"agents", []string{"--scenario", "burst", "--agents", "0"}, []string{"invalid --agents 0", "1 to 64"}},
		{"format", []string{"--scenario", "burst", "--format", "xml"}, []string{`unknown format "xml"`, "text, markdown, json"}},
		{"argument", []string{"--scenario", "burst", "extra"}, []string{"load takes no arguments"}},
		{"unknown flag", []string{"--scenario", "burst", "--rps", "5"}, []string{"rps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := perfbench(context.Background(), append([]string{"load"}, append(tt.args, "--out", dir)...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tt.name != "unknown flag" && stdout != "" {
				t.Errorf("stdout not empty: %s", stdout)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("%s was created on a usage error", dir)
			}
		})
	}
}

// TestLoadRun is one short real run through the CLI: exit 0 or 3 (the
// latency targets depend on the machine), the files written, the JSON on
// stdout decodes and its accounting holds.
func TestLoadRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "load")
	code, stdout, stderr := perfbench(context.Background(), "load", "--scenario", "sustained", "--rate", "2k/s", "--duration", "150ms", "--opt", "pooling",
		"--agents", "2", "--format", "json", "--out", dir)
	if code != exitOK && code != exitCriteria {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var doc results.LoadDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not results.json: %v\n%s", err, stdout)
	}
	if doc.Settings.Scenario != "sustained" || doc.Settings.Toggle != "pooling" || doc.Settings.Scheduled != 300 {
		t.Errorf("settings %+v", doc.Settings)
	}
	if len(doc.Sides) != 2 || doc.Sides[0].Label != "off" || doc.Sides[0].Features != "none" || doc.Sides[1].Label != "on" || doc.Sides[1].Features != "pooling" {
		t.Fatalf("sides %+v", doc.Sides)
	}
	for _, s := range doc.Sides {
		for _, v := range s.Verdicts {
			if v.Criterion == "nothing lost" && v.Status != verdict.Pass {
				t.Errorf("%s: nothing lost = %s", s.Label, v.Status)
			}
		}
	}
	if (code == exitOK) != doc.Passed || (code == exitCriteria) != (len(doc.Missed) > 0) {
		t.Errorf("exit %d but passed=%v missed=%v", code, doc.Passed, doc.Missed)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "summary.md")); err != nil || !strings.Contains(string(md), "](report.html)") {
		t.Errorf("summary.md does not link report.html (%v)", err)
	}
	want := []string{"results.json", "summary.md", "report.html", "response.off.hgrm", "response.on.hgrm"}
	if strings.Join(doc.Files, ",") != strings.Join(want, ",") {
		t.Errorf("files %v, want %v", doc.Files, want)
	}
	for _, f := range want {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil || !json.Valid(onDisk) {
		t.Errorf("results.json on disk: %v", err)
	}
	if !strings.Contains(stderr, "running off (features none") || !strings.Contains(stderr, "running on (features pooling") {
		t.Errorf("progress on stderr:\n%s", stderr)
	}
}

func TestLoadInterruptWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"perfbench", "load", "--scenario", "sustained", "--duration", "10s", "--out", dir}, &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "interrupted: nothing was written") {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s exists after an interrupted run", dir)
	}
}
