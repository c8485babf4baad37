package buildcache

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func key(i int) Key { return Key{Commit: fmt.Sprintf("%040d", i), Toolchain: "go1.26 linux amd64"} }

// binary writes a fake binary of size bytes.
func binary(t *testing.T, size int, fill byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(p, []byte(strings.Repeat(string(fill), size)), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// put adds key(i) and dates its use i minutes after a fixed time, so the
// order of use is exact whatever the clock's resolution.
func put(t *testing.T, c *Cache, i, size int) {
	t.Helper()
	if err := c.Put(key(i), binary(t, size, byte('a'+i))); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(c.Dir, key(i).Name()), at, at); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

func names(t *testing.T, c *Cache) []int {
	t.Helper()
	es, err := c.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range es {
		for i := range 10 {
			if e.Name == key(i).Name() {
				out = append(out, i)
			}
		}
	}
	return out
}

func TestEvictionKeepsTheBounds(t *testing.T) {
	tests := []struct {
		name       string
		maxBytes   int64
		maxEntries int
		sizes      []int // entry i has sizes[i] bytes, used in that order
		want       []int // entries left, least recently used first
	}{
		{"under both", 1000, 10, []int{100, 100, 100}, []int{0, 1, 2}},
		{"entries", 1000, 2, []int{100, 100, 100}, []int{1, 2}},
		{"bytes", 250, 10, []int{100, 100, 100}, []int{1, 2}},
		{"bytes, several go", 350, 10, []int{100, 100, 100, 300}, []int{3}},
		{"too big is not kept", 250, 10, []int{100, 300}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cache{Dir: t.TempDir(), MaxBytes: tt.maxBytes, MaxEntries: tt.maxEntries}
			for i, s := range tt.sizes {
				put(t, c, i, s)
			}
			if got := names(t, c); !slices.Equal(got, tt.want) {
				t.Fatalf("entries %v, want %v", got, tt.want)
			}
		})
	}
}

// TestGetMakesRecent: eviction goes by last use, not by insertion.
func TestGetMakesRecent(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxEntries: 2}
	put(t, c, 0, 10)
	put(t, c, 1, 10)
	dst := filepath.Join(t.TempDir(), "got")
	if hit, err := c.Get(key(0), dst); !hit || err != nil {
		t.Fatalf("get = %v, %v", hit, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != strings.Repeat("a", 10) {
		t.Fatalf("got %q", b)
	}
	put(t, c, 2, 10)
	// put dated entry 2 at minute 2, before Get's "now": 1 is the oldest.
	if got := names(t, c); !slices.Equal(got, []int{2, 0}) {
		t.Fatalf("entries %v, want [2 0]: the entry used last must stay", got)
	}
}

// TestUnsoundEntryIsAMiss: an entry whose binary is cut short, altered,
// or lacks its manifest is a miss and is removed; a Put then replaces it.
func TestUnsoundEntryIsAMiss(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string)
	}{
		{"truncated", func(t *testing.T, dir string) { must(t, os.Truncate(filepath.Join(dir, binName), 5)) }},
		{"altered", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, binName), []byte(strings.Repeat("x", 100)), 0o755))
		}},
		{"no manifest", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, manifestName))) }},
		{"no binary", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, binName))) }},
		{"bad manifest", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, manifestName), []byte("{"), 0o644))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cache{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxEntries: 10}
			put(t, c, 0, 100)
			tt.spoil(t, filepath.Join(c.Dir, key(0).Name()))
			dst := filepath.Join(t.TempDir(), "got")
			if hit, err := c.Get(key(0), dst); hit || err != nil {
				t.Fatalf("get of a spoilt entry = %v, %v; want a miss", hit, err)
			}
			if _, err := os.Stat(dst); err == nil {
				t.Fatal("a miss wrote the destination")
			}
			if got := names(t, c); len(got) != 0 {
				t.Fatalf("spoilt entry still listed: %v", got)
			}
			put(t, c, 0, 100)
			if hit, err := c.Get(key(0), dst); !hit || err != nil {
				t.Fatalf("get after the rebuild = %v, %v", hit, err)
			}
			if ds, _ := os.ReadDir(c.Dir); len(ds) != 1 {
				t.Fatalf("cache directory holds %d names, want 1 (no temporary left)", len(ds))
			}
		})
	}
}

// TestPutTwice: a second insertion of the same key (another compare that
// built it meanwhile) keeps the first entry whole.
func TestPutTwice(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), MaxBytes: 1 << 20, MaxEntries: 10}
	put(t, c, 0, 100)
	if err := c.Put(key(0), binary(t, 100, 'a')); err != nil {
		t.Fatal(err)
	}
	if hit, err := c.Get(key(0), filepath.Join(t.TempDir(), "got")); !hit || err != nil {
		t.Fatalf("get = %v, %v", hit, err)
	}
	if ds, _ := os.ReadDir(c.Dir); len(ds) != 1 {
		t.Fatalf("cache directory holds %d names, want 1", len(ds))
	}
}

func TestKeyParts(t *testing.T) {
	base := key(1)
	for _, k := range []Key{{Commit: base.Commit, Toolchain: "go1.25 linux amd64"}, {Commit: base.Commit, Toolchain: base.Toolchain, Tags: "x"},
		{Commit: base.Commit, Toolchain: base.Toolchain, Module: "sub/"}, key(2)} {
		if k.Name() == base.Name() {
			t.Errorf("%+v names the same entry as %+v", k, base)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false}, {"2GiB", 2 << 30, false}, {"500MiB", 500 << 20, false}, {"10 KiB", 10 << 10, false},
		{"123", 123, false}, {"7B", 7, false}, {"1TiB", 1 << 40, false},
		{"", 0, true}, {"-1", 0, true}, {"2GB", 0, true}, {"1.5GiB", 0, true}, {"lots", 0, true}, {"99999999999TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestDefault(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cachehome")
	tests := []struct {
		env      string
		off      bool
		maxBytes int64
		err      string
	}{
		{"", false, DefaultMaxBytes, ""},
		{"100MiB", false, 100 << 20, ""},
		{"0", true, 0, ""},
		{"2TiB", false, 0, "up to 1TiB"},
		{"big", false, 0, "PERFBENCH_BUILD_CACHE_MAX"},
	}
	for _, tt := range tests {
		c, err := Default(func(k string) string {
			if k == EnvMax {
				return tt.env
			}
			return ""
		})
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.env, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.env, err)
		case tt.off:
			if c != nil {
				t.Errorf("%q: cache %+v, want none", tt.env, c)
			}
		case c.Dir != "/cachehome/perfbench/builds" || c.MaxBytes != tt.maxBytes || c.MaxEntries != DefaultMaxEntries:
			t.Errorf("%q: cache %+v", tt.env, c)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
