package htmlpage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/verdict"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtures are small runs written once by the real commands at tiny
// settings:
//
//	perfbench profile --opt=zerocopy --workload=signal-pass/1k --rounds 6 --benchtime 20ms --profile-time 200ms (profiles off and on kept)
//	perfbench bench --opt jit --rounds 6 --benchtime 2000x --profile-time 100ms
//	perfbench load --scenario sustained --duration 2s --opt batching
//	perfbench compare --base HEAD --opt jit --workload route-match --rounds 6 --benchtime 2000x (CPU profiles kept)
//	perfbench cluster --nodes 3 --rounds 1 --duration 300ms --rate 2000 --broadcasts 3 --profile-time 200ms (CPU profiles kept)
//	perfbench monitor --for 12s --interval 500ms --threshold p99=300us --alert-after 2 --clear-after 2 --listen off
var fixtures = []struct{ name, path string }{
	{"profile", "testdata/profile"},
	{"bench", "testdata/bench/results.json"},
	{"load", "testdata/load"},
	{"monitor", "testdata/monitor"},
	{"compare", "testdata/compare"},
	{"cluster", "testdata/cluster"},
}

func render(t *testing.T, path, format string) []byte {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Write(&b, format); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// skeleton keeps the page's structure and text but not the drawings: the
// SVG of each chart and pprof's document in each frame are reduced to a
// mark, so the golden files say what the page holds and where.
func skeleton(page []byte) []byte {
	s := regexp.MustCompile(`(?s)<svg .*?</svg>`).ReplaceAll(page, []byte("<svg>…</svg>"))
	return regexp.MustCompile(`srcdoc="[^"]*"`).ReplaceAll(s, []byte(`srcdoc="…"`))
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			golden.Check(t, "golden/"+f.name+".html", skeleton(render(t, f.path, "html")))
			golden.Check(t, "golden/"+f.name+".md", render(t, f.path, "markdown"))
			golden.Check(t, "golden/"+f.name+".txt", render(t, f.path, "text"))
		})
	}
}

// Nothing on a page may be fetched: no external script, style, image,
// frame or font, in the page or in pprof's documents inside it.
func TestPageIsSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:|//)|<link\b|@import|url\(\s*["']?(https?:|//)`)
	for _, f := range fixtures {
		page := render(t, f.path, "html")
		// pprof's frame documents are escaped inside srcdoc attributes.
		unescaped := strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#39;", "'").Replace(string(page))
		for _, m := range external.FindAllStringIndex(unescaped, -1) {
			ctx := unescaped[max(0, m[0]-60):min(len(unescaped), m[1]+60)]
			// pprof's "Help" link is a link the reader may follow, not a fetch.
			if strings.Contains(ctx, `target="_blank"`) {
				continue
			}
			t.Errorf("%s: external reference: …%s…", f.name, ctx)
		}
		if len(page) > 2<<20 {
			t.Errorf("%s page is %d KiB, want under 2 MiB", f.name, len(page)>>10)
		}
		t.Logf("%s page: %d KiB", f.name, len(page)>>10)
	}
}

