package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/attempts"
	"github.com/perfbench/perfbench/internal/syncbuf"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/workloads"
)

// testOptions: short intervals, no server, output in a temporary
// directory, and a generous bound so that a broken test cannot hang.
func testOptions(t *testing.T) Options {
	o := defaultOptions()
	o.Interval = 100 * time.Millisecond
	o.Rate = 50
	o.Batch = 20
	o.Listen = "off"
	o.Dir = t.TempDir()
	o.CaptureCPU = MinCaptureCPU
	o.For = 60 * time.Second // a deadlock guard only: tests stop the run themselves
	return o
}

// syncbuf.Buffer collects stderr lines written from several goroutines.
// lines decodes every JSON line written to b.
func lines(t *testing.T, b *syncbuf.Buffer) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("stderr line is not a JSON object: %q", sc.Text())
			continue
		}
		if _, ok := m["event"]; !ok {
			t.Errorf("stderr line without an event: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// A planted degradation — the mixed workload's casts grow from 64 B to
// 16 MiB through the workload's own configuration, so every cast is a deep
// copy of 16 MiB (ZeroCopy off), 192 MiB per probe operation — fires a p50
// alert within AlertAfter intervals and leaves a complete capture. Setting
// the payload back clears the alert after ClearAfter good intervals.
//
// The threshold (40 ms) is far above what the intact probe takes here
// (about 1 ms with the race detector, tens of ms at worst on a saturated
// machine) and below a degraded operation (a second with the race
// detector) and below what an interval whose operations were all missed
// behind one shows (p50 = 60 % of the 100 ms interval). A machine so
// loaded that the intact probe breaches it already cannot show the
// difference: that attempt stops at once and is run again, at most
// attempts.Max times in all, each attempt logged; a check never judged
// fails.
func TestPlantedDegradationAlertsCapturesAndClears(t *testing.T) {
	if err := attempts.Judge(attempts.Max, t.Logf, func(int) string { return plantedDegradation(t) }); err != nil {
		t.Fatal(err)
	}
}

// plantedDegradation is one attempt of
// TestPlantedDegradationAlertsCapturesAndClears: it judges the run, or
// returns why the machine kept it from being judged.
func plantedDegradation(t *testing.T) (disturbed string) {
	const k = 2
	o := testOptions(t)
	o.AlertAfter, o.ClearAfter = k, k
	o.Thresholds = []string{"p50=40ms"}
	var stderr syncbuf.Buffer
	o.Stderr = &stderr

	var inst workloads.Instance
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const degradeAfter = 3 // intervals at the normal cost first
	var (
		degradedFrom, restoredFrom int64   = -1, -1
		degradedCopied             float64 // the most bytes copied per operation while degraded
		overloaded                 Probe   // an intact interval that breached already
		alertSeq, clearSeq         int64   = -1, -1
		capture                    string
		seen                       int64
	)
	o.OnInterval = func(r Record) {
		seen++
		if (degradedFrom < 0 || r.Seq < degradedFrom) && slices.Contains(r.Breaches, P50) {
			overloaded = r.Probe
			cancel()
			return
		}
		if degradedFrom >= 0 && r.Seq >= degradedFrom && restoredFrom < 0 {
			degradedCopied = max(degradedCopied, r.WorkloadMetrics["copied-B/op"])
		}
		t.Logf("interval %d: p50 %s, sent %d, missed %d, breaches %v, firing %v", r.Seq, time.Duration(r.Probe.P50), r.Probe.Sent, r.Probe.Missed, r.Breaches, r.Firing)
		for _, e := range r.Events {
			if e.Kind == EventAlert && capture == "" && e.Capture != "" {
				capture = e.Capture // the first alert's: one capture runs at a time
			}
			if e.Metric != P50 {
				continue
			}
			if e.Kind == EventAlert && alertSeq < 0 && degradedFrom >= 0 {
				alertSeq = r.Seq
			}
			if e.Kind == EventClear && restoredFrom >= 0 {
				clearSeq = r.Seq
			}
		}
		resize := func(n int) {
			if err := inst.(workloads.Resizable).SetPayloadSize(n); err != nil {
				t.Error(err)
				cancel()
			}
		}
		switch {
		case degradedFrom < 0 && seen == degradeAfter:
			resize(workloads.MaxPayload)
			degradedFrom = r.Seq + 1
		case alertSeq >= 0 && restoredFrom < 0:
			// Wait for the capture to be in place before restoring.
			if _, err := os.Stat(filepath.Join(capture, FileAlert)); err == nil {
				resize(64)
				restoredFrom = r.Seq + 1
			}
		case clearSeq >= 0:
			cancel()
		case degradedFrom >= 0 && alertSeq < 0 && r.Seq >= degradedFrom+k:
			t.Errorf("no p50 alert %d intervals after the degradation (interval %d: p50 %s, probe %+v)", k, r.Seq, time.Duration(r.Probe.P50), r.Probe)
			cancel()
		}
	}
	m, err := New(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	inst = m.inst // the long-lived instance the probe runs
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if overloaded.Scheduled > 0 {
		return fmt.Sprintf("the intact probe breached p50=40ms already: p50 %v (%+v)", time.Duration(overloaded.P50), overloaded)
	}
	if alertSeq < 0 {
		t.Fatalf("no p50 alert (degraded from interval %d)", degradedFrom)
	}
	// The degradation is the probe's own work: while it lasted, the probe's
	// operations copied the larger casts (12 in 20 operations, ZeroCopy off).
	if want := 12.0 / 20 * workloads.MaxPayload; degradedCopied < want {
		t.Errorf("copied %.0f B per operation while degraded, want at least %.0f", degradedCopied, want)
	}
	if clearSeq < 0 || clearSeq < restoredFrom+k-1 {
		t.Errorf("p50 clear at interval %d; restored at %d, want it after %d good intervals", clearSeq, restoredFrom, k)
	}
	for _, f := range CaptureFiles {
		st, err := os.Stat(filepath.Join(capture, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("capture file %s: %v (size %v)", f, err, st)
		}
	}
	var alert Record
	b, _ := os.ReadFile(filepath.Join(capture, FileAlert))
	if err := json.Unmarshal(b, &alert); err != nil || alert.Seq < degradedFrom || len(alert.Firing) == 0 {
		t.Errorf("alert.json: %v, seq %d firing %v; want an interval from %d on with an alert", err, alert.Seq, alert.Firing, degradedFrom)
	}
	var kinds []string
	for _, l := range lines(t, &stderr) {
		kinds = append(kinds, l["event"].(string))
	}
	for _, want := range []string{"start", "alert", "capture", "clear", "stop"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("stderr has no %q line (events: %v)", want, kinds)
		}
	}
	return ""
}

// /metrics is a private registry's: it parses with the Prometheus text
// parser and carries perfbench's series and the Go and process
// collectors'; /healthz and /debug/pprof/ answer on the same mux.
func TestMetricsEndpoint(t *testing.T) {
	o := testOptions(t)
	o.Listen = "127.0.0.1:0"
	o.Thresholds = []string{"p99=1us"}
	o.AlertAfter = 1
	m, err := New(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := "http://" + m.Addr()
	var families map[string]*dto
	var health, pprofIndex string
	m.s.OnInterval = func(r Record) {
		if r.Seq < 1 {
			return
		}
		defer cancel()
		families = scrape(t, base+"/metrics")
		health = get(t, base+"/healthz")
		pprofIndex = get(t, base+"/debug/pprof/")
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{SeriesProbeLatency, SeriesProbeOps, SeriesThroughput, SeriesErrorRate, SeriesGCCPU,
		SeriesIntervals, SeriesAlert, SeriesAlertsFired, SeriesThreshold, "go_goroutines", "go_gc_duration_seconds", "process_cpu_seconds_total"} {
		if families[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if f := families[SeriesProbeLatency]; f != nil && f.histCount == 0 {
		t.Errorf("%s has no observation", SeriesProbeLatency)
	}
	if f := families[SeriesAlert]; f != nil && f.values["p99"] != 1 {
		t.Errorf("%s{metric=p99} = %v, want 1 (p99=1us breached with --alert-after 1)", SeriesAlert, f.values["p99"])
	}
	if !strings.HasPrefix(health, "ok\n") {
		t.Errorf("/healthz: %q", health)
	}
	if !strings.Contains(pprofIndex, "goroutine") {
		t.Errorf("/debug/pprof/ does not list the goroutine profile")
	}
}

// dto is what the tests need of a metric family.
type dto struct {
	histCount uint64
	values    map[string]float64 // by the "metric" label
}

func scrape(t *testing.T, url string) map[string]*dto {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Errorf("parse /metrics: %v", err)
		return nil
	}
	out := map[string]*dto{}
	for name, f := range fams {
		d := &dto{values: map[string]float64{}}
		for _, m := range f.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				d.histCount += h.GetSampleCount()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == "metric" && m.GetGauge() != nil {
					d.values[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
		out[name] = d
	}
	return out
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := testOptions(t)
	o.Listen = ln.Addr().String()
	_, err = New(o, io.Discard)
	if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "the address is in use") {
		t.Fatalf("New on a port in use: %v, want bad input saying so", err)
	}
	if _, err := os.Stat(filepath.Join(o.Dir, "monitor")); !os.IsNotExist(err) {
		t.Errorf("a refused start created %s/monitor", o.Dir)
	}
}

// A monitor stopped by cancellation (what SIGINT and SIGTERM do) returns
// nil and leaves a history whose every line is a record; a restart
// continues its numbering and window. No goroutine outlives either run
// (goleak, TestMain).
func TestStopLeavesCompleteHistoryAndRestartContinues(t *testing.T) {
	o := testOptions(t)
	runFor := func(n int64) []Record {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got []Record
		o.OnInterval = func(r Record) {
			got = append(got, r)
			if int64(len(got)) == n {
				cancel()
			}
		}
		if err := Run(ctx, o, io.Discard); err != nil {
			t.Fatalf("Run stopped by cancellation: %v, want nil", err)
		}
		return got
	}
	first := runFor(4)
	path := filepath.Join(o.Dir, "monitor", HistoryFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 4 || !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("history has %d lines (want 4, newline-terminated)", len(lines))
	}
	for i, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if !r.Probe.Conserved() || r.Probe.Scheduled != 5 {
			t.Errorf("line %d: accounting %+v", i+1, r.Probe)
		}
	}
	// A torn line, as a kill during a write leaves, is cut on restart.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"v":1,"seq":`)
	f.Close()

	m, err := New(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.window) != 4 || m.nextSeq != 4 {
		t.Errorf("restart restored %d intervals and next seq %d, want 4 and 4", len(m.window), m.nextSeq)
	}
	m.Close()
	second := runFor(2)
	if second[0].Seq != first[len(first)-1].Seq+1 || second[0].HeapSlope == nil {
		t.Errorf("restart: first seq %d (want %d), heap slope %v (want one: the window continues)",
			second[0].Seq, first[len(first)-1].Seq+1, second[0].HeapSlope)
	}
	recs, err := ReadHistory(path)
	if err != nil || len(recs) != 6 {
		t.Fatalf("history after restart: %d records, %v; want 6", len(recs), err)
	}
}

// Alerts and clears are POSTed as JSON. A failing webhook (HTTP 500) is
// retried a bounded number of times and counted, and the monitor runs to
// the end of its schedule regardless.
func TestWebhook(t *testing.T) {
	tests := []struct {
		name   string
		status int
	}{
		{"ok", http.StatusOK},
		{"failing", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []Event
			posts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var e Event
				err := json.NewDecoder(r.Body).Decode(&e)
				mu.Lock()
				posts++
				if err == nil && r.Header.Get("Content-Type") == "application/json" {
					got = append(got, e)
				}
				mu.Unlock()
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			o := testOptions(t)
			o.Webhook = srv.URL
			o.Thresholds = []string{"p99=1us"}
			o.AlertAfter = 1
			o.For = 3 * o.Interval
			var stderr syncbuf.Buffer
			o.Stderr = &stderr
			err := Run(context.Background(), o, io.Discard)
			if !cmderr.IsCriterion(err) || !strings.Contains(err.Error(), "alert(s) fired") {
				t.Fatalf("bounded run with an alert: %v, want a missed criterion", err)
			}
			mu.Lock()
			defer mu.Unlock()
			i := slices.IndexFunc(got, func(e Event) bool { return e.Kind == EventAlert && e.Metric == P99 })
			if i < 0 || got[i].Threshold != 1e-6 || got[i].Op != ">" {
				t.Fatalf("webhook received %+v, want the p99 alert", got)
			}
			events, failed, dropped := 0, 0, 0
			for _, l := range lines(t, &stderr) {
				switch {
				case l["event"] == EventAlert || l["event"] == EventClear:
					events++
				case l["event"] == "webhook" && l["result"] == string(webhookFailed):
					failed++
				case l["event"] == "webhook" && l["result"] == string(webhookDropped):
					dropped++
				}
			}
			switch tt.status {
			case http.StatusOK:
				if posts != events || failed+dropped != 0 {
					t.Errorf("%d posts for %d events, %d failed, %d dropped; want one post each and no failure", posts, events, failed, dropped)
				}
			default:
				// Every event fails (or is dropped at shutdown), each after
				// at most webhookAttempts posts; the first is retried to
				// the bound.
				if failed+dropped != events || posts < webhookAttempts || posts > webhookAttempts*events {
					t.Errorf("%d posts for %d events, %d failed, %d dropped; want %d attempts each, every event failed or dropped",
						posts, events, failed, dropped, webhookAttempts)
				}
			}
		})
	}
}

// /healthz turns 503 when no interval has ended for longer than allowed: a
// stalled probe is visible to whoever scrapes it.
func TestHealthzStale(t *testing.T) {
	tests := []struct {
		name string
		last time.Duration // age of the last interval
		code int
	}{
		{"fresh", 0, http.StatusOK},
		{"stale", time.Hour, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var last atomic.Int64
			last.Store(time.Now().Add(-tt.last).UnixNano())
			srv := serve(ln, newPromMetrics("mixed", "none").reg, &last, time.Minute)
			defer srv.stop()
			resp, err := http.Get("http://" + srv.addr() + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("/healthz %s, want %d", resp.Status, tt.code)
			}
		})
	}
}

// A probe far behind its schedule (every operation slower than an
// interval) records no interval after it is cancelled: an interrupt does
// not wait for the probe to catch up.
func TestCancelWhileBehindSchedule(t *testing.T) {
	o := testOptions(t)
	m, err := New(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.inst.(workloads.Resizable).SetPayloadSize(workloads.MaxPayload); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var after []int64
	cancelled := false
	m.s.OnInterval = func(r Record) {
		if cancelled {
			after = append(after, r.Seq)
		}
		if r.Probe.Missed > 0 {
			cancel()
			cancelled = true
		}
	}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !cancelled || len(after) > 0 {
		t.Errorf("cancelled %v; intervals recorded after the cancel: %v, want none", cancelled, after)
	}
}

// Two monitors never share a directory: the second is refused, naming the
// first, and the directory is free again once the first is closed.
func TestOneMonitorPerDirectory(t *testing.T) {
	o := testOptions(t)
	first, err := New(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(o, io.Discard)
	if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "another monitor") {
		t.Errorf("second monitor on %s: %v, want bad input naming the first", o.Dir, err)
	}
	first.Close()
	again, err := New(o, io.Discard)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}
