package cluster

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/report"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
)

// Options is one validated cluster run. Zero fields whose flag was not
// Given take the defaults below; Normalize checks every bound.
type Options struct {
	Nodes int
	Opt   string // a cross-node toggle's name, or all
	// Catalog is the toggle table whose cross-node toggles Opt names.
	Catalog  catalog.Catalog
	Rounds   int           // measured rounds per side, interleaved A B B A …
	Duration time.Duration // stream time per round
	Rate     float64       // signals per second over the whole cluster
	Payload  int           // bytes of payload per stream signal
	// NATS is an existing cluster's URLs (comma-separated); empty starts
	// Servers embedded servers on loopback.
	NATS    string
	Servers int
	// Local is how many node processes (ids 0 … Local−1) the coordinator
	// starts itself; the others are expected to join with perfbench node
	// (another host). Default: all of them.
	Local int
	// Prefix namespaces the run's subjects; nodes started by hand need the
	// same one. Default: a random one.
	Prefix      string
	Fanout      int
	BatchBytes  int
	BatchDelay  time.Duration
	Broadcasts  int           // per group size, side and round
	PingEvery   time.Duration // one request per node per interval, timed round trip
	ProfileTime time.Duration // per profile kind and side; 0 skips profiling
	Heartbeat   time.Duration
	Fault       Fault
	// LinkBandwidth (bits/s, e.g. "1Gbit") and LinkLatency put every
	// node's data connection behind an emulated link (natsrig.Link);
	// neither set, the links are the bare loopback.
	LinkBandwidth string
	LinkLatency   time.Duration
	link          natsrig.Link
	Format        report.Format
	Out           string // output root; the run goes to Out/cluster/<opt>-n<N>
	// NodeCommand starts a node: the node flags (--nats, --id, --prefix,
	// --heartbeat) are appended. Default: this executable, "node".
	NodeCommand []string
	NodeEnv     []string // extra environment for node processes
	Command     string   // the command line, for results.json
	// Given reports whether the user gave the flag of that name (without
	// dashes). A given value is checked as typed, never replaced by its
	// default: --nodes 0 is refused, not run as 4 nodes. Nil: every zero
	// field takes its default.
	Given func(flag string) bool
	// Stderr takes the progress lines; nil discards them.
	Stderr io.Writer
}

// Defaults and bounds. The defaults make `perfbench cluster --nodes 4` a
// run of well under a minute on a 2-core machine: 6 rounds per side of 1 s
// streams at 20 000 signals/s, broadcasts, and a 1 s profile pass per kind.
const (
	DefaultNodes      = 4
	MaxNodes          = 32
	DefaultRounds     = 6
	MaxRounds         = 20
	DefaultDuration   = time.Second
	MinDuration       = 100 * time.Millisecond
	MaxDuration       = time.Minute
	DefaultRate       = 20000
	MaxRate           = 500000
	DefaultPayload    = 64
	MaxPayload        = 64 << 10
	DefaultServers    = 3
	DefaultBroadcasts = 20
	MaxBroadcasts     = 500
	DefaultPingEvery  = 10 * time.Millisecond
	MinPingEvery      = time.Millisecond
	DefaultProfile    = time.Second
	MaxProfile        = 30 * time.Second
)

// AllOpt is the --opt value that compares every cross-node toggle at once.
const AllOpt = "all"

// crossNode lists the toggles this command measures: those of cat marked
// as working across nodes.
func crossNode(cat catalog.Catalog) []toggles.Toggle {
	var ts []toggles.Toggle
	for _, t := range cat.Toggles() {
		if t.AcrossNodes {
			ts = append(ts, t)
		}
	}
	return ts
}

// Opts lists the valid --opt values: every cross-node toggle of cat, then
// all.
func Opts(cat catalog.Catalog) []string {
	var os []string
	for _, t := range crossNode(cat) {
		os = append(os, t.Name)
	}
	return append(os, AllOpt)
}

// Fault is a failure injected once, half-way through the first round's
// stream.
type Fault struct {
	// Kind is "node" (kill the process: its exit is seen at once),
	// "freeze" (stop it with SIGSTOP: only the missing heartbeats tell),
	// or "server" (kill an embedded NATS server); empty for none.
	Kind   string
	Target string // node id, or server index
}

