package profiling

import (
	"bytes"
	"compress/gzip"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/pprof/profile"
)

// encoderCases are profiles of every size and shape a run writes, in an
// order that makes the shared compressor go from a large profile to a
// small one and back.
func encoderCases(t *testing.T) map[string]*profile.Profile {
	t.Helper()
	cases := map[string]*profile.Profile{}
	for _, name := range []string{"gobench.cpu", "gobench.heap", "sample.cpu", "go.crc32.cpu"} {
		p, err := Load(filepath.Join("testdata", "pprof", name))
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = p
	}
	off := synthetic(CPU, map[string]int64{"main.a": 30, "main.b": 10})
	on := synthetic(CPU, map[string]int64{"main.a": 10, "main.c": 5})
	c, err := Compare(Run{off, 1}, Run{on, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases["synthetic off"], cases["synthetic diff"] = off, c.Diff
	cases["empty"] = synthetic(Mutex, nil)
	return cases
}

// An Encoder writes each profile byte for byte as profile.Write does,
// however many it wrote before: the files of a run are what pprof writes.
func TestEncoderWritesWhatProfileWriteDoes(t *testing.T) {
	cases := encoderCases(t)
	order := []string{"gobench.cpu", "empty", "gobench.heap", "synthetic diff", "sample.cpu", "synthetic off", "go.crc32.cpu", "gobench.cpu"}
	enc := &Encoder{}
	for _, name := range order {
		want := mustBytes(t, cases[name])
		var got bytes.Buffer
		if err := enc.Write(&got, cases[name]); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: Encoder wrote %d bytes, profile.Write %d, not the same", name, got.Len(), len(want))
		}
	}
}

// The profile files of a run share one compressor: filling all eighteen
// allocates less than two fresh gzip writers would, where one writer per
// file allocated eighteen.
func TestFilesShareOneCompressor(t *testing.T) {
	sets := Sets{Off: Set{}, On: Set{}, Diff: Set{}}
	for _, k := range Kinds() {
		sets.Off[k] = synthetic(k, map[string]int64{"main.a": 30, "main.b": 10})
		sets.On[k] = synthetic(k, map[string]int64{"main.a": 10, "main.c": 5})
		c, err := Compare(Run{sets.Off[k], 1}, Run{sets.On[k], 1}, 0)
		if err != nil {
			t.Fatal(err)
		}
		sets.Diff[k] = c.Diff
	}
	files, err := sets.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3*len(Kinds()) {
		t.Fatalf("%d files, want %d", len(files), 3*len(Kinds()))
	}
	one := allocated(func() {
		zw := gzip.NewWriter(io.Discard)
		zw.Write([]byte("x"))
		zw.Close()
	})
	all := allocated(func() {
		for _, f := range files {
			if err := f.Fill(io.Discard); err != nil {
				t.Fatal(err)
			}
		}
	})
	if all >= 2*one {
		t.Errorf("filling %d profile files allocated %d bytes; one gzip writer allocates %d: want less than %d", len(files), all, one, 2*one)
	}
}

// allocated is the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
