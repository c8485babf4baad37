// Package monitor watches a long-lived runtime the way continuous-profiling
// and Prometheus users expect: each interval an open-loop probe runs the
// named workload on one instance built at start, the Go runtime's metrics
// are read, every figure is judged against thresholds with hysteresis, an
// alert leaves profiles and a flight-recorder trace behind, and the whole
// history is appended to a JSON-lines file that a restart continues and
// that ReadHistory and Summarize render for `perfbench report`.
//
// # The probe
//
// Interval k covers [k·I, (k+1)·I) on the probe's clock (openloop.Pacer).
// It schedules rate·I probe operations, operation i due at k·I + i·I/n;
// one probe operation is Batch operations of the workload (its Run, which
// waits until the runtime has finished them). Latency counts from the due
// time, not from the send, so a slow operation charges the ones queued
// behind it (no coordinated omission). An operation still unsent when its
// interval ends is missed, not carried over: scheduled = sent + missed and
// sent = delivered + errored, always, and the error rate is
// (errored + failed + missed) / scheduled. Between operations the pacer
// sleeps, and spins for the last margin (about a millisecond) to send on
// time; that spin is part of what the monitor costs (Runtime.CPUCores).
//
// # Judging
//
// Each interval's p50, p99, throughput, error rate, GC CPU fraction and
// live-heap slope (least squares over the rolling window) is compared with
// its threshold, if it has one; an alert fires after AlertAfter breaching
// intervals in a row and clears after ClearAfter good ones. Alerts are JSON
// lines on stderr (every line the monitor writes there is a JSON object
// with an "event" field) and, optionally, webhook POSTs of the same JSON.
//
// # Evidence, history, restart
//
// When an alert fires, the flight recorder's window (the seconds before
// it) is taken at once, then a CPU profile of CaptureCPU, a heap profile
// after a GC and the goroutine profile follow; all go to a temporary
// directory that is renamed to DIR/monitor/<timestamp>/ only when whole,
// and the oldest captures beyond Keep are removed. Every interval is one
// line of DIR/monitor/history.jsonl (rotated to history.jsonl.1 at
// HistoryMax). A monitor started on a directory with a history continues
// its numbering, and its window and alert state when the last records are
// recent and of the same probe; a torn last line is cut. One monitor at a
// time owns a directory (a lock file).
package monitor
