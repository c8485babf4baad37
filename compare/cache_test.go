package compare

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/internal/syncbuf"
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

// TestRunCachesBuilds: a second compare against the same base takes it
// from the cache instead of building it; a dirty head is built every
// time and never stored; a clean head at a cached commit is not built; a
// corrupted entry is built again.
func TestRunCachesBuilds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cacheDir := t.TempDir()
	tmp := isolate(t)
	repo := gitRepo(t, "package main\n\nfunc main() {}\n")
	var cb countingBuilder
	cache := &buildcache.Cache{Dir: cacheDir, MaxBytes: 1 << 40, MaxEntries: 10}
	run := func(dirty bool) string {
		t.Helper()
		src := "package main\n\nfunc main() {}\n"
		if dirty {
			src = "package main\n\nfunc main() { println() }\n"
		}
		writeFile(t, filepath.Join(repo, "main.go"), src)
		o := options(t, repo)
		o.Build, o.Cache, o.Cases = cb.build, cache, o.Cases[:1]
		var stderr syncbuf.Buffer
		o.Stderr = &stderr
		out, err := Run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if out.Head.Dirty != dirty {
			t.Fatalf("head dirty = %v, want %v", out.Head.Dirty, dirty)
		}
		assertClean(t, repo, tmp)
		return stderr.String()
	}
	entries := func() int {
		es, err := cache.Entries()
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}

	run(true)
	if n := cb.take(); n != 2 {
		t.Fatalf("first compare built %d times, want 2 (base and head)", n)
	}
	if n := entries(); n != 1 {
		t.Fatalf("%d cache entries after the first compare, want 1 (base; a dirty head is not stored)", n)
	}
	log := run(true)
	if n := cb.take(); n != 1 {
		t.Fatalf("second compare built %d times, want 1 (the dirty head only)", n)
	}
	if !strings.Contains(log, "base: HEAD @ ") || !strings.Contains(log, "from the build cache") {
		t.Errorf("no cache line in the log:\n%s", log)
	}
	run(false)
	if n := cb.take(); n != 0 {
		t.Fatalf("clean head at the cached commit: built %d times, want 0", n)
	}

	es, _ := cache.Entries()
	bin := filepath.Join(cacheDir, es[0].Name, "bin")
	if err := os.Truncate(bin, 1000); err != nil {
		t.Fatal(err)
	}
	run(true)
	if n := cb.take(); n != 2 {
		t.Fatalf("after corrupting the cached base: built %d times, want 2 (base again and the dirty head)", n)
	}
	run(true)
	if n := cb.take(); n != 1 {
		t.Fatalf("after the rebuild: built %d times, want 1", n)
	}
}
