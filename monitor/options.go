package monitor

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Defaults and bounds of every knob.
const (
	DefaultInterval   = 10 * time.Second
	MinInterval       = 50 * time.Millisecond
	MaxInterval       = time.Hour
	DefaultWorkload   = "mixed"
	DefaultRate       = 10.0 // probe operations per second
	MaxRate           = 1000.0
	DefaultBatch      = 20 // workload operations per probe operation: one whole mixed blend
	MaxBatch          = 1000
	DefaultAfter      = 3
	MaxAfter          = 100
	DefaultListen     = "127.0.0.1:9464"
	DefaultKeep       = 10
	MaxKeep           = 1000
	DefaultCaptureCPU = 3 * time.Second
	MinCaptureCPU     = 100 * time.Millisecond
	MaxCaptureCPU     = time.Minute
	DefaultWindow     = 30 // intervals
	MinWindow         = 3
	MaxWindow         = 10000
	DefaultHistoryMax = 16 << 20
	MinHistoryMax     = 64 << 10
	MaxHistoryMax     = 256 << 20
	MaxFor            = 30 * 24 * time.Hour
	// DefaultThroughputShare: with no throughput threshold given, the probe
	// alerts when it delivers less than this share of what it scheduled.
	DefaultThroughputShare = 0.9
)

// AllOpt is the --opt value that switches every optimization on.
const AllOpt = "all"

// Options is one monitor command. Every field is taken as given, zero
// included: the flags carry the defaults (the Default constants), so a
// value the user typed is never replaced by one. Only HistoryMax, which no
// flag sets, takes DefaultHistoryMax when zero.
type Options struct {
	// Summary, if set, is a history file to print (the last hour, in
	// Format) instead of monitoring; the other fields are then unused.
	Summary string
	Format  string // text (""), markdown or json, for Summary

	Workload string   // a workload of Catalog
	Opts     []string // toggles of Catalog switched on, AllOpt for every one (default: all off)
	// Catalog is the toggle and workload table the names above are looked
	// up in.
	Catalog catalog.Catalog

	Interval time.Duration
	Rate     float64 // probe operations per second
	Batch    int     // workload operations per probe operation

	Thresholds []string // METRIC=VALUE, see ParseThreshold
	Baseline   string   // baseline file to derive thresholds from
	AlertAfter int      // breaching intervals in a row before an alert fires
	ClearAfter int      // good intervals in a row before it clears

	Listen  string // HOST:PORT for /metrics, /healthz, /debug/pprof/; "off" = none
	Webhook string // URL to POST alert events to; "" = none

	For        time.Duration // 0: until ctx ends; else For/Interval intervals
	Dir        string        // history and captures go to Dir/monitor
	Keep       int           // captures kept
	CaptureCPU time.Duration // length of a capture's CPU profile
	Window     int           // intervals in the rolling window (heap slope, restart)
	HistoryMax int64         // bytes of history.jsonl before it rotates

	// Stderr receives one JSON line per event (start, alert, clear,
	// capture, webhook, stop); nil: none.
	Stderr io.Writer
	// OnInterval, if set, is called on the probe's goroutine after each
	// interval is recorded, between two probe operations.
	OnInterval func(Record)
}

// settings are validated Options.
type settings struct {
	Options
	workload   workloads.Workload
	features   features.Set
	thresholds []Threshold
	root       string // Dir/monitor
}

// Validate reports bad input (cmderr.BadInput) naming what is valid. It
// binds nothing and writes nothing.
func (o Options) Validate() error {
	if o.Summary != "" {
		_, err := o.format()
		return err
	}
	_, err := o.validate()
	return err
}

func (o Options) format() (report.Format, error) {
	if o.Format == "" {
		return report.Text, nil
	}
	f, err := report.ParseFormat(o.Format)
	if err != nil {
		return f, cmderr.BadInput(err)
	}
	return f, nil
}

