package monitor

import (
	"fmt"
	"slices"

	"github.com/perfbench/perfbench/numfmt"
)

// Event kinds.
const (
	EventAlert = "alert"
	EventClear = "clear"
)

// hysteresis turns per-interval breaches into alerts: an alert fires after
// fireAfter breaching intervals in a row and clears after clearAfter good
// ones in a row. An interval without a value for the metric (NaN) leaves
// its streak as it is.
type hysteresis struct {
	thresholds []Threshold
	fireAfter  int
	clearAfter int
	streak     map[Metric]int // +n: n breaches in a row; −n: n good in a row
	firing     map[Metric]bool
}

func newHysteresis(ts []Threshold, fireAfter, clearAfter int) *hysteresis {
	return &hysteresis{thresholds: ts, fireAfter: fireAfter, clearAfter: clearAfter,
		streak: map[Metric]int{}, firing: map[Metric]bool{}}
}

// restore continues from a previous run's last record.
func (h *hysteresis) restore(r Record) {
	for _, t := range h.thresholds {
		if n, ok := r.Streaks[t.Metric]; ok {
			h.streak[t.Metric] = n
		}
		h.firing[t.Metric] = slices.Contains(r.Firing, t.Metric)
	}
}

// observe judges one interval, fills its Breaches, Streaks, Firing and
// Events, and returns the events.
func (h *hysteresis) observe(r *Record) []Event {
	var events []Event
	r.Streaks = map[Metric]int{}
	for _, t := range h.thresholds {
		v := value(*r, t.Metric)
		n := h.streak[t.Metric]
		switch {
		case isNaN(v):
		case t.Breached(v):
			r.Breaches = append(r.Breaches, t.Metric)
			n = max(n, 0) + 1
		default:
			n = min(n, 0) - 1
		}
		h.streak[t.Metric] = n
		r.Streaks[t.Metric] = n
		switch {
		case !h.firing[t.Metric] && n >= h.fireAfter:
			h.firing[t.Metric] = true
			events = append(events, newEvent(EventAlert, *r, t, v, n))
		case h.firing[t.Metric] && -n >= h.clearAfter:
			h.firing[t.Metric] = false
			events = append(events, newEvent(EventClear, *r, t, v, -n))
		}
		if h.firing[t.Metric] {
			r.Firing = append(r.Firing, t.Metric)
		}
	}
	r.Events = events
	return events
}

func newEvent(kind string, r Record, t Threshold, v float64, n int) Event {
	info, _ := lookupMetric(string(t.Metric))
	val, thr := numfmt.Value(display(info, v), info.unit), numfmt.Value(display(info, t.Value), info.unit)
	msg := fmt.Sprintf("%s %s %s %s for %d intervals", t.Metric, val, t.Op(), thr, n)
	if kind == EventClear {
		msg = fmt.Sprintf("%s back within %s (%s) for %d intervals", t.Metric, thr, val, n)
	}
	return Event{Time: r.Time, Kind: kind, Metric: t.Metric, Value: v, Threshold: t.Value, Op: t.Op(),
		Intervals: n, Seq: r.Seq, Workload: r.Workload, Features: r.Features, Message: msg}
}

// display scales a base-unit value to what its unit prints: fractions as
// percentages.
func display(info metricInfo, v float64) float64 {
	if info.unit == "%" {
		return v * 100
	}
	return v
}

func isNaN(v float64) bool { return v != v }
