package cluster

import (
	"reflect"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/internal/cmderr"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
)

// A flag given as zero is checked as typed; only a flag not given takes
// its default.
func TestGivenZeroIsNotDefault(t *testing.T) {
	tests := []struct {
		flag string
		want string // the error for the flag given as zero
	}{
		{"nodes", "invalid --nodes 0: want 2 to 32"},
		{"rounds", "invalid --rounds 0: want 1 to 20"},
		{"duration", "invalid --duration 0s: want 100ms to 1m0s"},
		{"rate", "invalid --rate 0: want 1 to 500000 signals/s"},
		{"servers", "invalid --servers 0: want 1 to "},
		{"fanout", "invalid --fanout 0: want 1 to "},
		{"batch-bytes", "invalid --batch-bytes 0: want 1 to "},
		{"batch-delay", "invalid --batch-delay 0s: want more than 0, up to 1s"},
		{"broadcasts", "invalid --broadcasts 0: want 1 to 500"},
		{"ping-every", "invalid --ping-every 0s: want 1ms to --duration"},
		{"heartbeat", "invalid --heartbeat 0s: want 10ms to "},
		{"opt", `unknown --opt "" (valid: xbatch, tree, all)`},
		{"out", "--out is empty: want the output root"},
		{"local", "--local < --nodes: give --prefix too"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			o := Options{Given: func(f string) bool { return f == tt.flag }}
			err := o.Validate()
			if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("--%s given as zero: err = %v, want bad input containing %q", tt.flag, err, tt.want)
			}
		})
	}
	o, err := Options{Given: func(string) bool { return false }}.Normalize()
	if err != nil {
		t.Fatalf("nothing given: %v", err)
	}
	want := Options{Nodes: DefaultNodes, Rounds: DefaultRounds, Duration: DefaultDuration, Rate: DefaultRate,
		Servers: DefaultServers, Fanout: rtcluster.DefaultFanout, BatchBytes: rtcluster.DefaultBatchBytes,
		BatchDelay: rtcluster.DefaultBatchDelay, Broadcasts: DefaultBroadcasts, PingEvery: DefaultPingEvery,
		Heartbeat: DefaultHeartbeat, Opt: AllOpt, Out: "profiles", Local: DefaultNodes}
	got := Options{Nodes: o.Nodes, Rounds: o.Rounds, Duration: o.Duration, Rate: o.Rate, Servers: o.Servers,
		Fanout: o.Fanout, BatchBytes: o.BatchBytes, BatchDelay: o.BatchDelay, Broadcasts: o.Broadcasts,
		PingEvery: o.PingEvery, Heartbeat: o.Heartbeat, Opt: o.Opt, Out: o.Out, Local: o.Local}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nothing given: got %+v, want the defaults %+v", got, want)
	}
	// --local 0 with a prefix is valid: every node joins by hand.
	o, err = Options{Prefix: "p1", Given: func(f string) bool { return f == "local" }}.Normalize()
	if err != nil || o.Local != 0 {
		t.Errorf("--local 0 --prefix p1: local %d, err %v; want 0, nil", o.Local, err)
	}
}

// A node refuses a heartbeat or prefix given as zero before it connects.
func TestNodeGivenZeroIsNotDefault(t *testing.T) {
	tests := []struct {
		flag string
		want string
	}{
		{"heartbeat", "invalid heartbeat 0s: want more than 0, up to "},
		{"prefix", `invalid --prefix "": use letters, digits, '-' or '_'`},
	}
	for _, tt := range tests {
		o := NodeOptions{ID: "0", NATS: "nats://127.0.0.1:1", Given: func(f string) bool { return f == tt.flag }}
		if err := o.Validate(); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--%s given as zero: Validate = %v, want bad input containing %q", tt.flag, err, tt.want)
		}
		if err := RunNode(t.Context(), o, nil); !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--%s given as zero: err = %v, want bad input containing %q", tt.flag, err, tt.want)
		}
	}
}
