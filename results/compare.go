package results

import (
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/verdict"
)

// CompareRun is the results.json of `perfbench compare`: two builds of
// perfbench measured in interleaved rounds, base as side "off" and head as
// side "on".
type CompareRun struct {
	Header
	Settings CompareSettings `json:"settings"`
	Base     Build           `json:"base"`
	Head     Build           `json:"head"`
	Elapsed  string          `json:"elapsed"`
	// Cases hold every raw sample (measurement.samples: side "off" is
	// base, "on" is head, in the order they ran) and the comparisons.
	Cases []CompareCaseResult `json:"cases"`
	// Skipped are the selected cases not compared, since one build lacks
	// their workload or a toggle.
	Skipped     []Skipped `json:"skipped"`
	Regressions []string  `json:"regressions"`
	Files       []string  `json:"files"`
}

// CompareSettings are compare's settings as results.json records them.
type CompareSettings struct {
	Opts        []string `json:"opts,omitempty"`
	Workloads   []string `json:"workloads,omitempty"`
	Rounds      int      `json:"rounds"`
	Order       string   `json:"order"`
	Benchtime   string   `json:"benchtime"`
	ProfileTime string   `json:"profile_time"`
	Tolerances  string   `json:"tolerances"`
	Out         string   `json:"out"`
}

// Build is one side of a compare: perfbench built at a git ref.
type Build struct {
	Ref    string `json:"ref"`    // as given; "" for the working tree
	Commit string `json:"commit"` // full hash (HEAD's for the working tree)
	Dirty  bool   `json:"dirty"`  // built from a working tree with uncommitted changes
	Tags   string `json:"tags,omitempty"`
	Go     string `json:"go"` // the worker's runtime.Version
	Bin    string `json:"-"`  // the built binary, while the run lasts
}

// Label is how the build is named in tables.
func (b Build) Label() string {
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	s := c
	if b.Ref == "" {
		s = "working tree @ " + c
		if b.Dirty {
			s += " (dirty)"
		}
	} else if b.Ref != b.Commit {
		s = b.Ref + " @ " + c
	}
	if b.Tags != "" {
		s += " -tags " + b.Tags
	}
	return s
}

// CompareCase is one workload under one feature set, measured on both
// builds. Runs of the suite that share a side share its case.
type CompareCase struct {
	ID       string   `json:"id"` // WORKLOAD@FEATURES
	Workload string   `json:"workload"`
	Features string   `json:"features"`
	Runs     []string `json:"runs"` // the suite runs it belongs to
}

// CompareCaseResult is one case measured and judged.
type CompareCaseResult struct {
	CompareCase
	Measurement *Measurement       `json:"measurement"` // Off is base, On is head
	Comparisons []stats.Comparison `json:"comparisons"`
	// Verdicts judge every metric: FAIL for a gated metric whose whole
	// 95 % CI of head/base is worse than its tolerance, PASS for a gated
	// one that is not, INFO for a metric outside the gate, INCONCLUSIVE
	// when the rounds could not bound the change.
	Verdicts []verdict.Verdict `json:"verdicts"`
	// Regressions name the metrics whose verdict is FAIL.
	Regressions []string `json:"regressions,omitempty"`
	// Elapsed is the case's wall time: measuring, judging and profiling.
	Elapsed       string `json:"elapsed,omitempty"`
	timing.Record        // rounds_used, budget, stopped, time
}

// Skipped is a selected case that one build or both cannot run, and why.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}
