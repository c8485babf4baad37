package load

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/verdict"
)

// TestReport renders a real (short) two-sided run in every format and
// checks results.json round-trips: the lossless histogram decodes to the
// same count and percentiles.
func TestReport(t *testing.T) {
	cfg, err := Config{Scenario: Mixed, Rate: 2000, Duration: 100 * time.Millisecond, Agents: 2}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{Config: cfg, Toggle: "fastpath", Env: machine.Env{GoVersion: "go1.26", OS: "linux", Arch: "amd64", CPUs: 2, GOMAXPROCS: 2}}
	for _, s := range []struct {
		label string
		f     features.Set
	}{{"off", features.Set{}}, {"on", features.Set{FastPath: true}}} {
		c := cfg
		c.Features = s.f
		r, err := Measure(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		rep.Sides = append(rep.Sides, Variant{Label: s.label, Result: r})
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"perfbench load: mixed — 2.00k operations/s of the blend for 100ms (multiplier 1), 2 agents, open loop",
		"off=none", "on=fastpath", "response query", "schedule lag", "… of which publish",
		"Response-time distribution, off (", "Response-time distribution, on (", "Verdicts", "nothing lost",
		"sent + unsent = requested (ops)", "200 + 0 = 200: holds",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(md.String(), "## perfbench load: mixed") || !strings.Contains(md.String(), "### Verdicts") || !strings.Contains(md.String(), "```text") {
		t.Errorf("markdown output:\n%s", md.String())
	}

	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Settings      struct {
			Scenario  string `json:"scenario"`
			Scheduled int64  `json:"scheduled_ops"`
		} `json:"settings"`
		Sides []struct {
			Label    string            `json:"label"`
			Features string            `json:"features"`
			Verdicts []verdict.Verdict `json:"verdicts"`
			Result   struct {
				Total    openloop.Counts      `json:"total"`
				Response openloop.LatencyJSON `json:"response"`
			} `json:"result"`
		} `json:"sides"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != results.SchemaVersion || doc.Settings.Scenario != "mixed" || doc.Settings.Scheduled != 200 || len(doc.Sides) != 2 {
		t.Fatalf("results.json header: %+v", doc)
	}
	for i, s := range doc.Sides {
		r := rep.Sides[i].Result
		if s.Label != rep.Sides[i].Label || s.Features != r.Features || s.Result.Total != r.Total {
			t.Errorf("side %d: %+v", i, s)
		}
		h, err := hdr.Decode([]byte(s.Result.Response.HdrV2))
		if err != nil {
			t.Fatal(err)
		}
		if h.TotalCount() != r.Response.Count() || time.Duration(h.ValueAtQuantile(99)) != r.Response.Quantile(99) {
			t.Errorf("side %d: decoded histogram count %d p99 %d, want %d %v", i, h.TotalCount(), h.ValueAtQuantile(99), r.Response.Count(), r.Response.Quantile(99))
		}
		var sum int64
		for _, b := range s.Result.Response.Buckets {
			sum += b.Count
		}
		if sum != r.Response.Count() {
			t.Errorf("side %d: buckets hold %d values, want %d", i, sum, r.Response.Count())
		}
		if len(s.Verdicts) != 6 {
			t.Errorf("side %d: %d verdicts, want 6", i, len(s.Verdicts))
		}
	}
	var hg bytes.Buffer
	if err := rep.Sides[0].Result.Response.WriteHgrm(&hg); err != nil || !strings.Contains(hg.String(), "Percentile") {
		t.Errorf("hgrm: %v\n%s", err, hg.String())
	}
}

// TestDefaultJudgesAllOn: without --opt, load judges the
// configuration users ship (all on) and shows all off beside it; a miss of
// the reference side fails nothing, a miss of the judged side does.
func TestDefaultJudgesAllOn(t *testing.T) {
	o, err := Options{Scenario: "sustained", Multiplier: 1, Agents: 1, Out: t.TempDir(), Catalog: catalog.Builtin()}.validated()
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Variants) != 2 || o.Variants[0].Label != "all-on" || o.Variants[0].Set != features.All() || o.Variants[0].Reference ||
		o.Variants[1].Label != "all-off" || o.Variants[1].Set != (features.Set{}) || !o.Variants[1].Reference {
		t.Fatalf("default variants %+v, want all-on judged, then all-off as reference", o.Variants)
	}
	rep := fixedReport(t)
	bad := fixedResult(rep.Config, "none", 40, 100) // 10 % errors: misses the error-rate target
	good := rep.Sides[0].Result
	tests := []struct {
		name      string
		sides     []Variant
		errorMiss bool // the error-rate target is among the misses
	}{
		{"reference misses", []Variant{{Label: "all-on", Result: good}, {Label: "all-off", Result: bad, Reference: true}}, false},
		{"judged side misses", []Variant{{Label: "all-on", Result: bad}, {Label: "all-off", Result: good, Reference: true}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep.Sides = tt.sides
			m := rep.Missed()
			if len(m) != len(tt.sides[0].Result.Missed()) || strings.Contains(strings.Join(m, ";"), "(all-off)") ||
				strings.Contains(strings.Join(m, ";"), "error rate < 0.1 % (all-on)") != tt.errorMiss {
				t.Errorf("missed %q: want the judged side's misses only", m)
			}
			var b bytes.Buffer
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "all-off (not judged)") {
				t.Errorf("the verdict table does not mark the reference side:\n%s", b.String())
			}
			js, err := rep.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Passed bool `json:"passed"`
				Sides  []struct {
					Judged bool `json:"judged"`
				} `json:"sides"`
			}
			if err := json.Unmarshal(js, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Passed != (len(m) == 0) || len(doc.Sides) != 2 || !doc.Sides[0].Judged || doc.Sides[1].Judged {
				t.Errorf("results.json passed %v sides %+v", doc.Passed, doc.Sides)
			}
		})
	}
}

// TestOptAllRunsAllOnOnly: --opt all is one run with every optimization on.
func TestOptAllRunsAllOnOnly(t *testing.T) {
	o, err := Options{Scenario: "sustained", Multiplier: 1, Agents: 1, Opt: AllOpt, Out: t.TempDir(), Catalog: catalog.Builtin()}.validated()
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Variants) != 1 || o.Variants[0].Label != "all-on" || o.Variants[0].Set != features.All() || o.Variants[0].Reference || o.Toggle != "" {
		t.Fatalf("--opt all variants %+v (toggle %q), want all-on only, judged", o.Variants, o.Toggle)
	}
}
