package load

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/perfbench/perfbench/runtime/features"
)

// Scenario names one load shape from the plan.
type Scenario string

// The plan's scenarios.
const (
	// Burst: BurstSize signals all due at the same instant t0.
	Burst Scenario = "burst"
	// Sustained: signal i due at start + i/rate, for the run's duration.
	Sustained Scenario = "sustained"
	// Mixed: the blend of casts, state queries and bus publishes described
	// by Blend, operation i due at start + i/rate.
	Mixed Scenario = "mixed"
)

// Scenarios lists the valid scenario names in the order help text shows.
func Scenarios() []Scenario { return []Scenario{Burst, Sustained, Mixed} }

func scenarioNames() string {
	var s []string
	for _, x := range Scenarios() {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// ParseScenario reads a --scenario value; the error names the valid ones.
func ParseScenario(s string) (Scenario, error) {
	for _, x := range Scenarios() {
		if string(x) == strings.ToLower(strings.TrimSpace(s)) {
			return x, nil
		}
	}
	if s == "" {
		return "", fmt.Errorf("missing scenario (valid: %s)", scenarioNames())
	}
	return "", fmt.Errorf("unknown scenario %q (valid: %s)", s, scenarioNames())
}

// The plan's figures, used when a Config leaves them zero.
const (
	BurstSize       = 10000            // signals due at once in a burst
	SustainedRate   = 1000.0           // signals per second, sustained
	MixedRate       = 1000.0           // operations per second, mixed
	DefaultDuration = 60 * time.Second // sustained and mixed
	DefaultAgents   = 4
	MaxAgents       = 64
	// MaxOps bounds the operations of one run (rate × duration × multiplier),
	// so a typo cannot ask for a run that never ends or exhausts memory.
	MaxOps = 1 << 30
	// MaxDuration bounds a sustained or mixed schedule.
	MaxDuration = time.Hour
	// MaxMultiplier bounds the traffic multiplier (a burst is bounded
	// further by MaxBurst).
	MaxMultiplier = 1000
	// MaxMailbox bounds an agent's mailbox, and with it what a run that
	// outpaces its agents can hold in queues.
	MaxMailbox = 1 << 20
	// MaxBurstBytes is the memory a burst may take. Every signal of a burst
	// is built before t0, so that its figures are the hand-over and the
	// processing, not the construction; they are all alive at once.
	MaxBurstBytes = 1 << 30
	// BurstSignalBytes is what one built burst signal costs: the signal, its
	// id, its data (a one-entry map holding the 64 B payload, built by the
	// generator and copied by signal.New: 1000 B in all, measured by
	// TestBurstSignalBytes) and its slot in the per-agent list, rounded up.
	BurstSignalBytes = 1088
	// MaxBurst is the largest burst, in signals, that fits MaxBurstBytes.
	MaxBurst = MaxBurstBytes / BurstSignalBytes
)

// Stall makes agent 0 sleep For while handling its At-th measured signal
// (1-based), once. It is fault injection for tests and demonstrations of
// the coordinated-omission correction; the CLI never sets it.
type Stall struct {
	At  int64
	For time.Duration
}

// Config is one load run. Zero fields take the plan's defaults (Normalize).
type Config struct {
	Scenario Scenario
	// Rate is operations per second before Multiplier (sustained, mixed;
	// 0 = the scenario's default). Burst has no rate.
	Rate float64
	// Duration of the schedule (sustained, mixed; 0 = DefaultDuration).
	Duration time.Duration
	// Multiplier scales the traffic: rate × K, or a burst K times as large.
	Multiplier int
	// Agents is the number of agent servers the load is spread over.
	Agents int
	// Features is the runtime's switchboard for this run.
	Features features.Set
	// MailboxSize per agent; 0 = the runtime's default (10 000).
	MailboxSize int
	// ClosedLoop (sustained only) makes the generator wait for each signal
	// to be processed (a Call) before sending the next, the way a naive
	// benchmark does. Latency from due time is still recorded; the
	// closed-loop view, from actual send to reply, goes to Result.ClosedLoop.
	// For comparison only: it is how coordinated omission hides stalls.
	ClosedLoop bool
	// Stall injects one stall into the receiving side; zero means none.
	Stall Stall
}

// Normalize fills defaults and validates. Errors name the valid values.
func (c Config) Normalize() (Config, error) {
	sc, err := ParseScenario(string(c.Scenario))
	if err != nil {
		return c, err
	}
	c.Scenario = sc
	if c.Multiplier == 0 {
		c.Multiplier = 1
	}
	if c.Multiplier < 1 {
		return c, fmt.Errorf("invalid multiplier %d: want an integer ≥ 1", c.Multiplier)
	}
	if c.Agents == 0 {
		c.Agents = DefaultAgents
	}
	if c.Agents < 1 || c.Agents > MaxAgents {
		return c, fmt.Errorf("invalid agents %d: want 1 to %d", c.Agents, MaxAgents)
	}
	if c.MailboxSize < 0 || c.MailboxSize > MaxMailbox {
		return c, fmt.Errorf("invalid mailbox size %d: want 0 to %d (0 = runtime default)", c.MailboxSize, MaxMailbox)
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return c, fmt.Errorf("invalid rate %g: want a positive number of operations per second", c.Rate)
	}
	if c.Duration < 0 || c.Duration > MaxDuration {
		return c, fmt.Errorf("invalid duration %s: want a positive duration of at most %s", c.Duration, MaxDuration)
	}
	if c.Stall.At < 0 || c.Stall.For < 0 {
		return c, fmt.Errorf("invalid stall %+v", c.Stall)
	}
	switch c.Scenario {
	case Burst:
		if c.Rate != 0 || c.Duration != 0 {
			return c, fmt.Errorf("burst takes no rate or duration: all %d signals are due at once (scale it with the multiplier)", BurstSize)
		}
		if c.ClosedLoop {
			return c, fmt.Errorf("closed loop applies to sustained only")
		}
		if n := c.Ops(); n > MaxBurst {
			return c, fmt.Errorf("a burst of %d signals (%d × multiplier %d) is more than the limit of %d (multiplier at most %d): "+
				"a burst is built in memory before t0, about %d B a signal, and the limit keeps it within %d MiB",
				n, BurstSize, c.Multiplier, MaxBurst, MaxBurst/BurstSize, BurstSignalBytes, MaxBurstBytes>>20)
		}
	case Sustained, Mixed:
		if c.Rate == 0 {
			c.Rate = SustainedRate
			if c.Scenario == Mixed {
				c.Rate = MixedRate
			}
		}
		if c.Duration == 0 {
			c.Duration = DefaultDuration
		}
		if c.ClosedLoop && c.Scenario != Sustained {
			return c, fmt.Errorf("closed loop applies to sustained only")
		}
		if c.Multiplier > MaxMultiplier {
			return c, fmt.Errorf("invalid multiplier %d: want an integer from 1 to %d", c.Multiplier, MaxMultiplier)
		}
	}
	if n := c.OpsFloat(); n < 1 {
		return c, fmt.Errorf("rate %g/s × multiplier %d × duration %s schedules no operation: raise the rate or the duration", c.Rate, c.Multiplier, c.Duration)
	} else if n > MaxOps {
		return c, fmt.Errorf("rate × multiplier × duration schedules %.3g operations, more than the limit of %d: lower one of them", n, MaxOps)
	}
	return c, nil
}

// EffectiveRate is the requested rate after the multiplier (operations per
// second); 0 for a burst.
func (c Config) EffectiveRate() float64 {
	if c.Scenario == Burst {
		return 0
	}
	return c.Rate * float64(c.Multiplier)
}

// OpsFloat is the number of operations the schedule holds, unrounded.
func (c Config) OpsFloat() float64 {
	if c.Scenario == Burst {
		return float64(BurstSize) * float64(c.Multiplier)
	}
	return c.EffectiveRate() * c.Duration.Seconds()
}

// Ops is the number of operations the schedule holds.
func (c Config) Ops() int64 { return int64(math.Round(c.OpsFloat())) }

// dueNs is when operation i is due, in nanoseconds from the start.
func (c Config) dueNs(i int64) int64 {
	if c.Scenario == Burst {
		return 0
	}
	return int64(float64(i) * 1e9 / c.EffectiveRate())
}

// span is the time the schedule covers: n/rate (0 for a burst).
func (c Config) span() time.Duration {
	if c.Scenario == Burst {
		return 0
	}
	return time.Duration(float64(c.Ops()) / c.EffectiveRate() * 1e9)
}
