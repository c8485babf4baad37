package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/syncbuf"

	"github.com/google/pprof/profile"
	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/worker/workertest"
	"github.com/perfbench/perfbench/workloads"
)

// helperEnv switches the test binary into a worker (the os/exec
// helper-process pattern): its value says which kind.
const helperEnv = "PERFBENCH_WORKER_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		goleak.VerifyTestMain(m)
	case "serve":
		if f := os.Getenv(startsEnv); f != "" {
			if err := logStart(f); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		if err := Serve(context.Background(), os.Stdin, os.Stdout, testTables{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "nocaps":
		serve := func(w io.Writer) error { return Serve(context.Background(), os.Stdin, w, testTables{}) }
		if err := workertest.WithoutCaps(serve, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "old":
		// What a perfbench from before the worker command says.
		fmt.Fprintln(os.Stderr, `perfbench: unknown command "worker" (valid: list, profile, diff, bench)`)
		os.Exit(2)
	case "v2":
		fmt.Println(`{"hello":{"protocol":2}}`)
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
}

// testTables serves the test workloads with the runtime's toggles.
type testTables struct{}

func (testTables) Workload(name string) (workloads.Workload, error) { return testLookup(name) }
func (testTables) ParseSet(s string) (features.Set, error)          { return catalog.Builtin().ParseSet(s) }

func testLookup(name string) (workloads.Workload, error) {
	w := workloads.Workload{Name: name, Metrics: []stats.Metric{{Name: "jit-on"}}}
	switch name {
	case "count":
		w.New = func(s features.Set) (workloads.Instance, error) { return countInst{s}, nil }
	case "crash", "hang":
		w.New = func(features.Set) (workloads.Instance, error) { return badInst(name), nil }
	default:
		return w, fmt.Errorf("unknown workload %q (valid: count, crash, hang)", name)
	}
	return w, nil
}

type countInst struct{ s features.Set }

var sink int

func (c countInst) Run(_ context.Context, n int) (map[string]float64, error) {
	for i := range n * 1000 {
		sink += i
	}
	jit := 0.0
	if c.s.JIT {
		jit = 1
	}
	return map[string]float64{"jit-on": jit, "undefined": math.NaN()}, nil
}

func (countInst) Close() error { return nil }

type badInst string

func (b badInst) Run(context.Context, int) (map[string]float64, error) {
	if b == "crash" {
		fmt.Fprintln(os.Stderr, "boom: the workload crashed")
		os.Exit(7)
	}
	fmt.Fprintln(os.Stderr, "hanging")
	select {} // ignores its context: only a kill ends it
}

func (badInst) Close() error { return nil }

func target(kind, workload string, f features.Set, stderr io.Writer) Target {
	return Target{Bin: os.Args[0], Name: "base", Workload: workload, Features: f, Stderr: stderr, Env: []string{helperEnv + "=" + kind}}
}

// guard bounds a test that would otherwise hang on a bug.
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestRoundTrip(t *testing.T) {
	ctx := guard(t)
	inst, err := target("serve", "count", features.Set{JIT: true}, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := inst.(*proc)
	if p.hello.Protocol != Protocol || p.hello.GoVersion == "" {
		t.Errorf("hello %+v", p.hello)
	}
	v, err := inst.Run(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkRunValues(t, v)
	for _, k := range []profiling.Kind{profiling.CPU, profiling.Allocs} {
		prof, err := inst.Profile(ctx, k, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := profiling.KindOf(prof); err != nil || got != k {
			t.Errorf("profile kind %s, %v; want %s", got, err, k)
		}
	}
	if _, err := inst.Profile(ctx, "bogus", 1); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("bad kind: %v", err)
	}
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	default:
		t.Fatal("Close returned before the worker was reaped")
	}
	if p.waitErr != nil {
		t.Errorf("worker exit: %v", p.waitErr)
	}
	if err := inst.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := inst.Run(ctx, 1); err == nil {
		t.Error("Run after Close worked")
	}
}

func TestPairOfWorkers(t *testing.T) {
	ctx := guard(t)
	base := target("serve", "count", features.Set{}, nil)
	head := target("serve", "count", features.Set{JIT: true}, nil)
	head.Name = "head"
	pair := measure.NewPair("count", []stats.Metric{{Name: "jit-on"}}, 0, base, head)
	res, err := pair.Measure(ctx, measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Off != "base:none" || res.On != "head:jit" || len(res.Samples) != 4 {
		t.Fatalf("result %+v", res)
	}
	if got := res.Values(stats.On, "jit-on"); len(got) != 2 || got[0] != 1 || got[1] != 1 {
		t.Fatalf("head jit-on %v", got)
	}
	set, err := pair.CaptureProfiles(ctx, stats.On, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != len(profiling.Kinds()) {
		t.Fatalf("profiles %v", set)
	}
}

func TestHelloCaps(t *testing.T) {
	ctx := guard(t)
	for _, tt := range []struct {
		kind string
		can  bool
	}{{"serve", true}, {"nocaps", false}} {
		h, err := Probe(ctx, os.Args[0], []string{helperEnv + "=" + tt.kind})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{CapRunProfiled, CapWarm} {
			if h.Protocol != Protocol || h.Can(c) != tt.can {
				t.Errorf("%s: hello %+v: protocol %d, can %s %v; want %d, %v", tt.kind, h, h.Protocol, c, h.Can(c), Protocol, tt.can)
			}
		}
	}
}

// TestRunProfiled: a worker that advertises it runs a measured round
// inside a CPU capture and returns both the values, measured as Run
// measures them, and a profile of the workload; one that does not is never
// asked, and stays usable.
func TestRunProfiled(t *testing.T) {
	ctx := guard(t)
	inst, err := target("serve", "count", features.Set{JIT: true}, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	pr, ok := inst.(measure.ProfiledRunner)
	if !ok {
		t.Fatal("a worker instance is not a measure.ProfiledRunner")
	}
	// Enough work for CPU samples at 100 Hz: retried on a machine so
	// loaded that a run got no CPU time to speak of.
	var prof *profile.Profile
	var v map[string]float64
	for try := 0; try < 5 && workloadSamples(prof) == 0; try++ {
		var data []byte
		if v, data, err = pr.RunProfiled(ctx, 50_000); err != nil {
			t.Fatal(err)
		}
		if prof, err = profile.ParseData(data); err != nil {
			t.Fatalf("the profile the worker sent: %v", err)
		}
	}
	checkRunValues(t, v)
	if k, err := profiling.KindOf(prof); err != nil || k != profiling.CPU {
		t.Fatalf("profile kind %s, %v; want cpu", k, err)
	}
	if workloadSamples(prof) == 0 {
		t.Errorf("no sample of countInst.Run in the profile of %d samples", len(prof.Sample))
	}
	if _, err := inst.Run(ctx, 1); err != nil {
		t.Errorf("Run after RunProfiled: %v", err)
	}

	old, err := target("nocaps", "count", features.Set{}, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	// This worker would serve the request if asked: the error shows the
	// parent did not ask.
	_, _, err = old.(measure.ProfiledRunner).RunProfiled(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), `does not advertise "run-profiled"`) {
		t.Fatalf("RunProfiled on a worker without the capability: %v", err)
	}
	if _, err := old.Run(ctx, 1); err != nil {
		t.Errorf("Run after the refused RunProfiled: %v", err)
	}
}

// TestWarm: a worker that advertises it runs the workload's operations
// when asked to warm up (the crash workload's crash shows they ran) and
// stays usable; one that does not is never asked, and stays usable.
func TestWarm(t *testing.T) {
	ctx := guard(t)
	inst, err := target("serve", "count", features.Set{JIT: true}, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	w, ok := inst.(measure.Warmer)
	if !ok {
		t.Fatal("a worker instance is not a measure.Warmer")
	}
	if err := w.Warm(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := w.Warm(ctx, 0); err == nil || !strings.Contains(err.Error(), "want at least 1") {
		t.Errorf("Warm of 0 operations: %v, want it refused", err)
	}
	if v, err := inst.Run(ctx, 1); err != nil {
		t.Errorf("Run after Warm: %v", err)
	} else {
		checkRunValues(t, v)
	}

	var stderr syncbuf.Buffer
	crash, err := target("serve", "crash", features.Set{}, &stderr).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer crash.Close()
	if err := crash.(measure.Warmer).Warm(ctx, 1); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Warm of the crash workload: %v, want its crash", err)
	}

	old, err := target("nocaps", "count", features.Set{}, nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	// This worker would serve the request if asked: the error shows the
	// parent did not ask.
	err = old.(measure.Warmer).Warm(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), `does not advertise "warm"`) {
		t.Fatalf("Warm on a worker without the capability: %v", err)
	}
	if _, err := old.Run(ctx, 1); err != nil {
		t.Errorf("Run after the refused Warm: %v", err)
	}
}

// workloadSamples counts the samples of p whose stack holds the test
// workload.
func workloadSamples(p *profile.Profile) int {
	if p == nil {
		return 0
	}
	n := 0
	for _, s := range p.Sample {
		for _, l := range s.Location {
			for _, line := range l.Line {
				if line.Function != nil && strings.HasSuffix(line.Function.Name, "countInst.Run") {
					n++
				}
			}
		}
	}
	return n
}

// TestPairOfWorkersProfiledRounds: the engine profiles the measured rounds
// of worker sides (Settings.ProfileCPU), both sides alike.
func TestPairOfWorkersProfiledRounds(t *testing.T) {
	ctx := guard(t)
	base := target("serve", "count", features.Set{}, nil)
	head := target("serve", "count", features.Set{JIT: true}, nil)
	head.Name = "head"
	pair := measure.NewPair("count", []stats.Metric{{Name: "jit-on"}}, 0, base, head)
	res, err := pair.Measure(ctx, measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 5}, ProfileCPU: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range stats.Sides() {
		have, err := res.RoundProfiles(side)
		if err != nil {
			t.Fatal(err)
		}
		run := have[profiling.CPU]
		if run.Profile == nil || run.Ops != 10 {
			t.Errorf("%s: round profile %v of %d ops; want one of 10", side, run.Profile != nil, run.Ops)
		}
	}
	old := target("nocaps", "count", features.Set{}, nil)
	_, err = measure.NewPair("count", nil, 0, old, old).Measure(ctx, measure.Settings{Rounds: 2, Benchtime: measure.Benchtime{N: 5}, ProfileCPU: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot profile a measured run") {
		t.Fatalf("profiled rounds on workers without the capability: %v", err)
	}
}

func TestCrashingWorker(t *testing.T) {
	ctx := guard(t)
	var stderr syncbuf.Buffer
	inst, err := target("serve", "crash", features.Set{}, &stderr).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = inst.Run(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "exit status 7") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the exit status and the last stderr line", err)
	}
	if !strings.Contains(stderr.String(), "[base] boom: the workload crashed\n") {
		t.Errorf("stderr %q, want the worker's line with its prefix", stderr.String())
	}
	if err := inst.Close(); err == nil {
		t.Error("Close of a crashed worker reported nothing")
	}
}

func TestCancelKillsWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(guard(t))
	var stderr syncbuf.Buffer
	inst, err := target("serve", "hang", features.Set{}, &stderr).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Cancel once the worker is inside the run (or, if it has not
		// got there yet, before: the outcome is the same).
		for !strings.Contains(stderr.String(), "hanging") {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := inst.Run(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-inst.(*proc).exited:
	default:
		t.Fatal("the cancelled worker was not reaped")
	}
	inst.Close()
}

func TestNotAWorker(t *testing.T) {
	ctx := guard(t)
	_, err := target("old", "count", features.Set{}, nil).Open(ctx)
	if !errors.Is(err, ErrNotWorker) || !strings.Contains(err.Error(), `unknown command "worker"`) || !strings.Contains(err.Error(), "predates") {
		t.Fatalf("old binary: %v", err)
	}
	_, err = target("v2", "count", features.Set{}, nil).Open(ctx)
	if !errors.Is(err, ErrNotWorker) || !strings.Contains(err.Error(), "protocol 2") {
		t.Fatalf("other protocol: %v", err)
	}
	_, err = Target{Bin: "/nonexistent/perfbench", Name: "base"}.Open(ctx)
	if err == nil || errors.Is(err, ErrNotWorker) {
		t.Fatalf("missing binary: %v", err)
	}
	_, err = target("serve", "nosuch", features.Set{}, nil).Open(ctx)
	if err == nil || !strings.Contains(err.Error(), "valid: count") {
		t.Fatalf("unknown workload: %v", err)
	}
}

// TestServeRequests drives Serve in-process through pipes.
func TestServeRequests(t *testing.T) {
	lines := strings.Join([]string{
		`{"op":"run","n":1}`,
		`{"op":"warm","n":1}`,
		`{"op":"open","workload":"count","features":"jit+bogus"}`,
		`{"op":"open","workload":"count","features":"none"}`,
		`{"op":"open","workload":"count","features":"none"}`,
		`{"op":"run","n":0}`,
		`{"op":"run-profiled","n":0}`,
		`{"op":"run-profiled","n":1}`,
		`{"op":"warm","n":0}`,
		`{"op":"warm","n":2}`,
		`{"op":"fly"}`,
		`{"op":"close"}`,
	}, "\n")
	var out bytes.Buffer
	if err := Serve(context.Background(), strings.NewReader(lines), &out, testTables{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`"caps":["run-profiled","warm"]`,
		"run before open",
		"warm before open",
		"bogus",
		"",
		"already open",
		"want at least 1",
		"want at least 1",
		`"profile":`,
		"want at least 1",
		"{}",
		"unknown op",
		"",
	}
	dec := json.NewDecoder(&out)
	for i, w := range want {
		var m message
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		b, _ := json.Marshal(m)
		if w == "" && m.Error != "" || !strings.Contains(string(b), w) {
			t.Errorf("message %d = %s, want %q", i, b, w)
		}
	}
	if err := Serve(context.Background(), strings.NewReader("{bad"), io.Discard, testTables{}); err == nil {
		t.Error("malformed request accepted")
	}
}

func TestFloatJSON(t *testing.T) {
	for _, v := range []float64{0, -1.5, 1e300, math.Inf(1), math.Inf(-1), math.NaN()} {
		b, err := json.Marshal(Float(v))
		if err != nil {
			t.Fatal(err)
		}
		var back Float
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if float64(back) != v && !(math.IsNaN(v) && math.IsNaN(float64(back))) {
			t.Errorf("%g -> %s -> %g", v, b, back)
		}
	}
	var f Float
	if err := json.Unmarshal([]byte(`"many"`), &f); err == nil {
		t.Error(`"many" accepted`)
	}
}

// checkRunValues: the worker measures the engine's metrics itself, and the
// workload's own arrive as reported: NaN included, and the feature set
// (jit on) reached it.
func checkRunValues(t *testing.T, v map[string]float64) {
	t.Helper()
	for _, m := range measure.EngineMetrics() {
		if _, ok := v[m.Name]; !ok {
			t.Errorf("no %s in %v", m.Name, v)
		}
	}
	if v["jit-on"] != 1 || !math.IsNaN(v["undefined"]) {
		t.Errorf("values %v", v)
	}
}
