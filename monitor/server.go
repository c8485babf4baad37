package monitor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/perfbench/perfbench/internal/cmderr"
)

// Names of perfbench's own series on /metrics.
const (
	SeriesProbeLatency = "perfbench_monitor_probe_latency_seconds"
	SeriesProbeOps     = "perfbench_monitor_probe_operations_total"
	SeriesThroughput   = "perfbench_monitor_throughput_ops_per_second"
	SeriesErrorRate    = "perfbench_monitor_error_rate"
	SeriesHeapSlope    = "perfbench_monitor_heap_slope_bytes_per_second"
	SeriesGCCPU        = "perfbench_monitor_gc_cpu_fraction"
	SeriesIntervals    = "perfbench_monitor_intervals_total"
	SeriesAlert        = "perfbench_monitor_alert"
	SeriesAlertsFired  = "perfbench_monitor_alerts_fired_total"
	SeriesCaptures     = "perfbench_monitor_captures_total"
	SeriesWebhook      = "perfbench_monitor_webhook_deliveries_total"
	SeriesThreshold    = "perfbench_monitor_threshold"
)

// promMetrics are perfbench's own series, on a private registry beside the
// Go and process collectors.
type promMetrics struct {
	reg        *prometheus.Registry
	latency    prometheus.Histogram
	ops        *prometheus.CounterVec
	throughput prometheus.Gauge
	errorRate  prometheus.Gauge
	heapSlope  prometheus.Gauge
	gcCPU      prometheus.Gauge
	intervals  prometheus.Counter
	alert      *prometheus.GaugeVec
	fired      *prometheus.CounterVec
	captures   *prometheus.CounterVec
	webhook    *prometheus.CounterVec
	threshold  *prometheus.GaugeVec
}

func newPromMetrics(workload, features string) *promMetrics {
	labels := prometheus.Labels{"workload": workload, "features": features}
	m := &promMetrics{
		reg: prometheus.NewRegistry(),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: SeriesProbeLatency, ConstLabels: labels,
			Help: "Probe operation latency, from its due time (open loop) to its end.",
			// 10 µs to ~42 s, ×2.
			Buckets: prometheus.ExponentialBuckets(10e-6, 2, 23),
		}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: SeriesProbeOps, ConstLabels: labels,
			Help: "Probe operations by result: delivered, errored, or missed (still unsent when their interval ended).",
		}, []string{"result"}),
		throughput: prometheus.NewGauge(prometheus.GaugeOpts{Name: SeriesThroughput, ConstLabels: labels,
			Help: "Workload operations delivered per second in the last interval."}),
		errorRate: prometheus.NewGauge(prometheus.GaugeOpts{Name: SeriesErrorRate, ConstLabels: labels,
			Help: "(errored + missed) / scheduled probe operations in the last interval."}),
		heapSlope: prometheus.NewGauge(prometheus.GaugeOpts{Name: SeriesHeapSlope, ConstLabels: labels,
			Help: "Least-squares slope of the live heap over the rolling window."}),
		gcCPU: prometheus.NewGauge(prometheus.GaugeOpts{Name: SeriesGCCPU, ConstLabels: labels,
			Help: "GC share of the process's available CPU in the last interval."}),
		intervals: prometheus.NewCounter(prometheus.CounterOpts{Name: SeriesIntervals, ConstLabels: labels,
			Help: "Intervals completed by this process."}),
		alert: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: SeriesAlert, ConstLabels: labels,
			Help: "1 while the metric's alert is firing."}, []string{"metric"}),
		fired: prometheus.NewCounterVec(prometheus.CounterOpts{Name: SeriesAlertsFired, ConstLabels: labels,
			Help: "Alerts fired, per metric."}, []string{"metric"}),
		captures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: SeriesCaptures, ConstLabels: labels,
			Help: "Evidence captures by result: written, failed, or skipped (one was running)."}, []string{"result"}),
		webhook: prometheus.NewCounterVec(prometheus.CounterOpts{Name: SeriesWebhook, ConstLabels: labels,
			Help: "Webhook deliveries by result: ok, failed (after retries), dropped (queue full or shutdown)."}, []string{"result"}),
		threshold: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: SeriesThreshold, ConstLabels: labels,
			Help: "Threshold per metric, base units (seconds, ops/s, fraction, bytes/s)."}, []string{"metric"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.latency, m.ops, m.throughput, m.errorRate, m.heapSlope, m.gcCPU, m.intervals,
		m.alert, m.fired, m.captures, m.webhook, m.threshold,
	)
	return m
}

// interval publishes a finished interval.
func (m *promMetrics) interval(r Record) {
	m.intervals.Inc()
	m.ops.WithLabelValues("delivered").Add(float64(r.Probe.Delivered))
	m.ops.WithLabelValues("errored").Add(float64(r.Probe.Errored))
	m.ops.WithLabelValues("missed").Add(float64(r.Probe.Missed))
	m.throughput.Set(r.Probe.Throughput)
	m.errorRate.Set(r.Probe.ErrorRate)
	if r.HeapSlope != nil {
		m.heapSlope.Set(*r.HeapSlope)
	}
	m.gcCPU.Set(r.Runtime.GCCPU)
}

// server serves /metrics, /healthz and /debug/pprof/ on a mux of its own.
type server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// listen binds addr; a port in use is bad input.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, cmderr.BadInputf("--listen %s: the address is in use (another monitor? pick another port, e.g. 127.0.0.1:0 for any free one)", addr)
		}
		return nil, cmderr.BadInputf("--listen %s: %w (want HOST:PORT, e.g. 127.0.0.1:9464)", addr, err)
	}
	return ln, nil
}

// serve starts serving on ln. /healthz is 200 while intervals keep
// ending (the last one less than staleAfter ago), 503 once the probe has
// stalled.
func serve(ln net.Listener, reg *prometheus.Registry, lastInterval *atomic.Int64, staleAfter time.Duration) *server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	started := time.Now()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		last, at := "none yet", started
		if ns := lastInterval.Load(); ns != 0 {
			at = time.Unix(0, ns)
			last = at.UTC().Format(time.RFC3339)
		}
		if age := time.Since(at); age > staleAfter {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "stale: no interval ended for %s\nlast interval: %s\n", age.Round(time.Second), last)
			return
		}
		fmt.Fprintf(w, "ok\nlast interval: %s\n", last)
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s := &server{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s
}

// Addr is where the server listens.
func (s *server) addr() string { return s.ln.Addr().String() }

// stop shuts the server down, giving requests in flight a second.
func (s *server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
