// Package stats is where perfbench decides what its numbers mean: the metric
// model (name, which way is better, noise band, gate tolerance), the two
// sides of a comparison, per-side medians with confidence intervals and the
// comparison rules built on golang.org/x/perf/benchmath. It neither measures
// nor prints; measure feeds it samples and report renders what it returns.
package stats

import "fmt"

// Side is one half of an off/on comparison. It reads and writes as "off"
// and "on" in every file, table and flag.
type Side int

// The two sides, in the order every round, table and file lists them.
const (
	Off Side = iota
	On
)

// Sides lists both sides in order.
func Sides() []Side { return []Side{Off, On} }

func (s Side) String() string {
	if s == On {
		return "on"
	}
	return "off"
}

// MarshalText writes "off" or "on".
func (s Side) MarshalText() ([]byte, error) {
	if s != Off && s != On {
		return nil, fmt.Errorf("stats: invalid side %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads "off" or "on".
func (s *Side) UnmarshalText(b []byte) error {
	switch string(b) {
	case "off":
		*s = Off
	case "on":
		*s = On
	default:
		return fmt.Errorf("stats: invalid side %q (valid: off, on)", b)
	}
	return nil
}

// Direction says which way a metric improves.
type Direction int

const (
	LowerIsBetter Direction = iota
	HigherIsBetter
)

// String gives the benchfmt spelling ("lower", "higher") so that JSON,
// bench.txt and the tables all use the same words.
func (d Direction) String() string {
	if d == HigherIsBetter {
		return "higher"
	}
	return "lower"
}

// MarshalText makes results.json say "better": "lower" instead of a bare 0
// that a reader would have to look up.
func (d Direction) MarshalText() ([]byte, error) {
	if d != LowerIsBetter && d != HigherIsBetter {
		return nil, fmt.Errorf("stats: invalid direction %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads a baseline results.json back.
func (d *Direction) UnmarshalText(b []byte) error {
	switch string(b) {
	case "lower":
		*d = LowerIsBetter
	case "higher":
		*d = HigherIsBetter
	default:
		return fmt.Errorf("stats: invalid direction %q (valid: lower, higher)", b)
	}
	return nil
}

// Metric describes one measured quantity.
type Metric struct {
	Name   string    `json:"name"`   // e.g. "ns/op", "B/op", "cache-hit-%"
	Better Direction `json:"better"` // which way is an improvement
	// Noise is the relative change (e.g. 0.02 for 2 %) below which a
	// significant difference is still reported as "~".
	Noise float64 `json:"noise"`
	// Gate and Tolerance say how far the baseline regression gate lets the
	// metric move the worse way between sessions: beside the noise band
	// because both are what the metric's owner knows about it. Neither is
	// stored in results: the code that declares the metric is authoritative.
	Gate      GateClass `json:"-"`
	Tolerance float64   `json:"-"` // for FixedGate: a fraction, 0.02 is 2 %
	// Floor is the metric's resolution, in its own unit: a change of the
	// medians smaller than this is reported as "~" however significant.
	// Relative bands fail near zero: with JIT on, route-match allocates
	// under 1 B/op, all of it per-round fixed cost spread over the round,
	// and an A/A compare of two identical builds saw it move 4 %.
	Floor float64 `json:"-"`
	// Count marks a count of events per operation (GC cycles, failures,
	// retries): each round's value times its operations is a whole number,
	// often a small one, so round-by-round ratios take a few values only
	// and their CI collapses. A count is judged on its totals with a rate
	// test instead (CompareCounts).
	Count bool `json:"-"`
}

// GateClass says which tolerance the regression gate applies to a metric.
type GateClass int

const (
	// TimeGate follows the time tolerance (baseline check --tolerance): time
	// moves between sessions by tens of percent on shared machines. It is the
	// zero value, so a metric that says nothing is gated like time.
	TimeGate GateClass = iota
	// AllocGate follows the allocation tolerance (--alloc-tolerance):
	// allocation counts hardly move between runs of the same code.
	AllocGate
	// FixedGate uses the metric's own Tolerance whatever the flags.
	FixedGate
	// Ungated metrics depend on scheduling, sampling or GC pacing more than
	// on the code: shown, never a regression.
	Ungated
)

// Summary is the centre and 95 % confidence interval of one sample.
type Summary struct {
	N      int     `json:"n"`
	Center float64 `json:"center"` // median
	Lo     float64 `json:"lo"`     // CI low; equals Center when N is too small for a CI
	Hi     float64 `json:"hi"`
	HasCI  bool    `json:"has_ci"`
	// Confidence is the level the CI actually reaches: order statistics
	// only hit certain levels, so it is >= 0.95 (0.978 for N=10).
	Confidence float64  `json:"confidence,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	// AllZero says every sample was exactly 0 (none dropped): the
	// measured code never did what the metric counts. A summary decoded
	// from a file that lacks it reads false, so nothing is hidden.
	AllZero bool `json:"all_zero,omitempty"`
}

// Change classifies a comparison.
type Change string

const (
	Better  Change = "better"
	Worse   Change = "worse"
	NoDiff  Change = "~"
	Unknown Change = "?" // too few samples to test, or to bound the change with a CI
)

// Comparison is one metric measured on both sides.
type Comparison struct {
	Metric   Metric  `json:"metric"`
	Off      Summary `json:"off"`
	On       Summary `json:"on"`
	DeltaPct float64 `json:"delta_pct"` // (on-off)/|off|*100 of the medians; 0 when off is 0 (see Note)
	// DeltaLoPct and DeltaHiPct bound the change conservatively, as a
	// percentage of the off median: [on.Lo-off.Hi, on.Hi-off.Lo]. They equal
	// DeltaPct when either side has no CI or the off median is 0.
	DeltaLoPct float64 `json:"delta_lo_pct"`
	DeltaHiPct float64 `json:"delta_hi_pct"`
	P          float64 `json:"p"` // Mann-Whitney U p-value, the Wilcoxon signed-rank p-value when Paired, the rate test's when Counts; 1 when untestable
	// Paired is the round-by-round view (ComparePaired); when set, the
	// change was judged on it and DeltaPct, DeltaLoPct and DeltaHiPct are
	// its median ratio and CI.
	Paired *Paired `json:"paired,omitempty"`
	// Counts is the rate test of a count metric (CompareCounts); when set,
	// the change was judged on it, and DeltaPct, DeltaLoPct and DeltaHiPct
	// are its rate ratio and CI, P its p-value.
	Counts *CountTest `json:"counts,omitempty"`
	Change Change     `json:"change"`
	Note   string     `json:"note,omitempty"` // why "~" or "?" when it is not obvious
}
