package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/golden"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in      string
		metric  Metric
		value   float64
		wantErr string
	}{
		{"p99=1us", P99, 1e-6, ""},
		{"p50=5ms", P50, 5e-3, ""},
		{" p99 = 1.5s ", P99, 1.5, ""},
		{"throughput=900", Throughput, 900, ""},
		{"throughput=1.5k/s", Throughput, 1500, ""},
		{"error-rate=0.1%", ErrorRate, 0.001, ""},
		{"error-rate=0.002", ErrorRate, 0.002, ""},
		{"gc-cpu=10%", GCCPU, 0.1, ""},
		{"heap-slope=100MB", HeapSlope, 100e6, ""},
		{"heap-slope=2MiB/s", HeapSlope, 2 << 20, ""},
		{"heap-slope=512", HeapSlope, 512, ""},
		{"p95=1ms", "", 0, "unknown metric \"p95\" (valid: p50, p99, throughput, error-rate, heap-slope, gc-cpu)"},
		{"p99", "", 0, "want METRIC=VALUE"},
		{"p99=5", "", 0, "want a duration"},
		{"p99=-1ms", "", 0, "want a duration"},
		{"gc-cpu=150%", "", 0, "want a percentage"},
		{"throughput=-3", "", 0, "want operations per second"},
		{"heap-slope=lots", "", 0, "want bytes per second"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseThreshold(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseThreshold(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Metric != tt.metric || math.Abs(got.Value-tt.value) > 1e-12*tt.value {
				t.Errorf("ParseThreshold(%q) = %s %g, want %s %g", tt.in, got.Metric, got.Value, tt.metric, tt.value)
			}
		})
	}
}

func TestValidateRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Options)
		wantErr string
	}{
		{"interval too short", func(o *Options) { o.Interval = time.Millisecond }, "invalid --interval 1ms: want 50ms to 1h0m0s"},
		{"interval zero", func(o *Options) { o.Interval = 0 }, "invalid --interval 0s"},
		{"unknown workload", func(o *Options) { o.Workload = "nope" }, "unknown workload \"nope\" (valid:"},
		{"unknown toggle", func(o *Options) { o.Opts = []string{"warp"} }, "--opt:"},
		{"opt and all", func(o *Options) { o.Opts = []string{"jit", AllOpt} }, `--opt all switches every optimization on: give it alone, not with ["jit" "all"]`},
		{"rate too high", func(o *Options) { o.Rate = 5000 }, "invalid --rate 5000"},
		{"no operation per interval", func(o *Options) { o.Rate, o.Interval = 1, 100*time.Millisecond }, "schedules no probe operation"},
		{"batch", func(o *Options) { o.Batch = 0 }, "invalid --batch 0"},
		{"alert-after", func(o *Options) { o.AlertAfter = 101 }, "invalid --alert-after 101"},
		{"clear-after", func(o *Options) { o.ClearAfter = 0 }, "invalid --clear-after 0"},
		{"webhook scheme", func(o *Options) { o.Webhook = "ftp://x" }, "want an http:// or https:// URL"},
		{"for shorter than an interval", func(o *Options) { o.For = time.Second }, "invalid --for 1s"},
		{"keep", func(o *Options) { o.Keep = 0 }, "invalid --keep 0"},
		{"capture-cpu", func(o *Options) { o.CaptureCPU = time.Hour }, "invalid --capture-cpu 1h0m0s"},
		{"window", func(o *Options) { o.Window = 2 }, "invalid --window 2"},
		{"threshold metric", func(o *Options) { o.Thresholds = []string{"latency=1ms"} }, "valid: p50, p99, throughput, error-rate, heap-slope, gc-cpu"},
		{"baseline missing", func(o *Options) { o.Baseline = filepath.Join(t.TempDir(), "none.json") }, "--baseline:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaultOptions()
			tt.change(&o)
			_, err := o.validate()
			if !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validate: %v, want bad input containing %q", err, tt.wantErr)
			}
		})
	}
	s, err := defaultOptions().validate()
	if err != nil {
		t.Fatal(err)
	}
	var names []Metric
	for _, th := range s.thresholds {
		names = append(names, th.Metric)
	}
	if want := []Metric{Throughput, ErrorRate}; !reflect.DeepEqual(names, want) {
		t.Errorf("default thresholds %v, want %v", names, want)
	}
}

