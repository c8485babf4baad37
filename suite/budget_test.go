package suite

import (
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// A run stopped by its budget is never judged: what would PASS or FAIL on
// the rounds it had is INCONCLUSIVE, with the budget as the reason; the
// same data without the stop is judged.
func TestBudgetStoppedRunIsInconclusive(t *testing.T) {
	run := catalog.Run{ID: "zerocopy/w", Opt: "zerocopy", Workload: "w", Kind: catalog.Primary, Toggle: "zerocopy"}
	data := map[stats.Metric][2]float64{mBytes: {1000, 400}, mNs: {1000, 1000}}
	tests := []struct {
		stopped string
		primary verdict.Status // -60 %: PASS
		strict  verdict.Status // -80 %: FAIL
	}{
		{"", verdict.Pass, verdict.Fail},
		{"budget reached after 4 of 10 rounds", verdict.Inconclusive, verdict.Inconclusive},
	}
	for _, tt := range tests {
		res := fakeResult(run, data)
		res.Stopped = tt.stopped
		rows := Assess(testToggles(), []catalog.Result{res})
		p, s := find(rows, "primary"), find(rows, "-80 % bytes")
		if len(p) != 1 || len(s) != 1 || p[0].Status != tt.primary || s[0].Status != tt.strict {
			t.Fatalf("stopped %q: primary %+v, -80 %% %+v", tt.stopped, p, s)
		}
		if tt.stopped != "" && !strings.HasPrefix(s[0].Reason, tt.stopped+" (--max-time), not judged; even the best end") {
			t.Errorf("reason %q", s[0].Reason)
		}
	}
}

// One all-vs-single run out of budget leaves the all-vs-best row
// undecided, whichever run the row names.
func TestBudgetStoppedVersusRun(t *testing.T) {
	mk := func(single string, stopped string) catalog.Result {
		r := catalog.Run{ID: catalog.GroupAll + "-vs-" + single + "/mixed", Opt: catalog.GroupAll + "-vs-" + single, Workload: "mixed", Kind: catalog.VersusSingle, Toggle: single}
		res := fakeResult(r, map[stats.Metric][2]float64{mNs: {1000, 800}})
		res.Stopped = stopped
		return res
	}
	for _, stop := range []string{"", "budget reached after 0 of 10 rounds"} {
		rows := Assess(nil, []catalog.Result{mk("a", ""), mk("b", stop)})
		got := find(rows, "all on at least as good")
		want := verdict.Pass
		if stop != "" {
			want = verdict.Inconclusive
		}
		if len(got) != 1 || got[0].Status != want {
			t.Errorf("stop %q: %+v, want %s", stop, got, want)
		}
	}
}
