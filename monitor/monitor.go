package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/trace"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

// HistoryFile is the history's name under DIR/monitor.
const HistoryFile = "history.jsonl"

// minSlopePoints is how many intervals the heap slope needs.
const minSlopePoints = 3

// staleGrace is added to three intervals before /healthz calls a probe
// that is behind its schedule stalled: on a loaded machine short intervals
// fall behind by seconds without anything being wrong.
const staleGrace = 10 * time.Second

// maxRunRecords bounds the records a run keeps for its closing summary.
const maxRunRecords = 3600

// Monitor is one monitor: a long-lived workload instance, its probe, the
// alerting around it and the HTTP server. New prepares it; Run runs it
// once and releases everything.
type Monitor struct {
	s       settings
	inst    workloads.Instance
	ln      net.Listener
	fr      *trace.FlightRecorder
	hist    *history
	prom    *promMetrics
	window  []Record // the rolling window, oldest first, at most s.Window
	hyst    *hysteresis
	rt      *runtimeReader
	unlock  func()
	nextSeq int64
	last    atomic.Int64 // unix ns of the last interval's end, for /healthz

	out   io.Writer  // the closing summary
	outMu sync.Mutex // stderr lines come from the probe, the capture and the webhook
	fired int
}

// New validates the options, binds the listen address, opens the history
// (continuing its window) and builds the workload instance. Bad input is
// bad input. Close releases what New took if Run is never called. The
// closing summary goes to out.
func New(o Options, out io.Writer) (*Monitor, error) {
	s, err := o.validate()
	if err != nil {
		return nil, err
	}
	m := &Monitor{s: s, out: out, prom: newPromMetrics(s.workload.Name, s.features.String()), hyst: newHysteresis(s.thresholds, s.AlertAfter, s.ClearAfter)}
	for _, t := range s.thresholds {
		m.prom.threshold.WithLabelValues(string(t.Metric)).Set(t.Value)
		m.prom.alert.WithLabelValues(string(t.Metric)).Set(0)
	}
	ok := false
	defer func() {
		if !ok {
			m.Close()
		}
	}()
	if s.Listen != "off" {
		if m.ln, err = listen(s.Listen); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	if m.unlock, err = lockDir(s.root); err != nil {
		return nil, err
	}
	if err := cleanStale(s.root); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	if err := m.restore(); err != nil {
		return nil, err
	}
	if m.hist, err = openHistory(filepath.Join(s.root, HistoryFile), s.HistoryMax); err != nil {
		return nil, err
	}
	if m.inst, err = s.workload.New(s.features); err != nil {
		return nil, fmt.Errorf("monitor: build %s: %w", s.workload.Name, err)
	}
	ok = true
	return m, nil
}

// Addr is the address the HTTP server listens on ("" when off).
func (m *Monitor) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// restore continues the rolling window and the alert state from the
// history, when its last records are of the same probe and recent enough
// to belong to the window.
func (m *Monitor) restore() error {
	recs, err := ReadHistory(filepath.Join(m.s.root, HistoryFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return cmderr.BadInputf("%w (a restart continues the history; move the file away or give another --out)", err)
	}
	if len(recs) == 0 {
		return nil
	}
	last := recs[len(recs)-1]
	m.nextSeq = last.Seq + 1
	horizon := time.Now().Add(-time.Duration(m.s.Window) * m.s.Interval)
	for _, r := range recs[max(0, len(recs)-m.s.Window):] {
		if r.Time.After(horizon) && m.sameProbe(r) {
			m.window = append(m.window, r)
		}
	}
	if len(m.window) > 0 && m.window[len(m.window)-1].Seq == last.Seq {
		m.hyst.restore(last)
	}
	return nil
}

func (m *Monitor) sameProbe(r Record) bool {
	return r.Workload == m.s.workload.Name && r.Features == m.s.features.String() && r.Interval == m.s.Interval &&
		r.Probe.Rate == m.s.Rate && r.Probe.Batch == m.s.Batch
}

// Close releases what New took; Run calls it.
func (m *Monitor) Close() error {
	var errs []error
	if m.inst != nil {
		errs = append(errs, m.inst.Close())
		m.inst = nil
	}
	if m.hist != nil {
		errs = append(errs, m.hist.close())
		m.hist = nil
	}
	if m.ln != nil {
		m.ln.Close()
	}
	if m.unlock != nil {
		m.unlock()
		m.unlock = nil
	}
	return errors.Join(errs...)
}

// Run monitors until ctx ends or Options.For has passed, then stops the
// probe, waits for a capture in progress (cancelled, so nothing half
// written stays), drains the webhook, shuts the server down, closes the
// history and prints the summary of the run. Cancellation is the normal
// end: it returns nil, or a cmderr criterion for a run bounded by For in which
// an alert fired.
//
// With o.Summary set it prints that history's last hour to out instead.
func Run(ctx context.Context, o Options, out io.Writer) error {
	if o.Summary != "" {
		f, err := o.format()
		if err != nil {
			return err
		}
		return PrintSummary(out, o.Summary, f)
	}
	m, err := New(o, out)
	if err != nil {
		return err
	}
	return m.Run(ctx)
}

// Run runs a Monitor made by New; see the function Run.
func (m *Monitor) Run(parent context.Context) (err error) {
	defer func() {
		if cerr := m.Close(); err == nil {
			err = cerr
		}
	}()
	ctx := parent
	limit := int64(m.s.For / m.s.Interval) // 0: none
	// The run's own records, for its closing summary: the last hour, and
	// no more than maxRunRecords whatever the interval.
	keepRun := min(maxRunRecords, max(1, int(SummaryWindow/m.s.Interval)))
	if m.fr, err = startFlightRecorder(); err != nil {
		return err
	}
	defer m.fr.Stop()

	// Captures run under a context of their own, cancelled when the
	// monitor stops: an interrupted capture leaves nothing.
	capCtx, capCancel := context.WithCancel(ctx)
	cap := &capturer{root: m.s.root, keep: m.s.Keep, cpuFor: m.s.CaptureCPU, fr: m.fr, done: m.captureDone}
	defer cap.wait()
	defer capCancel()

	var hook *webhook
	if m.s.Webhook != "" {
		hook = newWebhook(m.s.Webhook, m.webhookDone)
		defer hook.stop()
	}
	start := map[string]any{"event": "start", "workload": m.s.workload.Name, "features": m.s.features.String(),
		"interval": m.s.Interval.String(), "rate": m.s.Rate, "batch": m.s.Batch, "thresholds": m.s.thresholds,
		"history": m.hist.path, "restored_intervals": len(m.window)}
	if m.ln != nil {
		srv := serve(m.ln, m.prom.reg, &m.last, 3*m.s.Interval+m.s.CaptureCPU+staleGrace)
		defer func() {
			if serr := srv.stop(); err == nil && serr != nil {
				err = fmt.Errorf("monitor: http server: %w", serr)
			}
		}()
		m.ln = nil // the server closes it
		start["listen"] = "http://" + srv.addr()
	}
	m.logLine(start)
	m.rt = newRuntimeReader()

	pacer, err := openloop.Start(ctx)
	if err != nil {
		return m.end(parent, nil)
	}
	var run []Record
	for k := int64(0); limit == 0 || k < limit; k++ {
		rec, ok, err := m.interval(ctx, pacer, k)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		for i, e := range m.hyst.observe(&rec) {
			if e.Kind == EventAlert {
				m.fired++
				m.prom.fired.WithLabelValues(string(e.Metric)).Inc()
				if dir, started := cap.capture(capCtx, rec); started {
					e.Capture = dir
				} else {
					m.prom.captures.WithLabelValues("skipped").Inc()
				}
			}
			rec.Events[i] = e
			m.logLine(e)
			if hook != nil {
				hook.send(e)
			}
		}
		for _, t := range m.s.thresholds {
			v := 0.0
			for _, f := range rec.Firing {
				if f == t.Metric {
					v = 1
				}
			}
			m.prom.alert.WithLabelValues(string(t.Metric)).Set(v)
		}
		if err := m.hist.append(rec); err != nil {
			return err
		}
		m.prom.interval(rec)
		m.last.Store(rec.Time.UnixNano())
		run = append(run, rec)
		if len(run) > keepRun {
			run = slices.Delete(run, 0, len(run)-keepRun)
		}
		if m.s.OnInterval != nil {
			m.s.OnInterval(rec)
		}
	}
	cap.wait() // a capture still running at the end of a bounded run is finished
	return m.end(parent, run)
}

// end prints the run's summary and decides the outcome.
func (m *Monitor) end(parent context.Context, run []Record) error {
	m.logLine(map[string]any{"event": "stop", "intervals": len(run), "alerts_fired": m.fired, "interrupted": parent.Err() != nil})
	if len(run) > 0 {
		if err := Summarize(run, 0).Write(m.out, report.Text); err != nil {
			return err
		}
	}
	if m.s.For > 0 && parent.Err() == nil && m.fired > 0 {
		// For CI, a degradation is a failed criterion.
		return cmderr.Criterionf("%d alert(s) fired during the run (see the alert lines above and the summary)", m.fired)
	}
	return nil
}

// interval runs the probe for interval k (from k × Interval to (k+1) ×
// Interval on the pacer's clock) and returns its record; false when ctx
// ended first (the partial interval is not recorded).
func (m *Monitor) interval(ctx context.Context, pacer *openloop.Pacer, k int64) (Record, bool, error) {
	iv := m.s.Interval
	start, end := time.Duration(k)*iv, time.Duration(k+1)*iv
	n := int64(m.s.Rate * iv.Seconds())
	lat := openloop.NewLatency()
	p := Probe{Rate: m.s.Rate, Batch: m.s.Batch, Scheduled: n}
	own := map[string]float64{} // the workload's own metrics, summed over delivered probe operations
	for i := int64(0); i < n; i++ {
		// A probe behind its schedule never waits, so the context is
		// checked here too: an interrupt is honoured at once.
		if ctx.Err() != nil {
			return Record{}, false, nil
		}
		due := start + time.Duration(float64(i)*float64(iv)/float64(n))
		if pacer.Now() >= end {
			// The probe fell behind so far that the rest of this
			// interval's operations were never sent. Each is charged
			// what it had waited when the interval ended: a lower bound
			// of its latency, so a stall shows in the percentiles and
			// not only in the error rate.
			p.Missed = n - i
			for j := i; j < n; j++ {
				wait := end - (start + time.Duration(float64(j)*float64(iv)/float64(n)))
				lat.Record(int64(wait))
				m.prom.latency.Observe(wait.Seconds())
			}
			break
		}
		if err := pacer.Wait(ctx, due); err != nil {
			return Record{}, false, nil
		}
		p.Sent++
		res, err := m.inst.Run(ctx, m.s.Batch)
		done := pacer.Now()
		if ctx.Err() != nil {
			return Record{}, false, nil
		}
		lat.Record(int64(done - due))
		m.prom.latency.Observe((done - due).Seconds())
		if err != nil {
			p.Errored++
			continue
		}
		p.Delivered++
		if res["failed/op"] > 0 {
			p.Failed++
		}
		for k, v := range res {
			own[k] += v
		}
	}
	for k := range own {
		own[k] /= float64(p.Delivered)
	}
	if err := pacer.Wait(ctx, end); err != nil || ctx.Err() != nil {
		return Record{}, false, nil
	}
	p.P50, p.P90, p.P99, p.Max = int64(lat.Quantile(50)), int64(lat.Quantile(90)), int64(lat.Quantile(99)), int64(lat.Max())
	p.Throughput = float64(p.Delivered*int64(m.s.Batch)) / iv.Seconds()
	p.Margin = int64(pacer.Margin())
	if n > 0 {
		p.ErrorRate = float64(p.Errors()+p.Missed) / float64(n)
	}
	if !p.Conserved() {
		return Record{}, false, fmt.Errorf("monitor: interval %d: accounting broken: scheduled %d, sent %d, missed %d, delivered %d, errored %d",
			k, p.Scheduled, p.Sent, p.Missed, p.Delivered, p.Errored)
	}
	rec := results.NewMonitorRecord()
	rec.Seq, rec.Time, rec.Interval = m.nextSeq, pacer.Wall(end).UTC(), iv
	rec.Workload, rec.Features, rec.Probe, rec.Runtime, rec.WorkloadMetrics = m.s.workload.Name, m.s.features.String(), p, m.rt.read(), own
	m.nextSeq++
	m.window = append(m.window, rec)
	if len(m.window) > m.s.Window {
		m.window = m.window[len(m.window)-m.s.Window:]
	}
	if len(m.window) >= minSlopePoints {
		xs, ys := make([]float64, len(m.window)), make([]float64, len(m.window))
		for i, r := range m.window {
			xs[i] = r.Time.Sub(m.window[0].Time).Seconds()
			ys[i] = float64(r.Runtime.HeapLive)
		}
		slope, _ := stats.LeastSquares(xs, ys)
		rec.HeapSlope = &slope
	}
	return rec, true, nil
}

func (m *Monitor) captureDone(dir string, err error) {
	if err != nil {
		m.prom.captures.WithLabelValues("failed").Inc()
		m.logLine(map[string]any{"event": "capture", "dir": dir, "error": err.Error()})
		return
	}
	m.prom.captures.WithLabelValues("written").Inc()
	m.logLine(map[string]any{"event": "capture", "dir": dir, "files": CaptureFiles})
}

func (m *Monitor) webhookDone(res webhookResult, e Event, err error) {
	m.prom.webhook.WithLabelValues(string(res)).Inc()
	if err != nil {
		m.logLine(map[string]any{"event": "webhook", "result": res, "alert": e.Message, "error": err.Error()})
	}
}

// marshalLine encodes v as one line of JSON, leaving <, > and & as they
// are (thresholds print as "op":">").
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// logLine writes v as one JSON line on stderr: every line the monitor
// writes there is a JSON object with an "event" field.
func (m *Monitor) logLine(v any) {
	b, err := marshalLine(v)
	if err != nil {
		b = []byte(fmt.Sprintf("{\"event\":\"error\",\"error\":%q}\n", err.Error()))
	}
	m.outMu.Lock()
	defer m.outMu.Unlock()
	_, _ = m.s.Stderr.Write(b)
}
