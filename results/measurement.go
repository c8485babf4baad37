package results

import "github.com/perfbench/perfbench/stats"

// Measurement is the engine's record of a run's rounds, as a document
// holds it: every round of both sides with the value of every metric, so a
// reader can redo any statistic.
type Measurement struct {
	Workload  string         `json:"workload"`
	Off       string         `json:"off"` // each side's target, spelled out
	On        string         `json:"on"`
	Rounds    int            `json:"rounds"`
	Benchtime string         `json:"benchtime"`
	Metrics   []stats.Metric `json:"metrics"`
	Samples   []Round        `json:"samples"`
	// RoundsUsed is the round pairs measured: Rounds, or fewer when the
	// run stopped at a sequential look or at its time budget.
	RoundsUsed int `json:"rounds_used"`
	// Look is the sequential look the run ended at, whose confidence level
	// its intervals have; absent for a fixed-size run.
	Look *stats.Look `json:"look,omitempty"`
}

// Round is one measured round of one side.
type Round struct {
	Side   stats.Side         `json:"side"`
	Index  int                `json:"index"`
	Ops    int                `json:"ops"`
	Values map[string]float64 `json:"values"`
}

// Values returns one metric's value in each round of a side, by round
// index; a round that did not report the metric is absent.
func (m *Measurement) Values(side stats.Side, metric string) map[int]float64 {
	out := map[int]float64{}
	if m == nil {
		return out
	}
	for _, s := range m.Samples {
		if v, ok := s.Values[metric]; ok && s.Side == side {
			out[s.Index] = v
		}
	}
	return out
}
