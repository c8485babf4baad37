package monitor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

// Metric names one figure of an interval that a threshold can bound; it is
// the history's own type, so a record's metrics need no conversion.
type Metric = results.MonitorMetric

// The metrics a threshold can name.
const (
	P50        Metric = "p50"        // probe latency, median (due → done)
	P99        Metric = "p99"        // probe latency, 99th percentile
	Throughput Metric = "throughput" // workload operations completed per second
	ErrorRate  Metric = "error-rate" // (errored + missed) / scheduled probe operations
	HeapSlope  Metric = "heap-slope" // least-squares slope of the live heap over the window, bytes/s
	GCCPU      Metric = "gc-cpu"     // GC CPU fraction of the interval
)

// metricInfo says how a metric's values read and which way is bad.
type metricInfo struct {
	name  Metric
	unit  string // for report.FormatValue
	below bool   // a breach is a value below the threshold (throughput)
	doc   string // what a value looks like, for error messages
}

var metricInfos = []metricInfo{
	{P50, "s", false, "a duration such as 500us or 5ms"},
	{P99, "s", false, "a duration such as 1ms"},
	{Throughput, "ops/s", true, "operations per second such as 900, 900/s or 1.5k"},
	{ErrorRate, "%", false, "a percentage such as 0.1% (or a fraction such as 0.001)"},
	{HeapSlope, "B/s", false, "bytes per second such as 100KB, 1MB/s or 2MiB"},
	{GCCPU, "%", false, "a percentage such as 10% (or a fraction such as 0.1)"},
}

// Metrics lists the metric names in the order tables show them.
func Metrics() []Metric {
	out := make([]Metric, len(metricInfos))
	for i, m := range metricInfos {
		out[i] = m.name
	}
	return out
}

func metricNames() string {
	var s []string
	for _, m := range metricInfos {
		s = append(s, string(m.name))
	}
	return strings.Join(s, ", ")
}

func lookupMetric(name string) (metricInfo, error) {
	for _, m := range metricInfos {
		if string(m.name) == name {
			return m, nil
		}
	}
	return metricInfo{}, fmt.Errorf("unknown metric %q (valid: %s)", name, metricNames())
}

// Threshold bounds one metric. Values are in base units: seconds, operations
// per second, fractions (0.001 = 0.1 %), bytes per second.
type Threshold struct {
	Metric Metric  `json:"metric"`
	Value  float64 `json:"value"`
	// Source says where it came from: "flag", "default" or the baseline file.
	Source string `json:"source"`
}

// Breached reports whether v is on the wrong side of the threshold. NaN (no
// data in the interval) is never a breach.
func (t Threshold) Breached(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if t.below() {
		return v < t.Value
	}
	return v > t.Value
}

func (t Threshold) below() bool {
	m, _ := lookupMetric(string(t.Metric))
	return m.below
}

// Op is the comparison that breaches: ">" or "<".
func (t Threshold) Op() string {
	if t.below() {
		return "<"
	}
	return ">"
}

// ParseThreshold reads METRIC=VALUE, e.g. p99=1ms, throughput=900/s,
// error-rate=0.1%, heap-slope=1MB/s, gc-cpu=10%. Errors name the valid
// metrics or the expected form of the value.
func ParseThreshold(s string) (Threshold, error) {
	name, val, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return Threshold{}, fmt.Errorf("invalid threshold %q: want METRIC=VALUE, METRIC one of %s", s, metricNames())
	}
	m, err := lookupMetric(strings.TrimSpace(name))
	if err != nil {
		return Threshold{}, fmt.Errorf("invalid threshold %q: %w", s, err)
	}
	v, err := parseValue(m, strings.TrimSpace(val))
	if err != nil {
		return Threshold{}, fmt.Errorf("invalid threshold %q: want %s for %s", s, m.doc, m.name)
	}
	return Threshold{Metric: m.name, Value: v, Source: "flag"}, nil
}

func parseValue(m metricInfo, s string) (float64, error) {
	var v float64
	var err error
	switch m.name {
	case P50, P99:
		var d time.Duration
		if d, err = time.ParseDuration(s); err == nil && d <= 0 {
			err = fmt.Errorf("not positive")
		}
		v = d.Seconds()
	case Throughput:
		v, err = openloop.ParseRate(s)
	case ErrorRate, GCCPU:
		v, err = parseFraction(s)
	case HeapSlope:
		v, err = parseBytes(strings.TrimSuffix(s, "/s"))
	}
	if err != nil {
		return 0, err
	}
	return v, nil
}

// parseFraction reads "10%" as 0.1 and "0.1" as 0.1; 0 to 100 %.
func parseFraction(s string) (float64, error) {
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	v *= scale
	if !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("out of range")
	}
	return v, nil
}

var byteUnits = []struct {
	suffix string
	factor float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"kB", 1e3}, {"B", 1},
}

// parseBytes reads a byte count with an optional unit: B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func parseBytes(s string) (float64, error) {
	factor := 1.0
	for _, u := range byteUnits {
		if t, ok := strings.CutSuffix(s, u.suffix); ok {
			s, factor = strings.TrimSpace(t), u.factor
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v < 0 {
		return 0, fmt.Errorf("invalid byte count")
	}
	return v * factor, nil
}

// BaselineSlack widens what a baseline yields. A baseline's ns/op comes from
// long loops of operations on a machine at another time, while a probe
// operation is a batch plus a barrier (a call to every agent), measured on
// the monitored machine now; absolute times move by tens of percent between
// sessions here (see DESIGN.md). A probe whose median is three times the
// baseline's cost has degraded beyond that noise.
const BaselineSlack = 3.0

// FromBaseline derives thresholds from a baseline file: the side of the run
// of workload whose features are the monitor's gives ns/op, and the p50
// threshold is ns/op × batch × BaselineSlack. A baseline holds per-round
// means, not tails, so it yields no p99; nor does it hold the rest. The
// error names the runs the file has when none matches.
func FromBaseline(path, workload, features string, batch int) ([]Threshold, error) {
	f, err := baseline.Load(path)
	if err != nil {
		return nil, err
	}
	var have []string
	for _, r := range f.Runs {
		if r.Workload != workload {
			continue
		}
		have = append(have, fmt.Sprintf("%s (off %s, on %s)", r.ID, r.Off, r.On))
		for _, side := range stats.Sides() {
			sideFeatures := r.Off
			if side == stats.On {
				sideFeatures = r.On
			}
			if sideFeatures != features {
				continue
			}
			for _, m := range r.Metrics {
				if m.Name != measure.NsPerOp {
					continue
				}
				ns := m.Side(side).Summary.Center
				if !(ns > 0) {
					return nil, fmt.Errorf("baseline %s: run %s side %s has no usable %s", path, r.ID, side, measure.NsPerOp)
				}
				return []Threshold{{Metric: P50, Value: ns * 1e-9 * float64(batch) * BaselineSlack,
					Source: fmt.Sprintf("%s (%s %s: %s × %d ops × %g)", path, r.ID, side, fmtSeconds(ns*1e-9), batch, BaselineSlack)}}, nil
			}
		}
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("baseline %s has no run of workload %s", path, workload)
	}
	return nil, fmt.Errorf("baseline %s has no side of workload %s with features %s (it has: %s)", path, workload, features, strings.Join(have, "; "))
}

func fmtSeconds(s float64) string { return time.Duration(s * 1e9).String() }
