package results_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/results"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/verdict"
)

// A cluster document the writer fills decodes, through results.Decode as
// the page reads it, into the same content: every layer of the layout
// (settings, sides, groups, rounds, node stats, fault, verdicts) survives.
func TestClusterRoundTrip(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	ledger := results.ClusterLedger{Sent: 10, SendFailed: 1, Delivered: 7, Errored: 1, Lost: 1, Exact: true,
		Disagreements: []string{"0→1"}, Dropped: 2, Undecodable: 3}
	side := results.ClusterSide{Label: "on", Features: "xbatch", Rounds: 2, Signals: ledger, Due: 9, Scheduled: 8,
		Lag: results.ClusterLatency{Count: 3, Mean: 4, P50: 5, P99: 6, P999: 7, Max: 8}, Throughput: 1.5, WireBytes: 2.5,
		OneWay: results.ClusterLatency{Count: 1, P50: time.Millisecond}, SameHost: true,
		Broadcast:  []results.ClusterGroup{{Group: 4, Mode: "node", Count: 3, Complete: 3, P50: 7, Depth: 2, RootMax: 3, Once: 3, Received: 9}},
		Reconnects: []time.Duration{time.Second}}
	want := results.ClusterRun{
		Header: results.NewHeader(results.Cluster, "cluster --nodes 4", created, machine.Env{GoVersion: "go1.x", CPUs: 2}),
		Settings: results.ClusterSettings{Nodes: 4, Opt: "all", Rounds: 2, Duration: time.Second, Rate: 100, Groups: []int{2, 4},
			Link: results.ClusterLink{Bandwidth: 1e9, Latency: time.Microsecond}, Fault: "node:1"},
		Elapsed: time.Minute, Nodes: []results.ClusterNode{{ID: "0", PID: 7, Host: "h"}},
		Off: side, On: side, Reference: side.Broadcast, Ratios: map[string]float64{"wire-B/signal": 0.4},
		Verdicts: []verdict.Verdict{{Criterion: "x ≤ 1", Source: "plan", Metric: "x", Target: 1, Unit: "×", Estimate: 0.5,
			CI: &verdict.Interval{Lo: 0.4, Hi: 0.6}, P: verdict.PValue(0.01), Measured: "0.5", Status: verdict.Pass}},
		Fault: &results.ClusterFault{Injected: "node:1", LostNode: "1", InFlight: 4, Survivors: &ledger},
		Rounds: []*results.ClusterRound{{Side: "on", Index: 1, Features: "xbatch",
			Stream:  map[string]*results.ClusterStream{"0": {Due: 5, Sent: 5, RTT: "hist", Lag: "lag"}},
			Stats:   map[string]*results.ClusterNodeStats{"0": {Counters: rtcluster.Counters{Node: "0", Messages: 3}, Traffic: results.Traffic{BytesOut: 1, MsgsIn: 2}, OneWay: "ow", Host: "h"}},
			Traffic: results.Traffic{BytesOut: 10, BytesIn: 20, MsgsOut: 1, MsgsIn: 2},
			Broadcasts: []results.ClusterGroupRun{{Group: 4, Mode: "server", Results: []rtcluster.BroadcastResult{{Group: 4, Acked: 3, Depth: 1, Sent: 1}},
				Received: 3}}}},
		Files: []string{"results.json"}, Errors: []string{"e"},
	}
	doc, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got results.ClusterRun
	if err := results.Decode("results.json", doc, results.Cluster, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the document:\n got %+v\nwant %+v", got, want)
	}
	var load struct{}
	if err := results.Decode("results.json", doc, results.Load, &load); err == nil {
		t.Error("a cluster document decoded as a load run")
	}
}
