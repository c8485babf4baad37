package profiling

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/perfbench/perfbench/stats"
)

func TestKindOf(t *testing.T) {
	for _, k := range Kinds() {
		p := synthetic(k, map[string]int64{"main.a": 1})
		if got, err := KindOf(p); err != nil || got != k {
			t.Errorf("KindOf(%s) = %q, %v", k, got, err)
		}
	}
	// The runtime writes no default sample type for heap: still heap.
	p := synthetic(Heap, map[string]int64{"main.a": 1})
	p.DefaultSampleType = ""
	if got, err := KindOf(p); err != nil || got != Heap {
		t.Errorf("KindOf(heap without default) = %q, %v", got, err)
	}
	// A CPU sample type list with a wall period is neither.
	p = synthetic(CPU, map[string]int64{"main.a": 1})
	p.PeriodType = &profile.ValueType{Type: "wallclock", Unit: "nanoseconds"}
	if _, err := KindOf(p); err == nil {
		t.Error("cpu samples with wallclock period: want error")
	}
	// A contention profile from elsewhere (the runtime writes block and
	// mutex profiles alike) is taken for a block profile.
	p = synthetic(Mutex, map[string]int64{"main.a": 1})
	p.Comments = nil
	if got, err := KindOf(p); err != nil || got != Block {
		t.Errorf("unmarked contention profile: KindOf = %q, %v; want block", got, err)
	}
	p = synthetic(CPU, map[string]int64{"main.a": 1})
	p.SampleType = []*profile.ValueType{{Type: "goroutine", Unit: "count"}}
	if _, err := KindOf(p); err == nil || !strings.Contains(err.Error(), "goroutine/count") {
		t.Errorf("goroutine profile: err = %v, want one naming its sample types", err)
	}
}

func TestDiffRefusesDifferentKinds(t *testing.T) {
	pairs := [][2]Kind{{CPU, Allocs}, {CPU, Wall}, {Heap, Allocs}}
	for _, pair := range pairs {
		b := synthetic(pair[0], map[string]int64{"main.a": 1})
		n := synthetic(pair[1], map[string]int64{"main.a": 1})
		_, err := Diff(b, n)
		if err == nil || !strings.Contains(err.Error(), string(pair[0])) || !strings.Contains(err.Error(), string(pair[1])) {
			t.Errorf("Diff(%s, %s) err = %v, want one naming both", pair[0], pair[1], err)
		}
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("Diff(%s, %s) err = %v, want ErrMismatch", pair[0], pair[1], err)
		}
	}
}

// other is a synthetic profile of none of perfbench's kinds.
func other(values map[string]int64) *profile.Profile {
	p := synthetic(CPU, values)
	p.SampleType = []*profile.ValueType{{Type: "events", Unit: "count"}, {Type: "wait", Unit: "nanoseconds"}}
	p.PeriodType = &profile.ValueType{Type: "events", Unit: "count"}
	return p
}

