package usercode

import (
	"context"
	"errors"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/perfbench/perfbench/buildcache"
	"github.com/perfbench/perfbench/compare"
	"github.com/perfbench/perfbench/gobench"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/verdict"
)

// CompareOptions is `perfbench compare --pkg` as the user gave it.
type CompareOptions struct {
	Dir        string // the module in its git repository; "" is the current directory
	Base, Head string // Head "" is the working tree as it is
	Pkg, Bench string
	// Conflicts names the built-in selection flags given too (--opt,
	// --workload, --tags-base, --tags-head).
	Conflicts   []string
	Rounds      int
	Benchtime   string
	ProfileTime time.Duration
	Out         string // the run directory
	Top         int
	Format      string
	Log         io.Writer
	// Cache keeps the test binaries of committed states between runs;
	// nil is buildcache.Default, read from the environment as compare
	// reads it.
	Cache *buildcache.Cache
}

// Validate checks the request before the repository is looked at.
func (o CompareOptions) Validate() error {
	_, err := o.options()
	return err
}

func (o CompareOptions) options() (gobench.Options, error) {
	if len(o.Conflicts) > 0 {
		return gobench.Options{}, cmderr.BadInputf("--pkg compares your own benchmarks and cannot be combined with %s, which select perfbench's built-in workloads",
			strings.Join(o.Conflicts, ", "))
	}
	if strings.TrimSpace(o.Base) == "" {
		return gobench.Options{}, cmderr.BadInputf("--base is required: the git ref (branch, tag or commit) to compare against")
	}
	if strings.TrimSpace(o.Out) == "" {
		return gobench.Options{}, cmderr.BadInputf("--out is empty: want the run directory, e.g. profiles/compare (the default)")
	}
	if _, err := report.ParseFormat(o.Format); err != nil {
		return gobench.Options{}, err
	}
	if err := measure.CheckProfileTime(o.ProfileTime); err != nil {
		return gobench.Options{}, cmderr.BadInput(err)
	}
	if err := profiling.CheckTop(o.Top); err != nil {
		return gobench.Options{}, cmderr.BadInput(err)
	}
	bt, err := measure.ParseBenchtime(o.Benchtime)
	if err != nil {
		return gobench.Options{}, cmderr.BadInput(err)
	}
	g := gobench.Options{Dir: o.Dir, Pkg: o.Pkg, Bench: o.Bench, Rounds: o.Rounds, Benchtime: bt, Sides: &gobench.Sides{}}
	return g, g.Validate()
}

// cacheOf keeps one commit's test binaries in the build cache, keyed by
// package import path.
type cacheOf struct {
	c         *buildcache.Cache
	wt        *compare.Worktrees
	commit    string
	toolchain string
}

func (c cacheOf) key(importPath string) buildcache.Key {
	return c.wt.Key(c.commit, "go test -c "+importPath, "", c.toolchain)
}

func (c cacheOf) Get(importPath, dst string) (bool, error) { return c.c.Get(c.key(importPath), dst) }
func (c cacheOf) Put(importPath, src string) error         { return c.c.Put(c.key(importPath), src) }

// RunCompare is `perfbench compare --pkg`: the user's benchmarks at base
// and at head, each built once from its own git worktree (a committed
// state's test binaries kept in the build cache by commit), measured in
// interleaved ABBA rounds and judged by compare's rules (compare.Judge);
// head's profiles are diffed against base's. A regression is exit 3.
func RunCompare(ctx context.Context, o CompareOptions, out io.Writer) error {
	g, err := o.options()
	if err != nil {
		return err
	}
	f, _ := report.ParseFormat(o.Format)
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	cache := o.Cache
	if cache == nil {
		if cache, err = buildcache.Default(os.Getenv); err != nil {
			return cmderr.BadInput(err)
		}
	}
	_, err = runout.Do(o.Out, f, out, log, func() (_ *compare.Outcome, err error) {
		wt, err := compare.OpenWorktrees(ctx, o.Dir)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, wt.Remove()) }()
		return measureCompare(ctx, o, g, wt, cache, log)
	})
	return err
}

func measureCompare(ctx context.Context, o CompareOptions, g gobench.Options, wt *compare.Worktrees, cache *buildcache.Cache, log io.Writer) (*compare.Outcome, error) {
	start := time.Now()
	toolchain, err := compare.Toolchain(ctx)
	if err != nil {
		return nil, err
	}
	base := compare.Build{Ref: o.Base, Go: goruntime.Version()}
	head := compare.Build{Ref: o.Head, Go: goruntime.Version()}
	if base.Commit, err = wt.Resolve(ctx, o.Base); err != nil {
		return nil, err
	}
	var dirs [2]string
	if dirs[stats.Off], err = wt.Checkout(ctx, "base", base.Commit); err != nil {
		return nil, err
	}
	dirs[stats.On] = wt.Dir()
	if o.Head == "" {
		if head.Commit, err = wt.Resolve(ctx, "HEAD"); err != nil {
			return nil, err
		}
		if head.Dirty, err = wt.Dirty(ctx); err != nil {
			return nil, err
		}
	} else {
		if head.Commit, err = wt.Resolve(ctx, o.Head); err != nil {
			return nil, err
		}
		if dirs[stats.On], err = wt.Checkout(ctx, "head", head.Commit); err != nil {
			return nil, err
		}
	}
	sides := &gobench.Sides{Dirs: dirs, Names: [2]string{"base", "head"}}
	if cache != nil {
		sides.Cache[stats.Off] = cacheOf{cache, wt, base.Commit, toolchain}
		if !head.Dirty {
			sides.Cache[stats.On] = cacheOf{cache, wt, head.Commit, toolchain}
		}
	}
	g.Dir, g.Sides = dirs[stats.On], sides
	b, err := gobench.Prepare(ctx, g)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	pr := progress.New(log, "compare "+o.Pkg, time.Duration(2*o.Rounds)*max(g.Benchtime.D, 50*time.Millisecond)+8*o.ProfileTime)
	benches, err := b.Measure(ctx, pr.Event)
	pr.Done()
	if err != nil {
		return nil, err
	}
	res := &compare.Outcome{
		Plan: compare.Plan{Request: compare.Request{Base: o.Base, Head: o.Head, Rounds: o.Rounds, Benchtime: o.Benchtime,
			ProfileTime: o.ProfileTime, Out: o.Out, Dir: o.Dir}, Settings: measure.Settings{Rounds: o.Rounds, Benchtime: g.Benchtime}},
		Env: machine.Current(), Base: base, Head: head,
	}
	for _, bn := range benches {
		p, err := b.Profile(ctx, bn, o.ProfileTime, o.Top)
		if err != nil {
			return nil, err
		}
		c := compare.CaseResult{Measurement: bn.Result, Comparisons: bn.Result.Compare(), Profiles: p.Sets}
		c.ID = bn.Package + "." + bn.Name
		c.Workload, c.Runs = bn.Name, []string{"go test -bench in " + bn.Package}
		for _, cmp := range c.Comparisons {
			v := compare.Judge(c.ID, cmp)
			c.Verdicts = append(c.Verdicts, v)
			if v.Status == verdict.Fail {
				c.Regressions = append(c.Regressions, cmp.Metric.Name)
			}
		}
		res.Cases = append(res.Cases, c)
	}
	res.Elapsed, res.Created = time.Since(start), time.Now().UTC()
	return res, nil
}
