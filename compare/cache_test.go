package compare

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/internal/syncbuf"
	"github.com/perfbench/perfbench/measure"
)

// countingBuilder is copyTestBinary that counts its builds.
type countingBuilder struct {
	mu sync.Mutex
	n  int
}

func (c *countingBuilder) build(ctx context.Context, dir, tags, out string) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return copyTestBinary(ctx, dir, tags, out)
}

func (c *countingBuilder) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = 0
	return n
}

// TestBuildsAreCached: a second compare against the same base takes it
// from the cache instead of building it; a dirty head is built every
// time and never stored; a clean head at a cached commit is not built; a
// damaged entry is built again. It drives the build step of Run (openRepo,
// buildBoth) and checks every binary it hands over is whole.
func TestBuildsAreCached(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cacheDir := t.TempDir()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	want, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	var cb countingBuilder
	cache := &buildcache.Cache{Dir: cacheDir, MaxBytes: 1 << 40, MaxEntries: 10}
	build := func(dirty bool) [2]bool {
		t.Helper()
		src := "package main\n\nfunc main() {}\n"
		if dirty {
			src = "package main\n\nfunc main() { println() }\n"
		}
		writeFile(t, filepath.Join(repo, "main.go"), src)
		o := options(t, repo)
		r, err := openRepo(ctx, o.Dir)
		if err != nil {
			t.Fatal(err)
		}
		base, head, cached, err := r.buildBoth(ctx, builder{run: cb.build, cache: cache, toolchain: "test"}, o)
		if err != nil {
			t.Fatal(err)
		}
		if head.Dirty != dirty || base.Dirty || base.Commit != head.Commit {
			t.Fatalf("base %+v head %+v", base, head)
		}
		for _, b := range []Build{base, head} {
			if got, err := os.ReadFile(b.Bin); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes, %v; want the %d-byte test binary", b.Bin, len(got), err, len(want))
			}
		}
		if err := r.remove(); err != nil {
			t.Fatal(err)
		}
		assertClean(t, repo, tmp)
		return cached
	}
	entries := func() []buildcache.Entry {
		es, err := cache.Entries()
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	steps := []struct {
		name   string
		dirty  bool
		spoil  bool // damage the cached base first
		builds int
		cached [2]bool
	}{
		{"first compare", true, false, 2, [2]bool{false, false}},
		{"same base again", true, false, 1, [2]bool{true, false}},
		{"clean head at the base's commit", false, false, 0, [2]bool{true, true}},
		{"damaged base entry", true, true, 2, [2]bool{false, false}},
		{"after the rebuild", true, false, 1, [2]bool{true, false}},
	}
	for _, st := range steps {
		if st.spoil {
			if err := os.Truncate(filepath.Join(cacheDir, entries()[0].Name, "bin"), 1000); err != nil {
				t.Fatal(err)
			}
		}
		cached := build(st.dirty)
		if n := cb.take(); n != st.builds || cached != st.cached {
			t.Fatalf("%s: built %d times, cached %v; want %d, %v", st.name, n, cached, st.builds, st.cached)
		}
		// One entry: the base's commit; a dirty head is never stored.
		if es := entries(); len(es) != 1 {
			t.Fatalf("%s: %d cache entries, want 1", st.name, len(es))
		}
	}
}

// TestRunSaysBaseIsCached: Run looks the base up in its cache by the
// commit's full hash and the toolchain, takes it from there, and says so.
func TestRunSaysBaseIsCached(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cacheDir := t.TempDir()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(repo, "main.go"), "package main\n\nfunc main() { println() }\n")
	cache := &buildcache.Cache{Dir: cacheDir, MaxBytes: 1 << 40, MaxEntries: 10}
	tc, err := Toolchain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	commit := strings.TrimSpace(runGit(t, repo, "rev-parse", "HEAD"))
	if err := cache.Put(buildcache.Key{Commit: commit, Toolchain: tc}, os.Args[0]); err != nil {
		t.Fatal(err)
	}
	var cb countingBuilder
	o := options(t, repo)
	o.Build, o.Cache, o.Cases = cb.build, cache, o.Cases[:1]
	o.Settings.Benchtime = measure.Benchtime{N: 1}
	var stderr syncbuf.Buffer
	o.Stderr = &stderr
	if _, err := Measure(ctx, o); err != nil {
		t.Fatal(err)
	}
	assertClean(t, repo, tmp)
	if n := cb.take(); n != 1 {
		t.Errorf("built %d times, want 1 (the dirty head)", n)
	}
	if log := stderr.String(); !strings.Contains(log, "perfbench compare: base: HEAD @ "+commit[:12]+" from the build cache "+cacheDir) {
		t.Errorf("no cache line in the log:\n%s", log)
	}
}
