package profiling

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/perfbench/perfbench/stats"
)

func mustBytes(t *testing.T, p *profile.Profile) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// synthetic builds a small profile of kind k with one sample per function,
// valued v in every column: enough for file and kind tests without running
// a profiler.
func synthetic(k Kind, values map[string]int64) *profile.Profile {
	p := &profile.Profile{}
	st := func(spec string) []*profile.ValueType {
		var out []*profile.ValueType
		for _, tu := range bytes.Split([]byte(spec), []byte(",")) {
			typ, unit, _ := bytes.Cut(tu, []byte("/"))
			out = append(out, &profile.ValueType{Type: string(typ), Unit: string(unit)})
		}
		return out
	}
	switch k {
	case CPU:
		p.SampleType, p.PeriodType, p.Period = st(cpuTypes), st(cpuPeriod)[0], 10_000_000
	case Wall:
		p.SampleType, p.PeriodType, p.Period = st(wallTypes), st(wallPeriod)[0], 10_101_010
	case Heap, Allocs:
		p.SampleType, p.PeriodType, p.Period = st(memoryTypes), st(memoryPeriod)[0], 512*1024
		p.DefaultSampleType = defaultSampleType(k)
	case Block, Mutex:
		p.SampleType, p.PeriodType, p.Period = st(contentionTypes), st(contentionPeriod)[0], 1
		if k == Mutex {
			p.Comments = []string{mutexComment + " profile"}
		}
	}
	m := &profile.Mapping{ID: 1, File: "/bin/app", HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // IDs must not depend on map order
	for i, name := range names {
		id := uint64(i + 1)
		f := &profile.Function{ID: id, Name: name, SystemName: name}
		l := &profile.Location{ID: id, Mapping: m, Address: 0x1000 * id, Line: []profile.Line{{Function: f, Line: 1}}}
		vals := make([]int64, len(p.SampleType))
		for j := range vals {
			vals[j] = values[name]
		}
		p.Function = append(p.Function, f)
		p.Location = append(p.Location, l)
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{l}, Value: vals})
	}
	return p
}

func TestSaveIsAtomicAndLoadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", FileName(CPU, stats.Off))
	p := synthetic(CPU, map[string]int64{"main.a": 30, "main.b": 10})
	if err := Save(path, p); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "cpu.off.pb.gz" {
		t.Fatalf("directory holds %v, want only cpu.off.pb.gz (no temporary files)", entries)
	}
	raw, _ := os.ReadFile(path)
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		t.Fatalf("saved file is not gzip")
	}
	q, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sampleTypes(q), cpuTypes; got != want || len(q.Sample) != 2 {
		t.Fatalf("reloaded: types %s, %d samples; want %s, 2", got, len(q.Sample), want)
	}

	// A save that cannot complete (the target is a directory) leaves the
	// target as it was and no temporary file behind.
	blocked := filepath.Join(dir, "blocked")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(blocked, p); err == nil {
		t.Fatal("save over a directory: want error")
	}
	entries, _ = os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"blocked", "nested"}) {
		t.Fatalf("after failed save the directory holds %v", names)
	}
	if err := Save(filepath.Join(dir, "x.pb.gz"), nil); err == nil {
		t.Fatal("save nil: want error")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	empty := filepath.Join(dir, "empty.pb.gz")
	if err := os.WriteFile(text, []byte("this is not a profile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string
		is   error
	}{
		{"missing", filepath.Join(dir, "nope.pb.gz"), fs.ErrNotExist},
		{"text", text, ErrNotProfile},
		{"empty", empty, ErrNotProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(tt.path)
			if p != nil || !errors.Is(err, tt.is) {
				t.Fatalf("Load = %v, %v; want error wrapping %v", p, err, tt.is)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tt.path)) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestSaveSet(t *testing.T) {
	dir := t.TempDir()
	off, on, diffs := Set{}, Set{}, Set{}
	for _, k := range Kinds() {
		off[k] = synthetic(k, map[string]int64{"main.a": 30, "main.b": 10})
		on[k] = synthetic(k, map[string]int64{"main.a": 10, "main.c": 5})
		c, err := Compare(Run{off[k], 1}, Run{on[k], 1}, 0)
		if err != nil {
			t.Fatal(err)
		}
		diffs[k] = c.Diff
	}
	sets := Sets{Off: off, On: on, Diff: diffs}
	if err := sets.Save(dir); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range Kinds() {
		want = append(want, FileName(k, stats.Off), FileName(k, stats.On), DiffFileName(k))
	}
	if got := sets.FileNames(); len(got) != len(want) || got[0] != "cpu.off.pb.gz" || got[len(got)-1] != DiffFileName(Kinds()[len(Kinds())-1]) {
		t.Fatalf("FileNames = %v", got)
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("files = %v, want %v", got, want)
	}
	for _, k := range Kinds() {
		p, err := Load(filepath.Join(dir, DiffFileName(k)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := KindOf(p); err != nil || got != k {
			t.Errorf("%s: KindOf = %q, %v", DiffFileName(k), got, err)
		}
	}

	// Filing a profile under the wrong kind writes nothing, not even the
	// well-filed ones.
	bad := t.TempDir()
	if err := (Sets{Off: Set{CPU: off[CPU]}, On: Set{Heap: off[Allocs]}}).Save(bad); err == nil {
		t.Error("allocs profile filed as heap: want error")
	}
	if entries, _ := os.ReadDir(bad); len(entries) != 0 {
		t.Errorf("refused sets left files: %v", entries)
	}
}

// gzipOf compresses n copies of byte c.
func gzipOf(t *testing.T, c byte, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(bytes.Repeat([]byte{c}, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadRefusesHugeInput: what is too large to be a profile is refused
// without being read into memory (a 200 MB file of zeros, content gzipped
// twice, which pprof's parser would inflate without a bound); a flood under
// the limit is refused by the parser, for no more memory than its size.
// Through the reader with a small limit, a gzip that inflates past the limit
// is refused at the limit.
func TestLoadRefusesHugeInput(t *testing.T) {
	dir := t.TempDir()
	zeros := filepath.Join(dir, "zeros")
	f, err := os.Create(zeros)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	write := func(name string, b []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	small := write("small-zeros", make([]byte, 1<<20))
	bomb := write("bomb.pb.gz", gzipOf(t, 0, 16<<20))
	var twice bytes.Buffer
	zw := gzip.NewWriter(&twice)
	if _, err := zw.Write(gzipOf(t, 0, 16<<20)); err != nil || zw.Close() != nil {
		t.Fatal(err)
	}
	nested := write("nested.pb.gz.gz", twice.Bytes())
	var pb bytes.Buffer
	if err := synthetic(CPU, map[string]int64{"main.a": 3}).WriteUncompressed(&pb); err != nil {
		t.Fatal(err)
	}
	plain := write("plain.pb", pb.Bytes())
	tests := []struct {
		name, path string
		is         error // nil: a profile
		want       string
		maxAlloc   uint64 // bytes refusing it may allocate
	}{
		{"200 MB of zeros", zeros, ErrTooLarge, "not a pprof profile: too large: 209715200 bytes, more than the limit of 67108864", 1 << 20},
		// A file is read into one buffer of its size.
		{"1 MB of zeros", small, ErrNotProfile, "not a pprof profile (parsing profile: ", 2 << 20},
		// Gzip content into a growing one: about 2.2 times its size, 4.3
		// times with -race.
		{"gzip of 16 MB of zeros", bomb, ErrNotProfile, "not a pprof profile (parsing profile: ", 8 * 16 << 20},
		{"16 MB of zeros gzipped twice", nested, ErrNotProfile, "not a pprof profile: gzipped twice; a profile is gzipped once or not at all", 1 << 20},
		{"uncompressed profile", plain, nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			p, err := Load(tt.path)
			runtime.ReadMemStats(&after)
			if tt.is == nil {
				if err != nil || p == nil {
					t.Fatalf("Load = %v, %v", p, err)
				}
				return
			}
			if p != nil || !errors.Is(err, tt.is) || !errors.Is(err, ErrNotProfile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, %v; want %v and %q", p, err, tt.is, tt.want)
			}
			got := after.TotalAlloc - before.TotalAlloc
			if got > tt.maxAlloc {
				t.Errorf("refusing it allocated %d bytes, want at most %d", got, tt.maxAlloc)
			}
		})
	}

	const limit = 1 << 20
	readerTests := []struct {
		name string
		in   []byte
		is   error
	}{
		{"gzip inflating past the limit", gzipOf(t, 'a', 8*limit), ErrTooLarge},
		{"plain past the limit", bytes.Repeat([]byte{'a'}, limit+1), ErrTooLarge},
		{"gzip at the limit", gzipOf(t, 'a', limit), nil},
		{"broken gzip", []byte{0x1f, 0x8b, 0, 0}, ErrNotProfile},
	}
	for _, tt := range readerTests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := readCapped(bytes.NewReader(tt.in), limit, 0)
			if tt.is == nil {
				if err != nil || len(b) != limit {
					t.Fatalf("readCapped = %d bytes, %v; want %d", len(b), err, limit)
				}
				return
			}
			if !errors.Is(err, tt.is) || b != nil {
				t.Fatalf("readCapped = %d bytes, %v; want %v", len(b), err, tt.is)
			}
		})
	}
}

// TestLoadReadsWhatPprofReads: every format in pprof's own test data that
// `go tool pprof` reads, Load reads, to the same profile as profile.Parse,
// including the legacy binary CPU format, whose first bytes are zero.
func TestLoadReadsWhatPprofReads(t *testing.T) {
	tests := []struct {
		file    string
		label   string
		samples int
	}{
		{"gobench.cpu", "cpu", 206}, // legacy binary, 64-bit words
		{"go.crc32.cpu", "cpu", 69},
		{"java.cpu", "cpu", 8},              // legacy binary, 32-bit words
		{"gobench.heap", "heap", 15},        // legacy text
		{"cppbench.contention", "block", 6}, // legacy text
		{"sample.cpu", "cpu", 76},           // protobuf, gzipped
		{"sample.cpu.pb", "cpu", 76},        // protobuf
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "pprof", tt.file)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want, err := profile.Parse(f)
			if err != nil {
				t.Fatalf("profile.Parse: %v", err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.String() != want.String() {
				t.Errorf("Load read another profile than profile.Parse:\n%s\nwant\n%s", got, want)
			}
			if Label(got) != tt.label || len(got.Sample) != tt.samples {
				t.Errorf("Load = a %s profile of %d samples, want %s of %d", Label(got), len(got.Sample), tt.label, tt.samples)
			}
		})
	}
}

// TestDiffFilesOfLegacyCPUProfiles: pprof's own legacy CPU profiles diff to
// what `go tool pprof -top -diff_base gobench.cpu go.crc32.cpu` prints:
// "Showing nodes accounting for -940ms, 30.82% of 3050ms total", all of it
// in <unknown> (the profiles carry no symbols).
func TestDiffFilesOfLegacyCPUProfiles(t *testing.T) {
	dir := filepath.Join("testdata", "pprof")
	d, err := DiffFiles(filepath.Join(dir, "gobench.cpu"), filepath.Join(dir, "go.crc32.cpu"), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mover{{
		Function: "<unknown>", Unit: "nanoseconds",
		Base: 3050e6, New: 2110e6, Delta: -940e6,
		DeltaPct: float64(-940e6) / 3050e6 * 100,
	}}
	if d.Kind != "cpu" || !slices.Equal(d.Movers, want) {
		t.Fatalf("DiffFiles = %s %+v, want cpu %+v", d.Kind, d.Movers, want)
	}
}