// rec is an interval whose probe p99 is v seconds.
func rec(seq int64, p99 float64) Record {
	return Record{Seq: seq, Probe: Probe{Scheduled: 1, Counts: countsDelivered(1), P99: int64(p99 * 1e9)}}
}

// Hysteresis: K breaching intervals in a row fire, K good ones clear, a
// lone noisy interval does nothing, and an interval without data leaves
// the streak alone.
func TestHysteresis(t *testing.T) {
	const thr = 1e-3
	bad, good, none := 2e-3, 0.5e-3, math.NaN()
	tests := []struct {
		name   string
		k      int
		values []float64
		want   []string // "seq:kind"
	}{
		{"one noisy interval does not alert", 3, []float64{good, bad, good, good, bad, good}, nil},
		{"k-1 breaches do not alert", 3, []float64{bad, bad, good, bad, bad, good}, nil},
		{"k breaches alert on the k-th", 3, []float64{good, bad, bad, bad, bad}, []string{"3:alert"}},
		{"recovery clears after k good", 2, []float64{bad, bad, good, bad, good, good, good}, []string{"1:alert", "5:clear"}},
		{"k=1 fires at once", 1, []float64{bad, good}, []string{"0:alert", "1:clear"}},
		{"no data keeps the streak", 2, []float64{bad, none, bad}, []string{"2:alert"}},
		{"no data never clears", 2, []float64{bad, bad, none, none, none}, []string{"1:alert"}},
		{"at the threshold is not a breach", 1, []float64{thr}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHysteresis([]Threshold{{Metric: P99, Value: thr}}, tt.k, tt.k)
			var got []string
			for i, v := range tt.values {
				r := rec(int64(i), v)
				if math.IsNaN(v) {
					r.Probe = Probe{} // nothing scheduled: no latency
				}
				for _, e := range h.observe(&r) {
					got = append(got, strings.Join([]string{itoa(e.Seq), e.Kind}, ":"))
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

// Throughput breaches below its threshold; the others above.
func TestThresholdDirection(t *testing.T) {
	tests := []struct {
		th   Threshold
		v    float64
		want bool
	}{
		{Threshold{Metric: Throughput, Value: 100}, 99, true},
		{Threshold{Metric: Throughput, Value: 100}, 101, false},
		{Threshold{Metric: P50, Value: 1e-3}, 2e-3, true},
		{Threshold{Metric: GCCPU, Value: 0.1}, 0.05, false},
		{Threshold{Metric: HeapSlope, Value: 1e6}, 2e6, true},
		{Threshold{Metric: ErrorRate, Value: 0.001}, math.NaN(), false},
	}
	for _, tt := range tests {
		if got := tt.th.Breached(tt.v); got != tt.want {
			t.Errorf("%s%s%g breached by %g = %v, want %v", tt.th.Metric, tt.th.Op(), tt.th.Value, tt.v, got, tt.want)
		}
	}
}

// The history survives a torn last line (a monitor killed mid-write):
// reading skips it, reopening cuts it so the next line starts clean, and
// rotation keeps the older lines readable in order.
func TestHistoryTornLineAndRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, HistoryFile)
	h, err := openHistory(path, MinHistoryMax)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 3; i++ {
		r := rec(i, 1e-3)
		r.Kind, r.SchemaVersion = results.Monitor, results.SchemaVersion
		if err := h.append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"v":1,"seq":3,"probe":{"sch`)
	f.Close()
	recs, err := ReadHistory(path)
	if err != nil || len(recs) != 3 {
		t.Fatalf("ReadHistory with a torn line: %d records, %v; want 3", len(recs), err)
	}
	// A corrupt line in the middle is an error, not silently skipped.
	mid := filepath.Join(dir, "mid.jsonl")
	line := fmt.Sprintf(`{"kind":"monitor","schema_version":%d}`, results.SchemaVersion)
	os.WriteFile(mid, []byte(line+"\nnot json\n"+line+"\n"), 0o644)
	if _, err := ReadHistory(mid); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("corrupt middle line: %v, want an error naming line 2", err)
	}

	h, err = openHistory(path, MinHistoryMax)
	if err != nil {
		t.Fatal(err)
	}
	var seq int64 = 3
	for ; seq < 400; seq++ { // ~200 B a line: several rotations of 64 KiB
		r := rec(seq, 1e-3)
		r.Kind, r.SchemaVersion = results.Monitor, results.SchemaVersion
		if err := h.append(r); err != nil {
			t.Fatal(err)
		}
	}
	h.close()
	for _, p := range []string{path, path + ".1"} {
		st, err := os.Stat(p)
		if err != nil || st.Size() > MinHistoryMax {
			t.Errorf("%s: %v, size over the %d-byte cap", p, err, MinHistoryMax)
		}
	}
	recs, err = ReadHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[len(recs)-1].Seq != seq-1 {
		t.Fatalf("after rotation: %d records, last %+v", len(recs), recs[len(recs)-1])
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq != recs[i-1].Seq+1 {
			t.Fatalf("records out of order or missing at %d: %d after %d", i, recs[i].Seq, recs[i-1].Seq)
		}
	}
}

func TestPrune(t *testing.T) {
	root := t.TempDir()
	names := []string{"20261130T100000Z", "20261130T100100Z", "20261130T100200Z", "20261130T100200Z-2", "notacapture"}
	for _, n := range names {
		os.Mkdir(filepath.Join(root, n), 0o755)
	}
	os.Mkdir(filepath.Join(root, captureTmp+"123"), 0o755)
	c := &capturer{root: root, keep: 2}
	if err := c.prune(); err != nil {
		t.Fatal(err)
	}
	if err := cleanStale(root); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(root)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := []string{"20261130T100200Z", "20261130T100200Z-2", "notacapture"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after pruning to 2: %v, want %v", got, want)
	}
}

func TestFromBaseline(t *testing.T) {
	samples := []float64{1000, 1100, 900, 1000, 1050, 950}
	side := baseline.Samples{Summary: stats.Summarize(samples), Samples: samples}
	f := &baseline.File{
		Schema: baseline.Schema, SchemaVersion: baseline.SchemaVersion, Tool: "perfbench",
		Settings: baseline.Settings{Rounds: 6, Benchtime: "100ms"},
		Runs: []baseline.Run{{ID: "jit/mixed", Opt: "jit", Workload: "mixed", Kind: catalog.Primary, Toggle: "jit", Off: "none", On: "jit",
			Metrics: []baseline.Metric{{Metric: stats.Metric{Name: measure.NsPerOp, Better: stats.LowerIsBetter}, Off: side, On: side}}}},
	}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := baseline.Save(path, f); err != nil {
		t.Fatal(err)
	}
	ts, err := FromBaseline(path, "mixed", "jit", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Metric != P50 || math.Abs(ts[0].Value-1000e-9*20*BaselineSlack) > 1e-15 {
		t.Errorf("thresholds %+v, want p50 = 1 µs × 20 × %g", ts, BaselineSlack)
	}
	if _, err := FromBaseline(path, "mixed", "batching", 20); err == nil || !strings.Contains(err.Error(), "it has: jit/mixed (off none, on jit)") {
		t.Errorf("features not in the baseline: %v", err)
	}
	if _, err := FromBaseline(path, "route-match", "none", 20); err == nil || !strings.Contains(err.Error(), "no run of workload route-match") {
		t.Errorf("workload not in the baseline: %v", err)
	}
}

// summaryRecords is a deterministic history: 3 minutes of 10 s intervals
// with a degradation in the middle.
func summaryRecords() []Record {
	t0 := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	var out []Record
	for i := 0; i < 18; i++ {
		p50, p99 := int64(300_000), int64(2_000_000)
		var events []Event
		var breaches, firing []Metric
		if i >= 6 && i < 12 {
			p50, p99 = 30_000_000, 90_000_000
			breaches = []Metric{P99}
		}
		if i >= 8 && i < 14 {
			firing = []Metric{P99}
		}
		switch i {
		case 8:
			events = []Event{{Time: t0.Add(90 * time.Second), Kind: EventAlert, Metric: P99, Message: "p99 90.0 ms > 10.0 ms for 3 intervals", Capture: "profiles/monitor/20261130T140130Z"}}
		case 14:
			events = []Event{{Time: t0.Add(150 * time.Second), Kind: EventClear, Metric: P99, Message: "p99 back within 10.0 ms (2.00 ms) for 3 intervals"}}
		}
		slope := float64(1000 * i)
		out = append(out, Record{
			Kind: results.Monitor, SchemaVersion: results.SchemaVersion, Seq: int64(i), Time: t0.Add(time.Duration(i+1) * 10 * time.Second), Interval: 10 * time.Second,
			Workload: "mixed", Features: "none",
			Probe:     Probe{Rate: 10, Batch: 20, Scheduled: 100, Counts: countsDelivered(100), P50: p50, P99: p99, Throughput: 200},
			Runtime:   Runtime{GCCycles: 2, GCCPU: 0.002, HeapLive: uint64(5<<20 + 4096*i), CPUCores: 0.05},
			HeapSlope: &slope, Breaches: breaches, Firing: firing, Events: events,
		})
	}
	return out
}

func TestSummaryGolden(t *testing.T) {
	s := Summarize(summaryRecords(), SummaryWindow)
	if s.Intervals != 18 || len(s.Events) != 2 || s.Probe.Delivered != 1800 {
		t.Fatalf("summary: %d intervals, %d events, %d delivered", s.Intervals, len(s.Events), s.Probe.Delivered)
	}
	golden.Renderings(t, "summary", s.Write)
	var text, js bytes.Buffer
	if err := s.Write(&text, report.Text); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > 120 {
			t.Errorf("line wider than 120 columns (%d): %s", n, line)
		}
	}
	if err := s.Write(&js, report.JSON); err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Intervals != s.Intervals {
		t.Errorf("JSON does not read back: %v", err)
	}
	// The last hour only: records older than an hour before the newest
	// are left out.
	old := summaryRecords()[:1]
	old[0].Time = old[0].Time.Add(-2 * time.Hour)
	if s := Summarize(append(old, summaryRecords()...), SummaryWindow); s.Intervals != 18 {
		t.Errorf("last hour holds %d intervals, want 18", s.Intervals)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func countsDelivered(n int64) openloop.Counts { return openloop.Counts{Sent: n, Delivered: n} }

// TestHistoryRoundTrip: records written to the history, across a rotation,
// read back (as perfbench report and --summary read them) into
// results.MonitorRecord with every field as written, each line carrying the
// results header.
func TestHistoryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), HistoryFile)
	want := summaryRecords()
	h, err := openHistory(path, MinHistoryMax)
	if err != nil {
		t.Fatal(err)
	}
	h.maxBytes = 8 << 10 // rotate within the test's records
	for _, r := range want {
		if err := h.append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("no rotation: %v", err)
	}
	got, err := ReadHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read back %d records, want %d: one rotation keeps them all", len(got), len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back differs from written:\n got %+v\nwant %+v", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	hd, err := results.ReadHeader("history line", line)
	if err != nil || hd.Kind != results.Monitor || hd.SchemaVersion != results.SchemaVersion {
		t.Errorf("history line header %+v, %v: want kind monitor, schema %d", hd, err, results.SchemaVersion)
	}
}

// defaultOptions are the monitor flags' defaults, as the CLI passes them.
func defaultOptions() Options {
	return Options{
		Workload: DefaultWorkload, Interval: DefaultInterval, Rate: DefaultRate, Batch: DefaultBatch,
		AlertAfter: DefaultAfter, ClearAfter: DefaultAfter, Listen: DefaultListen, Dir: "profiles",
		Keep: DefaultKeep, CaptureCPU: DefaultCaptureCPU, Window: DefaultWindow, Catalog: catalog.Builtin(),
	}
}
