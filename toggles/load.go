package toggles

import "time"

// LoadTargets are the targets every load run is judged against, whatever
// optimizations it runs with: they belong to the runtime as a whole, not to
// one toggle. The monitor's default error-rate threshold is the same figure.
type LoadTargets struct {
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	ErrorRate float64       `json:"error_rate"` // (refused + failed) / sent
	// Drain: a burst's last signal done this long after t0.
	Drain time.Duration `json:"burst_drain_ns"`
	// ThroughputTolerance: achieved throughput must reach this fraction of
	// the requested rate. The window closes when the last operation is done,
	// so even a system that keeps up exactly shows a hair below the rate.
	ThroughputTolerance float64 `json:"throughput_tolerance"`
	// LagAim is what the generator aims for (schedule lag p99); missing it
	// fails nothing, since latency counts from due time either way, but the
	// report says so.
	LagAim time.Duration `json:"lag_aim_ns"`
}

// Load returns the load targets.
func Load() LoadTargets {
	return LoadTargets{
		P50: 10 * time.Microsecond, P99: 100 * time.Microsecond, ErrorRate: 0.001,
		Drain: 50 * time.Millisecond, ThroughputTolerance: 0.99, LagAim: 50 * time.Microsecond,
	}
}
