package results

import (
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// BenchSuite is the document of a bench suite: the plan's criteria judged
// over every run, and every run's rounds.
type BenchSuite struct {
	Header
	Settings BenchSettings          `json:"settings"`
	Elapsed  string                 `json:"elapsed"`
	Counts   map[verdict.Status]int `json:"counts"`
	Criteria []BenchCriterion       `json:"criteria"`
	// Runs is left out of the document printed on stdout.
	Runs []BenchRun `json:"runs,omitempty"`
}

// BenchSettings are the suite's settings.
type BenchSettings struct {
	Preset      string   `json:"preset"`
	Rounds      int      `json:"rounds"`
	Benchtime   string   `json:"benchtime"`
	ProfileTime string   `json:"profile_time"`
	Opts        []string `json:"opts,omitempty"`
	Strict      bool     `json:"strict"`
	Out         string   `json:"out"`
}

// BenchCriterion is one line of the criteria table: a verdict and the run
// it judged. The verdict's Criterion is the plan's wording, its Target the
// criterion's number (a change in %, a factor, or a value in the metric's
// unit; 0 for rows that only report).
type BenchCriterion struct {
	Opt      string       `json:"opt"` // toggle name, "all" or "memory"
	Workload string       `json:"workload"`
	Run      string       `json:"run"` // ID of the run judged
	Kind     toggles.Kind `json:"kind,omitempty"`
	// TargetText is the target as the table shows it, e.g. "B/op -80 %".
	TargetText string `json:"target_text"`
	verdict.Verdict
}

// BenchRun is one run of the suite.
type BenchRun struct {
	Run           SuiteRun           `json:"run"`
	Dir           string             `json:"dir"`
	Elapsed       string             `json:"elapsed"`
	Measurement   *Measurement       `json:"measurement"`
	Comparisons   []stats.Comparison `json:"comparisons"`
	timing.Record                    // rounds_used, budget, stopped, time
}

// SuiteRun names a run of the suite and its two sides.
type SuiteRun struct {
	// ID is unique in a suite and path-like: "zerocopy/signal-pass/map-64".
	ID       string `json:"id"`
	Opt      string `json:"opt"`
	Workload string `json:"workload"`
	Kind     string `json:"kind"`
	Toggle   string `json:"toggle,omitempty"`
	Off      string `json:"off"`
	On       string `json:"on"`
}