func TestProfilePageHoldsEveryPart(t *testing.T) {
	page := string(render(t, "testdata/profile", "html"))
	for _, want := range []string{
		`id="improvement"`, `class="status better"`, // the table, a verdict marked
		`id="rounds"`, `<svg`, // the charts
		`id="profile-cpu"`, `id="profile-heap"`, `id="profile-allocs"`, `id="profile-wall"`, `id="profile-block"`, `id="profile-mutex"`, // every kind
		`class="flamegraph"`, `stackViewer(`, // pprof's flame graph, escaped inside srcdoc
	} {
		if !strings.Contains(page, want) {
			t.Errorf("profile page lacks %q", want)
		}
	}
	if n := strings.Count(page, `class="flamegraph"`); n != len(profiling.Kinds()) {
		t.Errorf("%d flame graphs, want one per kind (%d)", n, len(profiling.Kinds()))
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "want a run directory or its results.json"},
		{"empty dir", t.TempDir(), "holds no results.json"},
		{"not json", write("a.json", "nope"), "not a perfbench results document"},
		{"not perfbench", write("b.json", `{"tool":"other"}`), `written by "other", not perfbench`},
		{"before kinds", write("c.json", `{"tool":"perfbench","command":"load","schema_version":1}`), `has no "kind": it was written by a perfbench older than results schema`},
		{"unknown kind", write("d.json", `{"tool":"perfbench","kind":"soak","schema_version":10}`), "valid kinds: profile, bench, compare, load, cluster, monitor"},
		{"history before kinds", write("h1/history.jsonl", "{\"v\":1,\"seq\":1}\n"), `history.jsonl line 1 has no "kind": it was written by a perfbench older than results schema`},
		{"history of another kind", write("h2/history.jsonl", "{\"kind\":\"monitor\",\"schema_version\":10,\"seq\":1}\n{\"kind\":\"load\",\"schema_version\":10}\n"), "history.jsonl line 2 is a load run, not a monitor run"},
		{"history of another schema", write("h3/history.jsonl", "{\"kind\":\"monitor\",\"schema_version\":9,\"seq\":1}\n"), "history.jsonl line 1 has results schema 9; this perfbench reads schema 10"},
		{"bad history", write("h4/history.jsonl", "{\"kind\":\"monitor\",\"schema_version\":10,\"seq\": 1}\nnope\n"), "history.jsonl line 2 is not a perfbench results document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path)
			if err == nil {
				_, err = r.Page()
			}
			var bad *cmderr.BadInputError
			if !errors.As(err, &bad) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want bad input containing %q", err, tt.want)
			}
		})
	}
	r, err := Open("testdata/load")
	if err != nil {
		t.Fatal(err)
	}
	var bad *cmderr.BadInputError
	if err := r.Write(&bytes.Buffer{}, "pdf"); !errors.As(err, &bad) || !strings.Contains(err.Error(), "html, markdown, text, json") {
		t.Fatalf("format pdf: err = %v, want one naming the valid formats", err)
	}
}

// Every status reads without colour: a symbol and a word.
func TestStatusesHaveSymbols(t *testing.T) {
	for _, s := range []Status{StatusPass, StatusFail, StatusInconclusive, StatusWarn, StatusInfo, StatusBetter, StatusWorse, StatusSame, StatusUnknown} {
		if s.Symbol() == "" {
			t.Errorf("status %s has no symbol", s)
		}
	}
	for _, v := range verdict.Statuses {
		if verdictClass(v).Symbol() == "" {
			t.Errorf("verdict %s has no class with a symbol", v)
		}
	}
	if got := (Cell{Text: "FAIL", Status: verdictClass(verdict.Fail)}).plain(); got != "✘ FAIL" {
		t.Errorf("plain FAIL = %q", got)
	}
}

func TestClusterPageHoldsEveryPart(t *testing.T) {
	page := string(render(t, "testdata/cluster", "html"))
	for _, want := range []string{
		`id="verdicts"`, `class="status inconclusive"`, `class="status pass"`, `class="status info"`, // the verdicts, coloured and marked
		"needs at least 6 rounds (--rounds 6); got 1", "INCONCLUSIVE: 6 of 14 target(s) undecided, none missed", // one round decides nothing
		`id="latency"`, `id="wire"`, `id="broadcast"`, `id="ledger"`, `id="improvement"`, `<svg`,
		`id="profile-cpu"`, `class="flamegraph"`, `stackViewer(`, // pprof's flame graph of the merged CPU profiles
	} {
		if !strings.Contains(page, want) {
			t.Errorf("cluster page lacks %q", want)
		}
	}
	// The ledger as measured, balanced on both sides.
	if md := string(render(t, "testdata/cluster", "markdown")); strings.Count(md, "| 684  | 684       | 0       | 0      | 0    | ✔ yes") != 2 {
		t.Errorf("the ledger does not show 684 = 684 + 0 + 0 + 0 on both sides:\n%s", md)
	}
	// Three percentile plots, two of wire traffic, one of broadcasts.
	if n := strings.Count(page, "<svg"); n != 6 {
		t.Errorf("%d charts, want 6", n)
	}
}
