package cluster

import (
	"reflect"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
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
			o := Options{Catalog: catalog.Builtin(), Given: func(f string) bool { return f == tt.flag }}
			err := o.Validate()
			if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("--%s given as zero: err = %v, want bad input containing %q", tt.flag, err, tt.want)
			}
		})
	}
	o, err := Options{Catalog: catalog.Builtin(), Given: func(string) bool { return false }}.Normalize()
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
	o, err = Options{Catalog: catalog.Builtin(), Prefix: "p1", Given: func(f string) bool { return f == "local" }}.Normalize()
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

// TestOptFromCatalog: --opt takes the cross-node toggles of the catalog
// given, an unknown one lists them, and all covers only those.
func TestOptFromCatalog(t *testing.T) {
	w := workloads.Workload{Name: "hop/1k", Op: "op", Toggles: []string{"hop-batch", "half-work"}, MinOps: 1,
		New: func(features.Set) (workloads.Instance, error) { return nil, nil }}
	cat, err := catalog.New([]toggles.Toggle{
		{Name: "half-work", Workloads: []string{w.Name}},
		{Name: "hop-batch", Workloads: []string{w.Name}, AcrossNodes: true},
	}, []workloads.Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	if got := OptUsage(cat); got != "hop-batch or all" {
		t.Errorf("OptUsage = %q, want %q", got, "hop-batch or all")
	}
	on, err := features.Set{}.With("hop-batch", true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opt     string
		wantErr string // "" for valid
	}{
		{"hop-batch", ""},
		{AllOpt, ""},
		{"half-work", `unknown --opt "half-work" (valid: hop-batch, all)`},
		{toggles.XBatch, `unknown --opt "xbatch" (valid: hop-batch, all)`},
	}
	for _, tt := range tests {
		t.Run(tt.opt, func(t *testing.T) {
			o, err := Options{Catalog: cat, Opt: tt.opt}.Normalize()
			if tt.wantErr != "" {
				if !cmderr.IsBadInput(err) || err.Error() != tt.wantErr {
					t.Fatalf("Normalize: %v, want bad input %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.sides(); got != [2]features.Set{{}, on} {
				t.Errorf("sides %v, want none and hop-batch", got)
			}
			if o.has(toggles.XBatch) || o.has(toggles.Tree) {
				t.Errorf("--opt %s compares a toggle the catalog does not hold", tt.opt)
			}
		})
	}
}
