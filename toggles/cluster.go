package toggles

import "time"

// The targets perfbench cluster judges across node processes that no
// single criterion of the table above carries: goals set beyond the
// plan's per-toggle targets, and the checks of the run itself. Declared
// here, next to the toggles they judge, so that a target is written once
// and the cluster command and its page read the same number.
const (
	// CrossNodeMean is the plan's bound on the mean cross-node latency
	// with xbatch on.
	CrossNodeMean = 5 * time.Millisecond
	// OneWayP50 is the goal marked on the page's one-way latency plot: a
	// signal crosses to another node in a fifth of a millisecond.
	OneWayP50 = 200 * time.Microsecond
	// BroadcastGoalGroup and BroadcastGoalP50: a broadcast to a group of
	// that many nodes completes in under BroadcastGoalP50 at the median
	// with the tree on; judged only by runs with that many nodes.
	BroadcastGoalGroup = 16
	BroadcastGoalP50   = 5 * time.Millisecond
	// CrossoverMargin is how much faster (as a fraction of direct sends)
	// the broadcast cost model must predict the tree to be before a run
	// on emulated links is asked to show it: closer than that, the per-hop
	// cost the model leaves out can decide.
	CrossoverMargin = 0.9
	// ErrorRate is the plan's bound on the share of point-to-point
	// signals that failed or errored, on each side.
	ErrorRate = 0.001
	// QuickNodes and QuickRun: a run of QuickNodes nodes with the defaults
	// finishes within QuickRun, so that it fits in a development loop.
	QuickNodes = 4
	QuickRun   = time.Minute
)

// Measure is what a cluster run measures for a criterion that bench
// measures per operation in one process.
type Measure struct {
	Metric string // the cluster run's per-round metric
	Label  string // how a verdict names it
}

// XBatchMeasures maps xbatch's criteria metrics (per op in process) to
// what a cluster run measures per signal: the stream runs at a fixed rate,
// so "better" per signal is the CPU it costs, not wall time. Every
// criterion of xbatch needs an entry (checked by the cluster tests).
func XBatchMeasures() map[string]Measure {
	return map[string]Measure{
		"wire-B/op": {"wire-B/signal", "wire B/signal"},
		"ns/op":     {"cpu-ns/signal", "CPU/signal"},
	}
}
