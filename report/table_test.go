package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/stats"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"text", Text}, {"markdown", Markdown}, {"md", Markdown}, {"json", JSON}, {" JSON ", JSON},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseFormat("html")
	if err == nil || !strings.Contains(err.Error(), "text, markdown, json") || !strings.Contains(err.Error(), `"html"`) {
		t.Errorf("ParseFormat(html) error = %v, want one naming the input and the valid values", err)
	}
}

func sampleComparisons() []stats.Comparison {
	return []stats.Comparison{
		stats.Compare(stats.Metric{Name: "ns/op", Noise: 0.02}, seq(1000, 5, 10), seq(800, 5, 10)),
		stats.Compare(stats.Metric{Name: "ops/s", Better: stats.HigherIsBetter, Noise: 0.02}, seq(1e6, 1e3, 10), seq(1e6, 1e3, 10)),
		stats.Compare(stats.Metric{Name: "B/op"}, seq(2048, 0, 3), seq(512, 0, 3)),
	}
}

func TestWriteComparisonsText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteComparisons(&b, Text, "zerocopy / mixed", sampleComparisons()); err != nil {
		t.Fatal(err)
	}
	want := `zerocopy / mixed
┌────────┬─────────────────────┬────────────────────┬──────────────────┬─────────────┬─────────┐
│ metric │         off         │         on         │ delta % [95% CI] │      p      │ verdict │
├────────┼─────────────────────┼────────────────────┼──────────────────┼─────────────┼─────────┤
│ ns/op  │ 1.02 µs/op ± 1.7%   │ 822 ns/op ± 2.1%   │ -19.56%          │ <0.001 n=10 │ better  │
│ ops/s  │ 1.00M ops/s ± 0.3%  │ 1.00M ops/s ± 0.3% │ +0.00%           │ 1.000 n=10  │ ~       │
│ B/op   │ 2.00 KiB/op (no CI) │ 512 B/op (no CI)   │ -75.00%          │ n/a n=3     │ ?       │
└────────┴─────────────────────┴────────────────────┴──────────────────┴─────────────┴─────────┘
notes:
  B/op: 3 vs 3 samples: the U test needs at least 4 per side to reach p < 0.05
`
	if got := b.String(); got != want {
		t.Errorf("text table:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteComparisonsMarkdown(t *testing.T) {
	cs := sampleComparisons()
	cs[0].Metric.Name = "cache|hit" // a pipe must not open a new column
	var b bytes.Buffer
	if err := WriteComparisons(&b, Markdown, "", cs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	wantTable := []string{
		"|   metric   |           off           |          on           | delta % [95% CI] |      p      | verdict |",
		"|:-----------|:------------------------|:----------------------|:-----------------|:------------|:--------|",
		"| cache\\|hit | 1.02k cache\\|hit ± 1.7% | 822 cache\\|hit ± 2.1% | -19.56%          | <0.001 n=10 | better  |",
	}
	for i, w := range wantTable {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	// Every table line has 7 unescaped pipes: 6 columns.
	for _, l := range lines[:5] {
		if n := strings.Count(l, "|") - strings.Count(l, `\|`); n != 7 {
			t.Errorf("line %q has %d column pipes, want 7", l, n)
		}
	}
	if last := lines[len(lines)-1]; last != "- `B/op`: 3 vs 3 samples: the U test needs at least 4 per side to reach p < 0.05" {
		t.Errorf("last line = %q, want the B/op note", last)
	}
}

func TestWriteComparisonsJSON(t *testing.T) {
	cs := sampleComparisons()
	// A hand-built comparison with every kind of non-finite number.
	cs = append(cs, stats.Comparison{
		Metric:   stats.Metric{Name: "bad", Noise: math.NaN()},
		Off:      stats.Summary{N: 2, Center: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1)},
		On:       stats.Summary{N: 2, Center: 1, Lo: math.Inf(-1), Hi: 2},
		DeltaPct: math.Inf(1), DeltaLoPct: math.NaN(), DeltaHiPct: math.Inf(-1),
		P: math.NaN(), Change: stats.Unknown,
	})
	var b bytes.Buffer
	if err := WriteComparisons(&b, JSON, "t", cs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"NaN", "Inf", `\u003c`} {
		if strings.Contains(out, bad) {
			t.Errorf("JSON contains %q:\n%s", bad, out)
		}
	}
	var doc struct {
		SchemaVersion int                `json:"schema_version"`
		Title         string             `json:"title"`
		Comparisons   []stats.Comparison `json:"comparisons"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JSON does not parse: %v\n%s", err, out)
	}
	if doc.SchemaVersion != SchemaVersion || doc.Title != "t" || len(doc.Comparisons) != 4 {
		t.Fatalf("decoded %+v", doc)
	}
	if got := doc.Comparisons[1].Metric.Better; got != stats.HigherIsBetter {
		t.Errorf("direction round-tripped to %v", got)
	}
	bad := doc.Comparisons[3]
	if bad.Off.Center != 0 || bad.Off.Lo != 0 || bad.On.Lo != 1 || bad.P != 1 || bad.DeltaPct != 0 {
		t.Errorf("sanitised comparison = %+v", bad)
	}
	if !strings.Contains(bad.Note, "non-finite metric.noise, off.center, off.lo, off.hi, on.lo, delta_pct, delta_lo_pct, delta_hi_pct, p replaced") {
		t.Errorf("note = %q", bad.Note)
	}
	// Field order is the struct's, so diffs of results.json stay readable.
	if i, j := strings.Index(out, `"delta_pct"`), strings.Index(out, `"change"`); i < 0 || j < i {
		t.Errorf("unexpected field order:\n%s", out)
	}
	if !strings.Contains(out, `"better": "higher"`) {
		t.Errorf("direction not written as text:\n%s", out)
	}
	// The input must not be modified.
	if !math.IsNaN(cs[3].P) {
		t.Error("SanitizeComparisons changed its input")
	}
}

func TestWriteTable(t *testing.T) {
	header := []string{"criterion", "target", "result"}
	rows := [][]string{{"bytes allocated", "-80 %", "PASS"}, {"p99 | tail", "< 100 µs"}}
	tests := []struct {
		f    Format
		want string
	}{
		{Text, `┌─────────────────┬──────────┬────────┐
│    criterion    │  target  │ result │
├─────────────────┼──────────┼────────┤
│ bytes allocated │ -80 %    │ PASS   │
│ p99 | tail      │ < 100 µs │        │
└─────────────────┴──────────┴────────┘
`},
		{Markdown, `|    criterion    |  target  | result |
|:----------------|:---------|:-------|
| bytes allocated | -80 %    | PASS   |
| p99 \| tail     | < 100 µs |        |
`},
		{JSON, `[
  {
    "criterion": "bytes allocated",
    "target": "-80 %",
    "result": "PASS"
  },
  {
    "criterion": "p99 | tail",
    "target": "< 100 µs",
    "result": ""
  }
]
`},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteTable(&b, tt.f, header, rows); err != nil {
			t.Fatalf("%s: %v", tt.f, err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.f, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	if err := WriteTable(&b, JSON, header, nil); err != nil || b.String() != "[]\n" {
		t.Errorf("empty JSON table = %q, %v", b.String(), err)
	}
}

func TestWriteTableErrors(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, Text, []string{"a"}, [][]string{{"1", "2"}}); err == nil {
		t.Error("row longer than header accepted")
	}
	if err := WriteTable(&b, Format("html"), []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "text, markdown, json") {
		t.Errorf("unknown format error = %v", err)
	}
	if err := WriteTable(&b, JSON, nil, nil); err == nil {
		t.Error("JSON table without header accepted")
	}
	if b.Len() != 0 {
		t.Errorf("failed writes left output %q", b.String())
	}
	errBoom := errors.New("boom")
	if err := WriteTable(failWriter{errBoom}, Text, []string{"a"}, nil); !errors.Is(err, errBoom) {
		t.Errorf("writer error not wrapped: %v", err)
	}
	if err := WriteComparisons(failWriter{errBoom}, JSON, "", nil); !errors.Is(err, errBoom) {
		t.Errorf("writer error not wrapped: %v", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// seq returns n values start, start+step, … .
func seq(start, step float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = start + step*float64(i)
	}
	return v
}

func TestFormatSummary(t *testing.T) {
	tests := []struct {
		s    stats.Summary
		want string
	}{
		{stats.Summary{N: 10, Center: 1000, Lo: 980, Hi: 1030, HasCI: true}, "1.00 µs/op ± 3.0%"},
		{stats.Summary{N: 10, Center: 1000, Lo: 800, Hi: 1150, HasCI: true}, "1.00 µs/op ± 20%"},
		{stats.Summary{N: 10, Center: 1000, Lo: 1000, Hi: 1000, HasCI: true}, "1.00 µs/op ± 0%"},
		{stats.Summary{N: 3, Center: 1000, Lo: 1000, Hi: 1000}, "1.00 µs/op (no CI)"},
		{stats.Summary{N: 10, Center: 0, Lo: 0, Hi: 2, HasCI: true}, "0 ns/op [0 ns/op, 2 ns/op]"},
		{stats.Summary{}, "n/a"},
	}
	for _, tt := range tests {
		if got := FormatSummary(tt.s, "ns/op"); got != tt.want {
			t.Errorf("FormatSummary(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestWideTextTableWraps(t *testing.T) {
	long := strings.Repeat("word ", 40)
	var b bytes.Buffer
	if err := WriteTable(&b, Text, []string{"a", "b", "c"}, [][]string{{"x", long, long}}); err != nil {
		t.Fatal(err)
	}
	if w := textWidth(b.String()); w > MaxTextWidth {
		t.Fatalf("table is %d columns wide:\n%s", w, b.String())
	}
	if strings.Count(b.String(), "word") != 80 {
		t.Fatalf("wrapping lost words:\n%s", b.String())
	}
	// A narrow table is left as drawn.
	b.Reset()
	if err := WriteTable(&b, Text, []string{"a"}, [][]string{{"2.00 KiB/op (no CI)"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2.00 KiB/op (no CI)") {
		t.Fatalf("narrow table wrapped:\n%s", b.String())
	}
}

func TestWriteNotedTable(t *testing.T) {
	rows := [][]string{{"a", "first reason"}, {"b", ""}, {"c", "second | reason"}}
	var text, md bytes.Buffer
	if err := WriteNotedTable(&text, Text, []string{"name", "why"}, rows); err != nil {
		t.Fatal(err)
	}
	if err := WriteNotedTable(&md, Markdown, []string{"name", "why"}, rows); err != nil {
		t.Fatal(err)
	}
	want := "notes:\n  [1] first reason\n  [2] second | reason\n"
	if !strings.HasSuffix(text.String(), want) || !strings.Contains(text.String(), "│ c    │ [2] │") {
		t.Errorf("text:\n%s", text.String())
	}
	if !strings.Contains(md.String(), "| a    | first reason     |") || strings.Contains(md.String(), "[1]") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if rows[0][1] != "first reason" {
		t.Error("the caller's rows were changed")
	}
}

// TestNotExercised: a metric whose every round is exactly 0 on both sides
// becomes one "not exercised" line in text and Markdown; 0 on one side only
// is a change, and a tiny non-zero value is a measurement: both keep their
// rows. JSON keeps every metric.
func TestNotExercised(t *testing.T) {
	zeros := make([]float64, 10)
	tiny := append([]float64{1e-9}, zeros[1:]...)
	m := func(name string) stats.Metric { return stats.Metric{Name: name, Noise: 0.05} }
	tests := []struct {
		name     string
		off, on  []float64
		idle     bool
		wantLine string
	}{
		{"zero on both sides", zeros, zeros, true, "not exercised: pool-reuse-% (0 in every round of both sides)"},
		{"zero off only", zeros, seq(100, 1, 10), false, ""},
		{"zero on only", seq(100, 1, 10), zeros, false, ""},
		{"one tiny value off", tiny, zeros, false, ""},
		{"one tiny value on", zeros, tiny, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := []stats.Comparison{
				stats.ComparePaired(m("ns/op"), seq(1000, 5, 10), seq(800, 5, 10), 0.05),
				stats.ComparePaired(m("pool-reuse-%"), tt.off, tt.on, 0.05),
			}
			shown, idle := Exercised(cs)
			wantShown, wantIdle := 2, []string(nil)
			if tt.idle {
				wantShown, wantIdle = 1, []string{"pool-reuse-%"}
			}
			if len(shown) != wantShown || !slices.Equal(idle, wantIdle) || shown[0].Metric.Name != "ns/op" {
				t.Fatalf("Exercised: %d shown, idle %q; want %d shown, idle %q", len(shown), idle, wantShown, wantIdle)
			}
			for _, f := range []Format{Text, Markdown} {
				var b bytes.Buffer
				if err := WriteComparisons(&b, f, "", cs); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				rows := strings.Count(out, "│ pool-reuse-%") + strings.Count(out, "| pool-reuse-%")
				if gotLine := strings.Contains(out, "not exercised"); gotLine != tt.idle || (tt.idle && !strings.Contains(out, tt.wantLine+"\n")) {
					t.Errorf("%s: not-exercised line present=%v, want %v (%q):\n%s", f, gotLine, tt.idle, tt.wantLine, out)
				}
				if wantRows := map[bool]int{true: 0, false: 1}[tt.idle]; rows != wantRows {
					t.Errorf("%s: %d pool-reuse-%% rows, want %d:\n%s", f, rows, wantRows, out)
				}
			}
			var b bytes.Buffer
			if err := WriteComparisons(&b, JSON, "", cs); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), `"name": "pool-reuse-%"`) {
				t.Errorf("JSON lost the metric:\n%s", b.String())
			}
		})
	}
}
