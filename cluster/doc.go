// Package cluster is the domain of `perfbench cluster` and `perfbench node`:
// it measures the cross-node optimizations (xbatch, tree) where they live,
// across real node processes talking over a real NATS cluster, because an
// in-process benchmark cannot show what batching saves on a socket or what a
// broadcast tree costs in hops. The coordinator starts embedded NATS servers
// (or uses --nats), re-executes perfbench as node processes spread over them,
// drives interleaved off/on rounds over a control subject, keeps the signal
// ledger exact with every node's counters agreeing, merges the nodes'
// profiles with a node label, judges the plan's targets, and writes the run
// directory all or nothing; faults (a node killed or frozen, a server killed)
// end or disturb a run in bounded time and are reported, never hidden.
package cluster

// Usage is the synopsis of `perfbench cluster`, with examples.
const Usage = "perfbench cluster [--nodes N] [--opt xbatch|tree|all] [--duration D] [--rate R] [--nats URL] [--fault node:ID|freeze:ID|server:I] [--format text|markdown|json]\n\n" +
	"Examples:\n   perfbench cluster --nodes 4\n   perfbench cluster --nodes 16 --opt tree --rounds 6\n" +
	"   perfbench cluster --nodes 8 --nats nats://10.0.0.5:4222   (nodes run here; see perfbench node for other hosts)"

// NodeUsage is the synopsis of `perfbench node`, with a two-host example,
// and NodeDoc says what RunNode serves.
const (
	NodeUsage = "perfbench node --nats URL[,URL…] --id X [--prefix P]\n\n" +
		"Example (second host of a two-host run):\n   perfbench node --nats nats://10.0.0.5:4222 --id 1 --prefix pbrun1"
	NodeDoc = "Connects to NATS, announces itself with a heartbeat, and serves the coordinator's requests (build the runtime, " +
		"stream, broadcast, report counters and profiles) until told to quit or interrupted."
)

// Doc is the description `perfbench cluster --help` shows.
const Doc = "Starts an embedded 3-server NATS cluster on loopback (or uses --nats) and N node processes (perfbench node), spread over the servers. " +
	"Rounds alternate off and on (A B B A); each streams 64 B signals from every node to the next for --duration, with timed pings, then broadcasts " +
	"from node 0 to groups of 2, 4, 8, 16 … N nodes: off/on per the toggle, and the reference (one publish, server fan-out). Wire bytes are counted " +
	"at each node's socket. Profiles of every node are merged with a node label (go tool pprof -tagfocus node=3). " +
	"Nodes on other hosts: run this with --nats URL --local K --prefix P, and there perfbench node --nats URL --prefix P --id I for I = K … N−1. " +
	"--fault node:ID (kill), freeze:ID (SIGSTOP) or server:I fires half-way through the first round. " +
	"Targets are judged on 95 % CIs over the rounds (paired on/off ratios for relative ones): PASS or FAIL only when the whole CI meets or misses the target, " +
	"INCONCLUSIVE otherwise; --rounds below 6 gives no CI, so those targets are INCONCLUSIVE (exit 0). " +
	"Writes profiles/cluster/<opt>-n<N>[-<fault>]/: results.json (histograms included), summary.md, report.html (percentile plots, broadcasts, ledger, flame graphs) and the merged profiles. Exit 1 if a node is lost (the report is written), 3 if a target is missed."
