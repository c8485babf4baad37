package results

import "github.com/perfbench/perfbench/stats"

// Measurement is the engine's record of one two-sided measurement, every
// raw sample kept, in the layout the engine writes it (measure.Result).
type Measurement struct {
	Workload  string         `json:"workload"`
	Off       string         `json:"off"`
	On        string         `json:"on"`
	Rounds    int            `json:"rounds"`
	Benchtime string         `json:"benchtime"`
	Metrics   []stats.Metric `json:"metrics"`
	Samples   []Round        `json:"samples"`
}

// Round is one measured round of one side.
type Round struct {
	Side   stats.Side         `json:"side"`
	Index  int                `json:"index"`
	Ops    int                `json:"ops"`
	Values map[string]float64 `json:"values"`
}
