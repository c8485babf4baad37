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
