package report

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/summary.md from the current output")

func TestWriteSummaryMarkdown(t *testing.T) {
	s := MarkdownSummary{
		Toggle:   "zerocopy",
		Workload: "mixed",
		Env: machine.Env{GoVersion: "go1.26.0", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2,
			CPUModel: "Test CPU", GitCommit: "0123456789abcdef0123", Hostname: "secret-host"},
		Settings: []string{"rounds=10", "warmup=1s"},
		Comparisons: []stats.Comparison{
			stats.Compare(stats.Metric{Name: "ns/op", Noise: 0.02}, seq(1000, 5, 10), seq(800, 5, 10)),
			stats.ComparePaired(stats.Metric{Name: "copied-B/op", Noise: 0.02}, seq(2810.9282291555746, 0, 10), make([]float64, 10), 0.02),
			stats.ComparePaired(stats.Metric{Name: "pool-reuse-%", Noise: 0.02}, make([]float64, 10), make([]float64, 10), 0.02),
			stats.ComparePaired(stats.Metric{Name: "cache-hit-%", Noise: 0.02}, make([]float64, 10), make([]float64, 10), 0.02),
		},
		Sections: []Section{{
			Title:  "Criteria",
			Header: []string{"criterion", "target", "result"},
			Rows:   [][]string{{"bytes allocated", "-80 %", "FAIL"}},
		}},
		Movers: []MoverRow{
			{Kind: "cpu", Function: "runtime.(*Signal).Clone", Base: 4e8, New: 1e8, Delta: -3e8, Unit: "ns"},
			{Kind: "alloc_space", Function: "runtime.mallocgc", Base: 0, New: 2048, Delta: 2048, Unit: "B"},
			{Kind: "cpu", Function: "router.match", Base: 2e8, New: 2.5e8, Delta: 5e7, Unit: "ns"},
		},
		PprofCommands: []string{
			"go tool pprof -top -diff_base profiles/zerocopy/mixed/cpu.off.pb.gz profiles/zerocopy/mixed/cpu.on.pb.gz",
		},
	}
	var b bytes.Buffer
	if err := WriteSummaryMarkdown(&b, s); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/summary.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile("testdata/summary.md")
	if err != nil {
		t.Fatal(err)
	}
	want := string(golden)
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(b.String(), "secret-host") {
		t.Error("host name leaked into summary.md")
	}
}

func TestWriteSummaryMarkdownMinimal(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSummaryMarkdown(&b, MarkdownSummary{Toggle: "jit", Workload: "route"}); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"Settings", "Top movers", "Profiles", "```"} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("empty summary shows %q:\n%s", absent, b.String())
		}
	}
	bad := MarkdownSummary{Sections: []Section{{Title: "broken", Header: []string{"a"}, Rows: [][]string{{"1", "2"}}}}}
	b.Reset()
	if err := WriteSummaryMarkdown(&b, bad); err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("bad section error = %v", err)
	}
	if b.Len() != 0 {
		t.Error("failed summary wrote output")
	}
}
