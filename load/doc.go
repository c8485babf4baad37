// Package load drives the runtime with the plan's load scenarios — burst,
// sustained and mixed — and measures latency the way wrk2 and k6 do, so
// that the tail is not hidden.
//
// # Open loop
//
// Every operation has a due time: a burst's are all t0; sustained and mixed
// operation i is due at start + i/rate. A single generator goroutine waits
// for each due time (sleeping while more than a calibrated margin remains,
// spinning with runtime.Gosched for the rest; see pacer.go), stamps the
// actual send and sends. Latency counts from the due time, not from the
// send, so when the runtime stalls, every operation due during the stall is
// charged the wait — the coordinated-omission correction. A generator that
// falls behind sends at once and never skips; its lag (actual send − due)
// and late sends (lag > LateThreshold) are reported on their own. Casts are
// asynchronous, so a slow agent never holds the generator back; state
// queries (mixed) are synchronous and do, which delays the operations after
// them — and that delay is charged to them, as it would be to a caller.
//
// # Two latencies
//
// Response time is due → done: what a caller feels, queueing included.
// Service time is from when the agent takes the signal to done. The agent
// server does not expose when it takes an envelope from its mailbox, so
// the load agents' actions are wrapped (recorder, in agents.go): the first
// action to run for a new signal stamps the service start — the router
// lookup and instruction set-up for that first binding, a few hundred
// nanoseconds, come just before and are not included — and done is the end
// of the signal's last action, after enqueued instructions and all but the
// last state merge. The due time travels in the signal's data (a 16-byte
// header in its "payload" binary), so it survives the copy the runtime
// makes with ZeroCopy off. For queries, response is due → return and service is call → return.
// Each agent records into its own HdrHistograms on its own goroutine; they
// are read and merged only after agent.Stop, which drains every accepted
// message. The burst's drain time (t0 → last done) complements its service
// time with the full per-signal cost.
//
// # Accounting
//
// sent = delivered + errored must hold exactly, per kind and in total, after
// the agents have drained: delivered means the agent ran the signal's
// actions (counted by the recorders), errored that the mailbox refused it
// (agent.ErrMailboxFull from Cast, CastBatch or a bus delivery: counted,
// never retried). The agents' own counters (processed, rejected) must agree
// with the recorders' and the generator's; any mismatch fails the run.
//
// # Memory
//
// The live heap (/gc/heap/live:bytes) is sampled about 200 times over the
// schedule; see TrendSkip and the constants beside it in heap.go for the
// rule that calls memory stable.
package load
