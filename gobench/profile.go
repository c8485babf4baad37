package gobench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/google/pprof/profile"
	"golang.org/x/perf/benchfmt"

	"github.com/perfbench/perfbench/gobench/wallprof"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// pass is one profiling pass: the test flags that write a kind's profile
// to a file.
type pass struct {
	kind  profiling.Kind
	flags func(file string) []string
}

var passes = []pass{
	{profiling.CPU, func(f string) []string { return []string{"-test.cpuprofile", f} }},
	// The test binary writes the allocs profile of its whole life; the heap
	// view is derived from it (profiling.Derive), as for built-in runs.
	{profiling.Allocs, func(f string) []string {
		return []string{"-test.memprofile", f, "-test.memprofilerate", strconv.Itoa(profiling.MemPassRate)}
	}},
	{profiling.Block, func(f string) []string { return []string{"-test.blockprofile", f, "-test.blockprofilerate", "1"} }},
	{profiling.Mutex, func(f string) []string { return []string{"-test.mutexprofile", f, "-test.mutexprofilefraction", "1"} }},
}

// Profiles are one benchmark's profiles of both sides, as measure.Pair.Profile
// returns them for a built-in workload.
type Profiles struct {
	Sets        profiling.Sets
	Comparisons map[profiling.Kind]*profiling.Comparison
	// WallAbsent says why there is no wall profile, and how to get one.
	WallAbsent string
}

// Profile profiles one measured benchmark on both sides, a pass per kind,
// after the rounds. Each side runs a fixed count (-test.benchtime Nx) that
// fills d at the median ns/op it measured (measure.Result.ProfileOps), so
// both profiles are as rich as a built-in run's of the same profile time.
// The profiles cover the whole test process, the benchmark's setup and
// the testing package's one-iteration first run included. A wall profile
// is taken only when the benchmark calls wallprof.Start.
func (b *Build) Profile(ctx context.Context, bench Bench, d time.Duration, top int) (*Profiles, error) {
	p, err := b.pkg(bench.Package)
	if err != nil {
		return nil, err
	}
	re := exactBench(bench.Name)
	var runs [2]map[profiling.Kind]profiling.Run
	out := &Profiles{Sets: profiling.Sets{Off: profiling.Set{}, On: profiling.Set{}, Diff: profiling.Set{}},
		Comparisons: map[profiling.Kind]*profiling.Comparison{}}
	for _, side := range stats.Sides() {
		n := bench.Result.ProfileOps(d, side)
		ops := int64(n)
		if n > 1 {
			ops++ // the testing package runs one iteration before the N
		}
		base := []string{"-test.run", "^$", "-test.bench", re, "-test.benchtime", strconv.Itoa(n) + "x", "-test.count", "1"}
		runs[side] = map[profiling.Kind]profiling.Run{}
		for _, ps := range passes {
			file := filepath.Join(b.work, fmt.Sprintf("%s.%s.pb.gz", ps.kind, side))
			if _, err := b.run(ctx, p, side, append(base, ps.flags(file)...)...); err != nil {
				return nil, fmt.Errorf("%s profile: %w", ps.kind, err)
			}
			prof, err := profiling.Load(file)
			if err != nil {
				return nil, fmt.Errorf("%s profile of %s %s: %w", ps.kind, bench.Name, side, err)
			}
			if ps.kind == profiling.Mutex {
				profiling.MarkMutex(prof)
			}
			runs[side][ps.kind] = profiling.Run{Profile: prof, Ops: ops}
		}
		heap := runs[side][profiling.Allocs].Profile.Copy()
		heap.DefaultSampleType = "inuse_space"
		runs[side][profiling.Heap] = profiling.Run{Profile: heap, Ops: ops}

		wall, err := b.wallPass(ctx, p, side, base)
		if err != nil {
			return nil, err
		}
		if wall != nil {
			runs[side][profiling.Wall] = profiling.Run{Profile: wall, Ops: ops}
		} else if out.WallAbsent == "" {
			out.WallAbsent = fmt.Sprintf("no wall-clock profile: Benchmark%s does not call wallprof.Start; add `defer wallprof.Start(b)()` "+
				"(import github.com/perfbench/perfbench/gobench/wallprof) at its top for one", procsRE.ReplaceAllString(bench.Name, ""))
		}
	}
	for _, k := range profiling.Kinds() {
		off, on := runs[stats.Off][k], runs[stats.On][k]
		if off.Profile == nil || on.Profile == nil {
			continue
		}
		c, err := profiling.Compare(off, on, top)
		if err != nil {
			return nil, fmt.Errorf("compare %s profiles of %s: %w", k, bench.Name, err)
		}
		out.Sets.Off[k], out.Sets.On[k], out.Sets.Diff[k] = c.OffProfile, c.OnProfile, c.Diff
		out.Comparisons[k] = c
	}
	return out, nil
}

// wallPass runs the benchmark with wallprof's file set; nil when the
// benchmark did not write one.
func (b *Build) wallPass(ctx context.Context, p Package, side stats.Side, base []string) (*profile.Profile, error) {
	file := filepath.Join(b.work, "wall."+side.String()+".pb.gz")
	cmd := b.command(ctx, p, side, base...)
	cmd.Env = slices.Concat(cmd.Env, []string{wallprof.EnvVar + "=" + file})
	if _, err := b.wait(ctx, cmd, p, side); err != nil {
		return nil, fmt.Errorf("wall profile: %w", err)
	}
	prof, err := profiling.Load(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wall profile: %w", err)
	}
	return prof, os.Remove(file)
}

func (b *Build) pkg(importPath string) (Package, error) {
	for _, p := range b.Packages {
		if p.ImportPath == importPath {
			return p, nil
		}
	}
	return Package{}, fmt.Errorf("package %s was not built", importPath)
}

// exactBench is a -test.bench regex that selects the one benchmark named
// (as benchfmt names it), level by level; the GOMAXPROCS suffix is not
// part of what -test.bench matches.
func exactBench(name string) string {
	base, parts := benchfmt.Name(name).Parts()
	re := "^" + regexp.QuoteMeta("Benchmark"+string(base)) + "$"
	for _, part := range parts {
		if len(part) > 0 && part[0] == '/' {
			re += "/^" + regexp.QuoteMeta(string(part[1:])) + "$"
		}
	}
	return re
}
