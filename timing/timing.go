// Package timing records where a run's time goes: calibration, the
// measured rounds, each profiling pass (per kind and side), the diff of
// the profiles and the writing of the report. A run carries its record
// (Record) in results.json and in its summary, and --trace-time prints it,
// so that the time of a suite can be taken apart before anyone tries to
// shorten it. It imports nothing of the workbench, so that every layer,
// results included, can hold a Record.
package timing

import (
	"fmt"
	"strings"
	"time"
)

// Phase names the engine's phases as Recorder keys them.
const (
	Calibrate = "calibrate"
	Rounds    = "rounds"
	Diff      = "diff"
	Report    = "report"
	// ProfilePrefix starts the name of a profiling pass: "profile cpu".
	ProfilePrefix = "profile "
)

// Span is the total time of one phase on one side ("" for a phase that
// belongs to neither, such as the diff).
type Span struct {
	Phase   string  `json:"phase"`
	Side    string  `json:"side,omitempty"`
	Seconds float64 `json:"s"`
}

// Breakdown is a run's spans in the order their phases first began.
type Breakdown struct {
	Phases []Span `json:"phases"`
}

// Record is what one run records about its time and its rounds. It is
// embedded in a run's results.json record, so its fields sit beside the
// run's own.
type Record struct {
	// RoundsUsed is the number of measured rounds per side the verdicts
	// rest on: the planned rounds, or fewer when a budget stopped the run.
	RoundsUsed int `json:"rounds_used"`
	// Budget is the run's share of --max-time ("" without one).
	Budget string `json:"budget,omitempty"`
	// Stopped says why a run ended before its planned rounds ("" when it
	// did not): "budget reached after N rounds".
	Stopped string    `json:"stopped,omitempty"`
	Time    Breakdown `json:"time"`
}

// Of sums the seconds of every span whose phase is phase, or starts with
// it when phase ends in a space (ProfilePrefix: every profiling pass).
func (b Breakdown) Of(phase string) float64 {
	var s float64
	for _, x := range b.Phases {
		if x.Phase == phase || strings.HasSuffix(phase, " ") && strings.HasPrefix(x.Phase, phase) {
			s += x.Seconds
		}
	}
	return s
}

// Total is the sum of every span.
func (b Breakdown) Total() float64 {
	var s float64
	for _, x := range b.Phases {
		s += x.Seconds
	}
	return s
}

// Add appends d to the span of phase and side, creating it after the
// others when it is new.
func (b *Breakdown) Add(phase, side string, d time.Duration) {
	for i := range b.Phases {
		if b.Phases[i].Phase == phase && b.Phases[i].Side == side {
			b.Phases[i].Seconds += d.Seconds()
			return
		}
	}
	b.Phases = append(b.Phases, Span{Phase: phase, Side: side, Seconds: d.Seconds()})
}

// Merge adds every span of o to b.
func (b *Breakdown) Merge(o Breakdown) {
	for _, x := range o.Phases {
		b.Add(x.Phase, x.Side, time.Duration(x.Seconds*float64(time.Second)))
	}
}

// Recorder times consecutive phases: each Mark ends the phase before it.
// It is fed from the engine's progress events, which mark the start of
// every calibration, round and profiling pass, so the engine needs no
// clock of its own for it. Not safe for concurrent use; the engine reports
// from one goroutine.
type Recorder struct {
	now         func() time.Time
	phase, side string
	start       time.Time
	open        bool
	b           Breakdown
}

// NewRecorder starts a recorder on the clock now (time.Now when nil).
func NewRecorder(now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{now: now}
}

// Mark ends the current phase and starts phase on side.
func (r *Recorder) Mark(phase, side string) {
	t := r.now()
	if r.open {
		r.b.Add(r.phase, r.side, t.Sub(r.start))
	}
	r.phase, r.side, r.start, r.open = phase, side, t, true
}

// Stop ends the current phase.
func (r *Recorder) Stop() {
	if r.open {
		r.b.Add(r.phase, r.side, r.now().Sub(r.start))
		r.open = false
	}
}

// Breakdown is what the recorder has timed so far (the open phase not
// included).
func (r *Recorder) Breakdown() Breakdown {
	return Breakdown{Phases: append([]Span(nil), r.b.Phases...)}
}

// TableHeader is the header of Row's cells: --trace-time's table.
var TableHeader = []string{"run", "rounds", "calibrate", "rounds", "profiles", "cpu", "mem", "wall", "block+mutex", "diff", "report", "total"}

// Row is one run's line of --trace-time's table: profiling passes summed
// over both sides, per kind (mem: the one pass heap and allocs share).
func Row(name string, r Record) []string {
	b := r.Time
	rounds := fmt.Sprint(r.RoundsUsed)
	if r.Stopped != "" {
		rounds += " (budget)"
	}
	return []string{
		name, rounds, Seconds(b.Of(Calibrate)), Seconds(b.Of(Rounds)), Seconds(b.Of(ProfilePrefix)),
		Seconds(b.Of(ProfilePrefix + "cpu")), Seconds(b.Of(ProfilePrefix+"heap") + b.Of(ProfilePrefix+"allocs")),
		Seconds(b.Of(ProfilePrefix + "wall")), Seconds(b.Of(ProfilePrefix+"block") + b.Of(ProfilePrefix+"mutex") + b.Of(ProfilePrefix+"block+mutex")),
		Seconds(b.Of(Diff)), Seconds(b.Of(Report)), Seconds(b.Total()),
	}
}

// Compact is a run's breakdown in one cell, for a summary's runs table.
// The report is left out until it has been timed.
func Compact(b Breakdown) string {
	s := fmt.Sprintf("cal %s, rounds %s, profiles %s, diff %s",
		Seconds(b.Of(Calibrate)), Seconds(b.Of(Rounds)), Seconds(b.Of(ProfilePrefix)), Seconds(b.Of(Diff)))
	if r := b.Of(Report); r > 0 {
		s += ", report " + Seconds(r)
	}
	return s
}

// Seconds formats s seconds to a tenth ("1.2s").
func Seconds(s float64) string { return fmt.Sprintf("%.1fs", s) }

// MaxBudget bounds --max-time: the full suite takes minutes, not hours.
const MaxBudget = time.Hour

// Request is the time flags of a command as the user gave them.
type Request struct {
	MaxTime    time.Duration // --max-time: the budget of the whole command (0: none)
	MaxTimeSet bool          // --max-time given, even as 0
	Trace      bool          // --trace-time: print the breakdown on stderr
}

// Budget checks --max-time: when given, a positive duration of at most
// MaxBudget. It returns the budget, 0 for none.
func (r Request) Budget() (time.Duration, error) {
	if !r.MaxTimeSet {
		return 0, nil
	}
	if r.MaxTime <= 0 || r.MaxTime > MaxBudget {
		return 0, fmt.Errorf("invalid --max-time %s: want a positive duration of at most %s, e.g. 20s or 3m (runs that reach their share end INCONCLUSIVE)", r.MaxTime, MaxBudget)
	}
	return r.MaxTime, nil
}

// Share is run i's part of the budget left, in proportion to the expected
// cost of the runs still to go (costs[i:]): a run that ends early leaves
// its saving to the runs after it, one that overruns takes it from them.
// left ≤ 0 gives 0.
func Share(left time.Duration, costs []time.Duration, i int) time.Duration {
	if left <= 0 {
		return 0
	}
	var sum time.Duration
	for _, c := range costs[i:] {
		sum += c
	}
	if sum <= 0 {
		return left / time.Duration(len(costs)-i)
	}
	return time.Duration(float64(left) * float64(costs[i]) / float64(sum))
}
