// Package workloads holds the named workloads perfbench drives the runtime
// with. Each one builds its own runtime from a features.Set, performs n
// operations on request and reports the metrics only it can know (cache hit
// rate, pool reuse, bytes copied); the measurement engine around it adds
// time, CPU, allocation and GC figures. A workload never decides which side
// it runs: the Set it is given is the whole difference between off and on.
package workloads

import (
	"context"
	"math/rand/v2"
	"sort"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
	"github.com/perfbench/perfbench/stats"
)

// Instance is one built workload, ready to run.
type Instance interface {
	// Run performs n operations, waits until the runtime has finished them,
	// and returns the workload's own metrics for exactly those n.
	Run(ctx context.Context, n int) (map[string]float64, error)
	// Close stops everything the instance started.
	Close() error
}

// MaxPayload bounds what Resizable.SetPayloadSize accepts: the largest
// payload a signal may carry.
const MaxPayload = signal.MaxDataSize

// Resizable is implemented by instances whose payload size is part of their
// configuration and can change while they live, so that a long-lived
// instance (perfbench monitor) can be made to cost more or less without
// being rebuilt: the code path stays the same, only the bytes it carries
// change.
type Resizable interface {
	// SetPayloadSize sets the payload of the signals the instance sends
	// from its next Run on, in bytes (0 to MaxPayload). Call it between
	// Runs, not during one.
	SetPayloadSize(bytes int) error
}

// Workload describes and builds one workload.
type Workload struct {
	Name    string
	Doc     string
	Op      string         // what one operation is, e.g. "one signal cast"
	Toggles []string       // toggles whose code paths it exercises
	Metrics []stats.Metric // the extra metrics Run returns
	// MinOps is the fewest operations a calibrated round may have: enough
	// that one-offs (a first compile, a GC, a barrier) and the workload's
	// own cycle (a blend, a chunk, a route change every so often) are a
	// small part of what is measured. Every workload sets it.
	MinOps int
	New    func(f features.Set) (Instance, error)
}

// All returns every workload, sorted by name.
func All() []Workload {
	ws := []Workload{
		signalCreate(),
		dispatchLocal(),
		stateQuery(),
		signalPass("map-64", "a map of 4 strings of 16 B (64 B of terms)", func(r *rand.Rand) map[string]any { return termData(r, 64) }),
		signalPass("map-1k", "a map of 64 strings of 16 B (1 KiB of terms)", func(r *rand.Rand) map[string]any { return termData(r, 1<<10) }),
		signalPass("bin-64k", "one 64 KiB binary", func(r *rand.Rand) map[string]any { return binData(r, 64<<10) }),
		signalDeliver("map-64", "a map of 4 strings of 16 B (64 B of terms)", func(r *rand.Rand) map[string]any { return termData(r, 64) }),
		signalDeliver("map-1k", "a map of 64 strings of 16 B (1 KiB of terms)", func(r *rand.Rand) map[string]any { return termData(r, 1<<10) }),
		signalDeliver("bin-64k", "one 64 KiB binary", func(r *rand.Rand) map[string]any { return binData(r, 64<<10) }),
		instructionChurn(),
		batchThroughput(),
		castLatency(),
		routeMatch(),
		routeCache("zipf", "Zipf-skewed (s=1.1)", zipfS),
		routeCache("uniform", "uniform (the control: no skew for a cache to use)", 0),
		routeChurn(),
		mixed(),
		clusterStream(),
		clusterBroadcast("cluster-broadcast", 8),
		clusterBroadcast("cluster-broadcast/3", 3),
		clusterLatency(),
		signalMemory(),
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].Name < ws[j].Name })
	return ws
}

// CopiedMetric is the bytes the local deliveries of one op copied (ZeroCopy
// off), as the workloads that deliver signals report it.
const CopiedMetric = "copied-B/op"

// Metrics that count events (Count: true) are judged on their totals with
// a rate test: a few events per round make round-by-round ratios coarse.
var (
	metricBytesCopied = stats.Metric{Name: CopiedMetric, Better: stats.LowerIsBetter, Noise: 0.02, Gate: stats.AllocGate}
	metricPoolReuse   = stats.Metric{Name: "pool-reuse-%", Better: stats.HigherIsBetter, Noise: 0.01, Gate: stats.FixedGate, Tolerance: 0.02}
	metricCacheHit    = stats.Metric{Name: "cache-hit-%", Better: stats.HigherIsBetter, Noise: 0.01, Gate: stats.FixedGate, Tolerance: 0.02}
	metricMatches     = stats.Metric{Name: "matches/op", Better: stats.HigherIsBetter, Noise: 0.01, Gate: stats.FixedGate, Tolerance: 0.02}
	// A count the code decides (JIT plan builds per route change): any
	// increase is a regression.
	metricCompiles = stats.Metric{Name: "compiles/op", Better: stats.LowerIsBetter, Noise: 0, Gate: stats.FixedGate, Tolerance: 0, Count: true}
	// Retries depend on how the scheduler interleaves sender and agent
	// more than on the code: shown, never gated.
	metricRetries = stats.Metric{Name: "full-retries/op", Better: stats.LowerIsBetter, Noise: 0.05, Gate: stats.Ungated, Count: true}
	// Any significant increase of failures is a regression.
	metricFailed = stats.Metric{Name: "failed/op", Better: stats.LowerIsBetter, Noise: 0, Gate: stats.FixedGate, Tolerance: 0, Count: true}
)

// everyToggle is the Toggles list of workloads that go through the whole
// local runtime: every switch but the cross-node ones, which only traffic
// between nodes exercises.
func everyToggle() []string {
	var ts []string
	for _, n := range features.Names() {
		if n != "xbatch" && n != "tree" {
			ts = append(ts, n)
		}
	}
	return ts
}
