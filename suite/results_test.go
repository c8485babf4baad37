package suite

import (
	"testing"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
)

// The suite's results.json is read back, by the type every reader uses,
// with nothing lost or changed: criteria, counts and every run's rounds.
func TestResultsRoundTrip(t *testing.T) {
	want := fixedBench(t).Results(true)
	js, err := report.EncodeJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	var got results.BenchSuite
	if err := results.Decode("results.json", js, results.Bench, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) == 0 || len(got.Runs[0].Measurement.Samples) == 0 || len(got.Criteria) == 0 {
		t.Fatalf("decoded document lacks runs, rounds or criteria: %+v", got)
	}
	// Encoding what was read gives the same bytes: every field written was
	// read, with its value. (Comparing the Go values would not do: a
	// metric's judging parameters, stats.Metric's Gate or Floor, are the
	// registry's and not part of the document.)
	again, err := report.EncodeJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(js) {
		t.Errorf("re-encoded document differs:\n%s\nwant\n%s", again, js)
	}
}
