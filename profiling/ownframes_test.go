package profiling

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// Every name in ownFuncs is a function of this package, spelled as a stack
// spells it; a rename that missed the list fails here.
func TestOwnFuncsExist(t *testing.T) {
	want := map[string]bool{}
	for _, fn := range []any{Capture, CaptureContention, Merge, Derive, Compare, Diff, Load, harness} {
		want[runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()] = true
	}
	if !reflect.DeepEqual(ownFuncs, want) {
		t.Fatalf("ownFuncs = %v, want %v", ownFuncs, want)
	}
	if runWorkloadFunc != pkg+"runWorkload" {
		t.Fatalf("runWorkloadFunc = %q", runWorkloadFunc)
	}
}

// stacked is a CPU profile with one sample per stack (leaf first), valued
// by its index plus one.
func stacked(stacks ...[]string) *profile.Profile {
	p := synthetic(CPU, nil)
	fns := map[string]*profile.Function{}
	for i, stack := range stacks {
		s := &profile.Sample{Value: []int64{int64(i + 1), int64(i + 1)}}
		for _, name := range stack {
			f := fns[name]
			if f == nil {
				f = &profile.Function{ID: uint64(len(fns) + 1), Name: name}
				fns[name] = f
				p.Function = append(p.Function, f)
			}
			l := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: f}}}
			p.Location = append(p.Location, l)
			s.Location = append(s.Location, l)
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

func TestDropOwnFrames(t *testing.T) {
	const app = "example.com/app."
	tests := []struct {
		name  string
		stack []string
		keep  bool
	}{
		{"workload under the capture", []string{app + "work", app + "closure", pkg + "runWorkload", pkg + "snapshotsAround", pkg + "captureMemory", pkg + "Capture", "main.main"}, true},
		{"capture's own allocation", []string{"fmt.Sprintf", pkg + "captureMemory", pkg + "Capture", "main.main"}, false},
		{"a snapshot", []string{"compress/gzip.NewReader", pkg + "parse", pkg + "snapshot", pkg + "snapshotsAround", pkg + "Capture", "main.main"}, false},
		{"padding a short wall pass", []string{"time.Sleep", pkg + "captureWall.func1", pkg + "runThenStop", pkg + "captureWall", pkg + "Capture"}, false},
		{"merging two parts of a pass", []string{"github.com/google/pprof/profile.Merge", pkg + "Merge", "example.com/harness.pass"}, false},
		{"a workload goroutine", []string{app + "worker", "runtime.goexit"}, true},
		{"the runtime", []string{"runtime.gcBgMarkWorker", "runtime.goexit"}, true},
		{"the workload captures itself", []string{pkg + "Capture", app + "work", pkg + "runWorkload", pkg + "Capture"}, false},
	}
	stacks := make([][]string, len(tests))
	for i, tt := range tests {
		stacks[i] = tt.stack
	}
	p := stacked(stacks...)
	dropOwnFrames(p)
	var kept []int64
	for _, s := range p.Sample {
		kept = append(kept, s.Value[0])
	}
	for i, tt := range tests {
		if got := slices.Contains(kept, int64(i+1)); got != tt.keep {
			t.Errorf("%s: kept = %v, want %v", tt.name, got, tt.keep)
		}
	}
}

// A profile the harness held before a memory pass and let go during it
// (here one loaded from a file, as a part of an earlier pass is held until
// merged) is freed inside the phase: an in-use profile would show it as a
// negative size charged to perfbench's own frames. It is no part of the
// workload's profile, so the capture leaves those frames out.
func TestCaptureLeavesOutItsOwnFrames(t *testing.T) {
	// Large enough that the runtime samples its allocations (one per
	// 512 KiB on average) with certainty for practical purposes.
	values := map[string]int64{}
	for i := range 20000 {
		values["f"+string(rune('a'+i%26))+time.Duration(i).String()] = int64(i + 1)
	}
	path := filepath.Join(t.TempDir(), "big.pb.gz")
	if err := Save(path, synthetic(CPU, values)); err != nil {
		t.Fatal(err)
	}
	held, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p := capture(t, Heap, func() { held = nil })
	idx, _ := p.SampleIndexByName("inuse_space")
	if got := inclusive(p, idx, pkg+"Load"); got != 0 {
		t.Errorf("heap: %d B in use under Load, the harness's own profile; want 0", got)
	}
	for _, k := range []Kind{Heap, Wall, CPU} {
		p := capture(t, k, func() { burnAlpha(20 * time.Millisecond) })
		for _, s := range p.Sample {
			q := &profile.Profile{Sample: []*profile.Sample{s}}
			if dropOwnFrames(q); len(q.Sample) == 0 {
				t.Errorf("%s: a sample of perfbench's own frames at %s", k, flatName(s.Location[0]))
			}
		}
	}
	_ = held
}