// ParseFault reads --fault: node:ID, freeze:ID or server:INDEX.
func ParseFault(s string) (Fault, error) {
	if s == "" {
		return Fault{}, nil
	}
	kind, target, ok := strings.Cut(s, ":")
	if !ok || target == "" || (kind != "node" && kind != "freeze" && kind != "server") {
		return Fault{}, cmderr.BadInputf("invalid --fault %q: want node:ID (kill that node process), freeze:ID (SIGSTOP it) "+
			"or server:INDEX (kill that embedded NATS server)", s)
	}
	return Fault{Kind: kind, Target: target}, nil
}

func (f Fault) String() string {
	if f.Kind == "" {
		return "none"
	}
	return f.Kind + ":" + f.Target
}

// Validate checks every bound, after the defaults of the fields not
// given; the error is cmderr bad input naming what is valid.
func (o Options) Validate() error {
	_, err := o.Normalize()
	return err
}

// Normalize fills the defaults of fields not given and checks bounds;
// every error is cmderr bad input.
func (o Options) Normalize() (Options, error) {
	given := func(flag string) bool { return o.Given != nil && o.Given(flag) }
	def := func(v *int, d int, flag string) {
		if *v == 0 && !given(flag) {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration, flag string) {
		if *v == 0 && !given(flag) {
			*v = d
		}
	}
	def(&o.Nodes, DefaultNodes, "nodes")
	def(&o.Rounds, DefaultRounds, "rounds")
	def(&o.Servers, DefaultServers, "servers")
	def(&o.Broadcasts, DefaultBroadcasts, "broadcasts")
	def(&o.Fanout, rtcluster.DefaultFanout, "fanout")
	def(&o.BatchBytes, rtcluster.DefaultBatchBytes, "batch-bytes")
	def(&o.Local, o.Nodes, "local")
	defD(&o.Duration, DefaultDuration, "duration")
	defD(&o.PingEvery, DefaultPingEvery, "ping-every")
	defD(&o.BatchDelay, rtcluster.DefaultBatchDelay, "batch-delay")
	defD(&o.Heartbeat, DefaultHeartbeat, "heartbeat")
	if o.Opt == "" && !given("opt") {
		o.Opt = AllOpt
	}
	if o.Rate == 0 && !given("rate") {
		o.Rate = DefaultRate
	}
	if o.Out == "" && !given("out") {
		o.Out = "profiles"
	}
	if o.Format == "" {
		o.Format = report.Text
	}
	checks := []struct {
		bad bool
		msg string
	}{
		{o.Nodes < 2 || o.Nodes > MaxNodes, fmt.Sprintf("invalid --nodes %d: want 2 to %d", o.Nodes, MaxNodes)},
		{!slices.Contains(Opts(o.Catalog), o.Opt), fmt.Sprintf("unknown --opt %q (valid: %s)", o.Opt, strings.Join(Opts(o.Catalog), ", "))},
		{o.Rounds < 1 || o.Rounds > MaxRounds, fmt.Sprintf("invalid --rounds %d: want 1 to %d", o.Rounds, MaxRounds)},
		{o.Duration < MinDuration || o.Duration > MaxDuration, fmt.Sprintf("invalid --duration %s: want %s to %s", o.Duration, MinDuration, MaxDuration)},
		{o.Rate < 1 || o.Rate > MaxRate, fmt.Sprintf("invalid --rate %g: want 1 to %d signals/s", o.Rate, MaxRate)},
		{o.Payload < 0 || o.Payload > MaxPayload, fmt.Sprintf("invalid --payload %d: want 0 to %d bytes", o.Payload, MaxPayload)},
		{o.Servers < 1 || o.Servers > natsrig.MaxServers, fmt.Sprintf("invalid --servers %d: want 1 to %d", o.Servers, natsrig.MaxServers)},
		{o.Fanout < 1 || o.Fanout > rtcluster.MaxFanout, fmt.Sprintf("invalid --fanout %d: want 1 to %d", o.Fanout, rtcluster.MaxFanout)},
		{o.BatchBytes < 1 || o.BatchBytes > rtcluster.MaxBatchBytes, fmt.Sprintf("invalid --batch-bytes %d: want 1 to %d", o.BatchBytes, rtcluster.MaxBatchBytes)},
		// The runtime reads a zero delay as its default, so 0 cannot mean "no delay".
		{o.BatchDelay <= 0 || o.BatchDelay > rtcluster.MaxBatchDelay, fmt.Sprintf("invalid --batch-delay %s: want more than 0, up to %s", o.BatchDelay, rtcluster.MaxBatchDelay)},
		{o.Broadcasts < 1 || o.Broadcasts > MaxBroadcasts, fmt.Sprintf("invalid --broadcasts %d: want 1 to %d", o.Broadcasts, MaxBroadcasts)},
		{o.PingEvery < MinPingEvery || o.PingEvery > o.Duration, fmt.Sprintf("invalid --ping-every %s: want %s to --duration", o.PingEvery, MinPingEvery)},
		{o.ProfileTime < 0 || o.ProfileTime > MaxProfile, fmt.Sprintf("invalid --profile-time %s: want 0 (no profiles) to %s", o.ProfileTime, MaxProfile)},
		{o.Local < 0 || o.Local > o.Nodes, fmt.Sprintf("invalid --local %d: want 0 to --nodes (%d)", o.Local, o.Nodes)},
		{o.Prefix != "" && checkID(o.Prefix) != nil, fmt.Sprintf("invalid --prefix %q: use letters, digits, '-' or '_'", o.Prefix)},
		{o.Local < o.Nodes && o.Prefix == "", "--local < --nodes: give --prefix too, the nodes started by hand need it"},
		{o.Out == "", "--out is empty: want the output root, e.g. profiles (the default)"},
		{o.Heartbeat < 10*time.Millisecond || o.Heartbeat > MaxHeartbeat, fmt.Sprintf("invalid --heartbeat %s: want 10ms to %s", o.Heartbeat, MaxHeartbeat)},
	}
	for _, c := range checks {
		if c.bad {
			return o, cmderr.BadInput(errors.New(c.msg))
		}
	}
	bw, err := natsrig.ParseBandwidth(o.LinkBandwidth)
	if err != nil {
		return o, cmderr.BadInputf("invalid --link-bandwidth: %v", err)
	}
	o.link = natsrig.Link{Bandwidth: bw, Latency: o.LinkLatency}
	if err := o.link.Validate(); err != nil {
		return o, cmderr.BadInputf("invalid --link-bandwidth/--link-latency: %v", err)
	}
	switch o.Fault.Kind {
	case "node", "freeze":
		if i, err := strconv.Atoi(o.Fault.Target); err != nil || i < 0 || i >= o.Local {
			return o, cmderr.BadInputf("invalid --fault %s: want the id of a node started here, 0 to %d", o.Fault, o.Local-1)
		}
	case "server":
		if o.NATS != "" {
			return o, cmderr.BadInputf("--fault server:%s needs the embedded servers: it cannot kill a server of --nats %s", o.Fault.Target, o.NATS)
		}
		if i, err := strconv.Atoi(o.Fault.Target); err != nil || i < 0 || i >= o.Servers || o.Servers < 2 {
			return o, cmderr.BadInputf("invalid --fault server:%s: want a server index 0 to %d (and at least 2 servers)", o.Fault.Target, o.Servers-1)
		}
	}
	return o, nil
}

// sides returns the feature sets compared: everything off, and the
// chosen optimization(s) on.
func (o Options) sides() [2]features.Set {
	var on features.Set
	for _, t := range crossNode(o.Catalog) {
		if o.has(t.Name) {
			on = t.Apply(on, true)
		}
	}
	return [2]features.Set{{}, on}
}

// groups are the broadcast sizes measured: 2, 4, 8, 16, 32 up to Nodes,
// and Nodes itself.
func (o Options) groups() []int {
	var gs []int
	for g := 2; g <= o.Nodes; g *= 2 {
		gs = append(gs, g)
	}
	if gs[len(gs)-1] != o.Nodes {
		gs = append(gs, o.Nodes)
	}
	return gs
}

func (o Options) nodeIDs() []string {
	ids := make([]string, o.Nodes)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	return ids
}

// has reports whether the run compares the toggle: a cross-node toggle of
// the catalog that Opt names or all covers.
func (o Options) has(toggle string) bool {
	return (o.Opt == toggle || o.Opt == AllOpt) && slices.ContainsFunc(crossNode(o.Catalog), func(t toggles.Toggle) bool { return t.Name == toggle })
}

// OptUsage says what --opt takes: the cross-node toggles of cat, or all.
func OptUsage(cat catalog.Catalog) string {
	os := Opts(cat)
	if len(os) == 1 {
		return os[0]
	}
	return strings.Join(os[:len(os)-1], ", ") + " or " + os[len(os)-1]
}
