package experiment

import (
	"testing"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
)

// The document the writer puts in results.json is read back, by the type
// every reader uses, with nothing lost or changed.
func TestResultsRoundTrip(t *testing.T) {
	want := fixedOutcome(t).Results()
	js, err := report.EncodeJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	var got results.ProfileRun
	if err := results.Decode("results.json", js, results.Profile, &got); err != nil {
		t.Fatal(err)
	}
	if got.Settings != want.Settings || got.Measurement == nil || len(got.Measurement.Samples) != len(want.Measurement.Samples) ||
		len(got.Comparisons) != len(want.Comparisons) || len(got.TopMovers) != len(want.TopMovers) {
		t.Fatalf("decoded document lacks content: settings %+v, %d comparisons", got.Settings, len(got.Comparisons))
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