func (o Options) validate() (settings, error) {
	s := settings{Options: o}
	if s.HistoryMax == 0 {
		s.HistoryMax = DefaultHistoryMax
	}
	if _, err := o.format(); err != nil {
		return s, err
	}
	w, err := s.Catalog.Workload(s.Workload)
	if err != nil {
		return s, cmderr.BadInputf("--workload: %v", err)
	}
	s.workload = w
	if slices.Contains(s.Opts, AllOpt) {
		if len(s.Opts) > 1 {
			return s, cmderr.BadInputf("--opt %s switches every optimization on: give it alone, not with %q", AllOpt, s.Opts)
		}
		s.features = s.Catalog.AllOn()
	}
	for _, name := range slices.DeleteFunc(slices.Clone(s.Opts), func(n string) bool { return n == AllOpt }) {
		t, err := s.Catalog.Toggle(name)
		if err != nil {
			return s, cmderr.BadInputf("--opt: %v", err)
		}
		s.features = t.Apply(s.features, true)
	}
	if s.Interval < MinInterval || s.Interval > MaxInterval {
		return s, cmderr.BadInputf("invalid --interval %s: want %s to %s", s.Interval, MinInterval, MaxInterval)
	}
	if !(s.Rate > 0 && s.Rate <= MaxRate) {
		return s, cmderr.BadInputf("invalid --rate %g: want 0 < rate ≤ %g probe operations per second", s.Rate, MaxRate)
	}
	if s.Rate*s.Interval.Seconds() < 1 {
		return s, cmderr.BadInputf("--rate %g/s schedules no probe operation in an --interval of %s: raise one of them", s.Rate, s.Interval)
	}
	if s.Batch < 1 || s.Batch > MaxBatch {
		return s, cmderr.BadInputf("invalid --batch %d: want 1 to %d workload operations per probe operation", s.Batch, MaxBatch)
	}
	for _, k := range []struct {
		flag string
		v    int
	}{{"--alert-after", s.AlertAfter}, {"--clear-after", s.ClearAfter}} {
		if k.v < 1 || k.v > MaxAfter {
			return s, cmderr.BadInputf("invalid %s %d: want 1 to %d intervals", k.flag, k.v, MaxAfter)
		}
	}
	if s.Listen == "" {
		return s, cmderr.BadInputf("missing --listen: want HOST:PORT (e.g. %s) or off", DefaultListen)
	}
	if s.Webhook != "" {
		u, err := url.Parse(s.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return s, cmderr.BadInputf("invalid --webhook %q: want an http:// or https:// URL", s.Webhook)
		}
	}
	if s.For < 0 || s.For > MaxFor || (s.For > 0 && s.For < s.Interval) {
		return s, cmderr.BadInputf("invalid --for %s: want 0 (until interrupted) or %s (one interval) to %s", s.For, s.Interval, MaxFor)
	}
	if s.Dir == "" {
		return s, cmderr.BadInputf("missing --out directory")
	}
	s.root = filepath.Join(s.Dir, "monitor")
	if s.Keep < 1 || s.Keep > MaxKeep {
		return s, cmderr.BadInputf("invalid --keep %d: want 1 to %d captures", s.Keep, MaxKeep)
	}
	if s.CaptureCPU < MinCaptureCPU || s.CaptureCPU > MaxCaptureCPU {
		return s, cmderr.BadInputf("invalid --capture-cpu %s: want %s to %s", s.CaptureCPU, MinCaptureCPU, MaxCaptureCPU)
	}
	if s.Window < MinWindow || s.Window > MaxWindow {
		return s, cmderr.BadInputf("invalid --window %d: want %d to %d intervals", s.Window, MinWindow, MaxWindow)
	}
	if s.HistoryMax < MinHistoryMax || s.HistoryMax > MaxHistoryMax {
		return s, cmderr.BadInputf("invalid history size %d: want %d to %d bytes", s.HistoryMax, MinHistoryMax, MaxHistoryMax)
	}
	if s.Stderr == nil {
		s.Stderr = io.Discard
	}
	return s, s.resolveThresholds()
}

// resolveThresholds: the defaults, then what the baseline yields, then the
// flags; a later source replaces an earlier one for the same metric.
func (s *settings) resolveThresholds() error {
	byMetric := map[Metric]Threshold{
		ErrorRate:  {Metric: ErrorRate, Value: toggles.Load().ErrorRate, Source: "default (the load error-rate target)"},
		Throughput: {Metric: Throughput, Value: DefaultThroughputShare * s.Rate * float64(s.Batch), Source: fmt.Sprintf("default (%g %% of the probe's schedule)", DefaultThroughputShare*100)},
	}
	if s.Baseline != "" {
		ts, err := FromBaseline(s.Baseline, s.workload.Name, s.features.String(), s.Batch)
		if err != nil {
			return cmderr.BadInputf("--baseline: %w", err)
		}
		for _, t := range ts {
			byMetric[t.Metric] = t
		}
	}
	for _, arg := range s.Options.Thresholds {
		t, err := ParseThreshold(arg)
		if err != nil {
			return cmderr.BadInputf("--threshold: %w", err)
		}
		byMetric[t.Metric] = t
	}
	for _, m := range Metrics() {
		if t, ok := byMetric[m]; ok {
			s.thresholds = append(s.thresholds, t)
		}
	}
	return nil
}