// A goroutine GoHarness started (the measuring harness beside a
// workload) leaves no sample in a capture, whatever its stack; other
// labels and unlabelled goroutines stay.
func TestDropOwnFramesDropsTheHarness(t *testing.T) {
	const app = "example.com/app."
	tests := []struct {
		name   string
		labels map[string][]string
		keep   bool
	}{
		{"harness goroutine", map[string][]string{harnessKey: {harnessValue}}, false},
		{"harness among other labels", map[string][]string{"tenant": {"a"}, harnessKey: {harnessValue}}, false},
		{"a workload label", map[string][]string{"tenant": {"a"}}, true},
		{"another value of the key", map[string][]string{harnessKey: {"workload"}}, true},
		{"no label", nil, true},
	}
	stacks := make([][]string, len(tests))
	for i := range tests {
		stacks[i] = []string{app + "poll", "runtime.goexit"}
	}
	p := stacked(stacks...)
	for i, tt := range tests {
		p.Sample[i].Label = tt.labels
	}
	dropOwnFrames(p)
	var kept []int64
	for _, s := range p.Sample {
		kept = append(kept, s.Value[0])
	}
	for i, tt := range tests {
		if got := slices.Contains(kept, int64(i+1)); got != tt.keep {
			t.Errorf("%s: kept = %v, want %v", tt.name, got, tt.keep)
		}
	}
}

// GoHarness's label reaches the CPU profile: a labelled goroutine that
// spins through a capture leaves none of its samples, an unlabelled one
// spinning beside it does.
func TestCaptureDropsHarnessGoroutine(t *testing.T) {
	var harness, workload int64
	for attempt := 0; attempt < 5 && workload == 0; attempt++ {
		p, err := Capture(context.Background(), CPU, func(context.Context) error {
			var wg sync.WaitGroup
			wg.Add(2)
			GoHarness(context.Background(), func() { defer wg.Done(); spinHarness(100 * time.Millisecond) })
			go func() { defer wg.Done(); spinWorkload(100 * time.Millisecond) }()
			wg.Wait()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		harness, workload = 0, 0
		for _, s := range p.Sample {
			for _, loc := range s.Location {
				for _, ln := range loc.Line {
					switch {
					case strings.HasSuffix(funcName(ln), ".spinHarness"):
						harness += s.Value[0]
					case strings.HasSuffix(funcName(ln), ".spinWorkload"):
						workload += s.Value[0]
					}
				}
			}
		}
		if harness != 0 {
			t.Fatalf("%d samples of the harness goroutine kept", harness)
		}
	}
	if workload == 0 {
		t.Fatal("no sample of the unlabelled goroutine in 5 captures")
	}
}

// TestGoHarnessLabelsFromCreation: the goroutine carries the harness
// label before it has run at all (a goroutine that labelled itself would
// not, and a CPU sample can land in that window), and its creator keeps
// its own labels, with no harness label among them.
func TestGoHarnessLabelsFromCreation(t *testing.T) {
	ctx := pprof.WithLabels(context.Background(), pprof.Labels("tenant", "a"))
	pprof.SetGoroutineLabels(ctx)
	defer pprof.SetGoroutineLabels(context.Background())
	// One P, and no yield between the go statement and the dump: the dump
	// finds the goroutine not yet started, with only what it was born with.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	done := make(chan struct{})
	GoHarness(ctx, func() { close(done) })
	var b bytes.Buffer
	err := pprof.Lookup("goroutine").WriteTo(&b, 1)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	// debug=1 groups goroutines by stack and prints each group's labels;
	// a goroutine not yet run shows no frame of its own, only its labels.
	var harness, creator string
	for _, group := range strings.Split(b.String(), "\n\n") {
		switch {
		case strings.Contains(group, `"perfbench":"harness"`):
			harness += group
		case strings.Contains(group, ".TestGoHarnessLabelsFromCreation+"):
			creator = group
		}
	}
	if !strings.Contains(harness, `"tenant":"a"`) || strings.Count(harness, "# labels:") != 1 {
		t.Errorf("not one goroutine born with the harness's and its creator's labels:\n%s", b.String())
	}
	if !strings.Contains(creator, `"tenant":"a"`) || strings.Contains(creator, "harness") {
		t.Errorf("the creator's labels changed:\n%s", creator)
	}
}

//go:noinline
func spinHarness(d time.Duration) { spin(d) }

//go:noinline
func spinWorkload(d time.Duration) { spin(d) }

func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}
