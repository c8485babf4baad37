package report

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/stats"
	"golang.org/x/perf/benchfmt"
)

var benchUnits = []stats.Metric{
	{Name: "ns/op"},
	{Name: "ops/s", Better: stats.HigherIsBetter},
	{Name: "B/op"},
	{Name: "cache-hit-%", Better: stats.HigherIsBetter},
}

// benchRounds gives 10 interleaved off/on rounds in which "on" is 20 %
// faster, allocates less and hits the cache more.
func benchRounds() []BenchRound {
	var rs []BenchRound
	for i := range 10 {
		for _, side := range []string{"off", "on"} {
			f := 1.0
			if side == "on" {
				f = 0.8
			}
			ns := 1000*f + float64(i)
			rs = append(rs, BenchRound{
				Name:   "Profile/zerocopy/mixed",
				Config: map[string]string{"toggle": side, "workload": "mixed", "empty": ""},
				Iters:  1000,
				Values: map[string]float64{
					"ns/op": ns, "ops/s": 1e9 / ns, "B/op": 2048 * f, "cache-hit-%": 90 / f,
					"zz-extra": 1, "aa-extra": 2, "nan": math.NaN(),
				},
			})
		}
	}
	return rs
}

func TestWriteBenchHead(t *testing.T) {
	var b bytes.Buffer
	if err := WriteBench(&b, benchUnits, benchRounds()[:2]); err != nil {
		t.Fatal(err)
	}
	want := `Unit ns/op better=lower
Unit ops/s better=higher
Unit B/op better=lower
Unit cache-hit-% better=higher
toggle: off
workload: mixed

BenchmarkProfile/zerocopy/mixed 1000 1000 ns/op 1e+06 ops/s 2048 B/op 90 cache-hit-% 2 aa-extra 1 zz-extra

toggle: on

BenchmarkProfile/zerocopy/mixed 1000 800 ns/op 1.25e+06 ops/s 1638.4 B/op 112.5 cache-hit-% 2 aa-extra 1 zz-extra
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteBenchParsesBack(t *testing.T) {
	rounds := benchRounds()
	var b bytes.Buffer
	if err := WriteBench(&b, benchUnits, rounds); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&b, "bench.txt")
	var got []BenchRound
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		case *benchfmt.Result:
			br := BenchRound{Name: string(rec.Name), Iters: rec.Iters, Config: map[string]string{}, Values: map[string]float64{}}
			for _, c := range rec.Config {
				br.Config[c.Key] = string(c.Value)
			}
			for _, v := range rec.Values {
				// The reader tidies ns/op to sec/op; OrigUnit keeps what was written.
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				br.Values[unit] = val
			}
			got = append(got, br)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rounds) {
		t.Fatalf("read %d results, wrote %d", len(got), len(rounds))
	}
	for i, w := range rounds {
		delete(w.Config, "empty")
		delete(w.Values, "nan")
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("round %d read back as\n%+v\nwant\n%+v", i, got[i], w)
		}
	}
	units := r.Units()
	for _, m := range benchUnits {
		want := -1
		if m.Better == stats.HigherIsBetter {
			want = 1
		}
		if g := units.GetBetter(m.Name); g != want {
			t.Errorf("GetBetter(%s) = %d, want %d", m.Name, g, want)
		}
	}
}

func TestWriteBenchErrors(t *testing.T) {
	ok := BenchRound{Name: "X", Iters: 1, Values: map[string]float64{"ns/op": 1}}
	tests := []struct {
		name  string
		units []stats.Metric
		mod   func(*BenchRound)
		want  string
	}{
		{"space in name", nil, func(r *BenchRound) { r.Name = "a b" }, "white space"},
		{"empty name", nil, func(r *BenchRound) { r.Name = "" }, "empty name"},
		{"zero iters", nil, func(r *BenchRound) { r.Iters = 0 }, "iters 0 < 1"},
		{"upper-case key", nil, func(r *BenchRound) { r.Config = map[string]string{"Toggle": "on"} }, `config key "Toggle"`},
		{"colon in key", nil, func(r *BenchRound) { r.Config = map[string]string{"a:b": "on"} }, `config key "a:b"`},
		{"multi-line value", nil, func(r *BenchRound) { r.Config = map[string]string{"toggle": "on\nx"} }, "spans lines"},
		{"space in unit", nil, func(r *BenchRound) { r.Values = map[string]float64{"ns per op": 1} }, "white space"},
		{"only NaN", nil, func(r *BenchRound) { r.Values = map[string]float64{"ns/op": math.NaN()} }, "no finite values"},
		{"duplicate unit", []stats.Metric{{Name: "ns/op"}, {Name: "ns/op"}}, func(*BenchRound) {}, "listed twice"},
	}
	for _, tt := range tests {
		r := ok
		tt.mod(&r)
		err := WriteBench(&bytes.Buffer{}, tt.units, []BenchRound{r})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestBenchstatReadsBench runs the real benchstat when it can be built
// without the network, to prove `benchstat -col toggle` compares off
// against on. It is skipped otherwise; TestWriteBenchParsesBack covers the
// format itself.
func TestBenchstatReadsBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "benchstat")
	build := exec.Command(goBin, "build", "-o", bin, "golang.org/x/perf/cmd/benchstat")
	build.Env = append(os.Environ(), "GOPROXY=off") // never reach the network
	build.WaitDelay = time.Second
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("benchstat not buildable offline: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "bench.txt")
	var b bytes.Buffer
	if err := WriteBench(&b, benchUnits, benchRounds()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-col", "toggle", file).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`│\s+off\s+│\s+on\s+│`).Match(out) {
		t.Errorf("benchstat did not split on toggle:\n%s", out)
	}
	// One table per unit, off as the base column and on compared with it.
	for _, want := range []string{
		"-19.91% (p=0.000 n=10)", // ns/op
		"+24.86% (p=0.000 n=10)", // ops/s
		"-20.00% (p=0.000 n=10)", // B/op
		"+25.00% (p=0.000 n=10)", // cache-hit-%
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, out)
		}
	}
}