// A profile of none of perfbench's kinds (here a custom one) is still
// diffed, as pprof diffs it: profiles of matching sample types diff, others
// are refused.
func TestDiffOtherProfiles(t *testing.T) {
	base, new := other(map[string]int64{"main.a": 30, "main.b": 10}), other(map[string]int64{"main.a": 10})
	d, err := Diff(base, new)
	if err != nil {
		t.Fatal(err)
	}
	if got := Label(d); got != "wait" {
		t.Errorf("Label = %q, want wait", got)
	}
	movers, err := TopMovers(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mover{
		{Function: "main.a", Unit: "nanoseconds", Base: 30, New: 10, Delta: -20, DeltaPct: -50},
		{Function: "main.b", Unit: "nanoseconds", Base: 10, New: 0, Delta: -10, DeltaPct: -25},
	}
	if !reflect.DeepEqual(movers, want) {
		t.Fatalf("movers = %+v, want %+v", movers, want)
	}
	if _, err := Diff(base, synthetic(CPU, map[string]int64{"main.a": 1})); !errors.Is(err, ErrMismatch) ||
		!strings.Contains(err.Error(), "events/count,wait/nanoseconds") {
		t.Fatalf("other vs cpu: err = %v, want ErrMismatch naming the sample types", err)
	}
}

func TestDiffAndTopMoversExact(t *testing.T) {
	base := synthetic(CPU, map[string]int64{"main.a": 30, "main.b": 10, "main.same": 7})
	new := synthetic(CPU, map[string]int64{"main.a": 10, "main.c": 5, "main.same": 7})
	before := mustBytes(t, base)

	d, err := Diff(base, new)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, mustBytes(t, base)) {
		t.Error("Diff modified its base")
	}
	var baseSamples int
	for _, s := range d.Sample {
		if s.DiffBaseSample() {
			baseSamples++
		}
	}
	// Base samples carry the pprof::base label, so no sample of one side
	// merges with the other's: main.same cancels only in the totals.
	if len(d.Sample) != 6 || baseSamples != 3 {
		t.Fatalf("diff has %d samples (%d base), want 6 (3 base)", len(d.Sample), baseSamples)
	}

	got, err := TopMovers(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Base total is 47; pprof prints percentages of it.
	want := []Mover{
		{Function: "main.a", Unit: "nanoseconds", Base: 30, New: 10, Delta: -20, DeltaPct: -20.0 / 47 * 100},
		{Function: "main.b", Unit: "nanoseconds", Base: 10, New: 0, Delta: -10, DeltaPct: -10.0 / 47 * 100},
		{Function: "main.c", Unit: "nanoseconds", Base: 0, New: 5, Delta: 5, DeltaPct: 5.0 / 47 * 100},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("TopMovers =\n%v\nwant\n%v", got, want)
	}
	if top, _ := TopMovers(d, 1); len(top) != 1 || top[0].Function != "main.a" {
		t.Fatalf("TopMovers n=1 = %v", top)
	}
}

// topRow is one line of `go tool pprof -top`.
type topRow struct {
	name    string
	flat    int64
	flatPct string
}

// pprofTop runs the real `go tool pprof -top -diff_base` on the two files and
// returns its rows with a non-zero flat value, plus the total it reports.
// Units are pinned (-unit) so every value prints as an exact integer;
// -symbolize=none because the runtime already symbolized the profiles and
// pprof need not reopen the test binary.
func pprofTop(t *testing.T, basePath, newPath, index, unit string) ([]topRow, int64) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found:", err)
	}
	cmd := exec.Command(goBin, "tool", "pprof", "-top", "-symbolize=none",
		"-nodefraction=0", "-nodecount=100000", "-sample_index="+index, "-unit="+unit,
		"-diff_base", basePath, newPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool pprof: %v\n%s", err, stderr.Bytes())
	}
	value := func(s string) int64 {
		if s == "0" {
			return 0
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(s, unit), 10, 64)
		if err != nil {
			t.Fatalf("pprof value %q: %v\n%s", s, err, out)
		}
		return v
	}
	var rows []topRow
	var total int64 = -1
	totalRe := regexp.MustCompile(`of (\S+) total`)
	header := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := totalRe.FindStringSubmatch(line); m != nil {
			total = value(m[1])
		}
		f := strings.Fields(line)
		if !header {
			header = len(f) > 0 && f[0] == "flat"
			continue
		}
		if len(f) < 6 {
			t.Fatalf("unexpected pprof line %q\n%s", line, out)
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)"), " (partial-inline)")
		if v := value(f[0]); v != 0 {
			rows = append(rows, topRow{name: name, flat: v, flatPct: f[1]})
		}
	}
	if !header || total < 0 {
		t.Fatalf("no table in pprof output:\n%s", out)
	}
	return rows, total
}

// pprofPct formats a percentage the way pprof's -top column does.
func pprofPct(pct float64) string {
	r := math.Abs(pct)
	switch {
	case r >= 99.95 && r <= 100.05:
		return "100%"
	case r >= 1.0:
		return fmt.Sprintf("%.2f%%", r)
	default:
		return strings.TrimSpace(fmt.Sprintf("%5.2g%%", r))
	}
}

