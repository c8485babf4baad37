package results

import (
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
)

// ProfileRun is the document of one profile run: one workload, one toggle
// off against on. `perfbench profile` writes it, and so does every run of
// a bench suite in its own directory.
type ProfileRun struct {
	Header
	Settings    ProfileSettings    `json:"settings"`
	Elapsed     string             `json:"elapsed"`
	Measurement *Measurement       `json:"measurement"`
	Comparisons []stats.Comparison `json:"comparisons"`
	// Profiles is what each kind's profiles rest on.
	Profiles  map[profiling.Kind]*profiling.Comparison `json:"profiles"`
	TopMovers map[profiling.Kind][]profiling.Mover     `json:"top_movers"`
	Files     []string                                 `json:"files"`
	// Rounds used, budget and where the time went (the report's own
	// writing excluded: it ends after this file is encoded).
	timing.Record
}

// ProfileSettings are the settings of a profile run.
type ProfileSettings struct {
	Toggle      string `json:"toggle"`
	Workload    string `json:"workload"`
	Off         string `json:"off"`
	On          string `json:"on"`
	Rounds      int    `json:"rounds"`
	Benchtime   string `json:"benchtime"`
	ProfileTime string `json:"profile_time"`
	Dir         string `json:"dir"`
	// ProfileKinds are the only kinds the run took, comma-separated, when
	// not every kind.
	ProfileKinds string `json:"profile_kinds,omitempty"`
}
