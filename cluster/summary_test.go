package cluster

import (
	"testing"
	"time"

	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
)

// CPU per signal is the round's CPU net of the idle baseline measured in
// the same round; the baseline is reported beside it.
func TestCPUPerSignalIsNetOfTheIdleBaseline(t *testing.T) {
	stats := func(sent uint64) map[string]*nodeStats {
		return map[string]*nodeStats{
			"a": {Counters: rtcluster.Counters{Peers: map[string]rtcluster.PeerCounters{"b": {Sent: sent}}}},
			"b": {Counters: rtcluster.Counters{Peers: map[string]rtcluster.PeerCounters{"a": {Received: rtcluster.Ack{Delivered: sent}}}}},
		}
	}
	tests := []struct {
		name               string
		server, node, idle time.Duration
		sent               uint64
		wantCPU, wantIdle  float64
	}{
		{"no baseline", 30 * time.Millisecond, 70 * time.Millisecond, 0, 1000, 100e3, 0},
		{"baseline subtracted", 30 * time.Millisecond, 70 * time.Millisecond, 40 * time.Millisecond, 1000, 60e3, 40e3},
		{"all idle", 0, 50 * time.Millisecond, 50 * time.Millisecond, 500, 0, 100e3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := &RoundData{Side: "on", Stats: stats(tt.sent), ServerCPU: tt.server, NodeCPU: tt.node, IdleCPU: tt.idle, Span: time.Second}
			s, err := summarize("on", "xbatch", []*RoundData{rd})
			if err != nil {
				t.Fatal(err)
			}
			if s.CPU != tt.wantCPU || s.IdleCPU != tt.wantIdle {
				t.Errorf("CPU %g ns/signal, idle %g; want %g and %g", s.CPU, s.IdleCPU, tt.wantCPU, tt.wantIdle)
			}
		})
	}
}