// The movers perfbench reports must be exactly what a user sees when running
// the documented command on the saved files.
func TestTopMoversMatchGoToolPprof(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found:", err)
	}
	tests := []struct {
		kind      Kind
		base, new func()
		unit      string
		fnBase    string // must be a mover with a negative delta
		fnNew     string // must be a mover with a positive delta
	}{
		{CPU, func() { burnAlpha(150 * time.Millisecond) }, func() { burnBeta(150 * time.Millisecond) }, "ns",
			pkg + "burnAlpha", pkg + "burnBeta"},
		{Allocs, func() { allocAlpha(16 << 20) }, func() { allocBeta(16 << 20) }, "B",
			pkg + "allocAlpha", pkg + "allocBeta"},
		{Heap, func() { retainGamma(4 << 20) }, func() { retainGamma(16 << 20) }, "B",
			"", pkg + "retainGamma"},
		// Wall time sits in runtime.gopark, not in the sleepers: the longer
		// pass moves it.
		{Wall, func() { sleepAlpha(40 * time.Millisecond) }, func() { sleepBeta(120 * time.Millisecond) }, "ns",
			"", ""},
		// Waits, too, are charged to the runtime frames that park.
		{Block, func() { waitAlpha(20 * time.Millisecond) }, func() { waitBeta(60 * time.Millisecond) }, "ns",
			"", ""},
		{Mutex, func() { contendAlpha(20 * time.Millisecond) }, func() { contendAlpha(60 * time.Millisecond) }, "ns",
			"", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Cleanup(func() { retained = nil })
			dir := t.TempDir()
			basePath := filepath.Join(dir, FileName(tt.kind, stats.Off))
			newPath := filepath.Join(dir, FileName(tt.kind, stats.On))
			if err := Save(basePath, capture(t, tt.kind, tt.base)); err != nil {
				t.Fatal(err)
			}
			retained = nil
			if err := Save(newPath, capture(t, tt.kind, tt.new)); err != nil {
				t.Fatal(err)
			}
			// Compare from the files, as the user would.
			base, err := Load(basePath)
			if err != nil {
				t.Fatal(err)
			}
			new, err := Load(newPath)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Diff(base, new)
			if err != nil {
				t.Fatal(err)
			}
			movers, err := TopMovers(d, 0)
			if err != nil {
				t.Fatal(err)
			}
			rows, total := pprofTop(t, basePath, newPath, sampleIndexName(tt.kind), tt.unit)

			if len(movers) == 0 {
				t.Fatal("no movers")
			}
			if len(rows) != len(movers) {
				t.Errorf("pprof shows %d functions with a flat change, TopMovers %d", len(rows), len(movers))
			}
			for i := range min(len(rows), len(movers)) {
				r, m := rows[i], movers[i]
				if r.name != m.Function || r.flat != m.Delta || r.flatPct != pprofPct(m.DeltaPct) {
					t.Errorf("#%d: pprof %s %d %s; TopMovers %s %d %s",
						i, r.name, r.flat, r.flatPct, m.Function, m.Delta, pprofPct(m.DeltaPct))
				}
				if m.Delta != m.New-m.Base {
					t.Errorf("#%d %s: Delta %d != New %d - Base %d", i, m.Function, m.Delta, m.New, m.Base)
				}
			}

			// pprof's total in a diff is the base's: check TopMovers used it.
			idx, _ := base.SampleIndexByName(sampleIndexName(tt.kind))
			var baseTotal int64
			for _, s := range base.Sample {
				baseTotal += abs(s.Value[idx])
			}
			if total != baseTotal {
				t.Errorf("pprof total %d, base total %d", total, baseTotal)
			}
			for _, m := range movers {
				if want := float64(m.Delta) / float64(baseTotal) * 100; m.DeltaPct != want {
					t.Errorf("%s: DeltaPct %v, want %v", m.Function, m.DeltaPct, want)
				}
			}

			byName := map[string]Mover{}
			for _, m := range movers {
				byName[m.Function] = m
			}
			if tt.fnBase != "" {
				if m, ok := byName[tt.fnBase]; !ok || m.Delta >= 0 || m.New != 0 {
					t.Errorf("%s: %+v (found %v), want a drop to 0", tt.fnBase, m, ok)
				}
			}
			if tt.fnNew != "" {
				if m, ok := byName[tt.fnNew]; !ok || m.Delta <= 0 {
					t.Errorf("%s: %+v (found %v), want a rise", tt.fnNew, m, ok)
				}
			}
			t.Logf("%s: %d movers, top: %+v", tt.kind, len(movers), movers[:min(3, len(movers))])
		})
	}
}
