// Package usercode is `perfbench profile --pkg` and `perfbench compare
// --pkg`: a user's own `go test -bench` benchmarks measured by gobench,
// judged by the built-in rules and written as the built-in profile runs
// are — a results.json of kind profile per benchmark, its profiles and
// their diffs, bench.txt, summary.md and report.html — so that `perfbench
// report` and the HTML page read them unchanged.
package usercode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfbench/perfbench/gobench"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
)

// Defaults of a request on the user's code.
const (
	DefaultRounds      = measure.DefaultRounds
	DefaultBenchtime   = "200ms"
	DefaultProfileTime = time.Second
	DefaultTop         = 5
)

// ProfileOptions is `perfbench profile --pkg` as the user gave it.
type ProfileOptions struct {
	Dir    string // the module; "" is the current directory
	Pkg    string
	Bench  string
	Toggle gobench.Toggle
	// Conflicts names the built-in workload flags given too (--opt,
	// --workload): they select the runtime's workloads, not the user's.
	Conflicts   []string
	Rounds      int
	Benchtime   string
	ProfileTime time.Duration
	Out         string // output root: a benchmark's run goes to Out/<package's last element>/<benchmark>
	Top         int
	Format      string
	Log         io.Writer // progress, warnings and what was written
}

// Validate checks what can be checked before the module is looked at; every
// error is bad input naming what is valid.
func (o ProfileOptions) Validate() error {
	_, _, err := o.config()
	return err
}

func (o ProfileOptions) config() (gobench.Options, report.Format, error) {
	if len(o.Conflicts) > 0 {
		return gobench.Options{}, "", cmderr.BadInputf("--pkg measures your own benchmarks and cannot be combined with %s, which select perfbench's built-in workloads: give either --pkg, --bench and a toggle (--on-env, --on-tags, --on-args) or --opt and --workload",
			strings.Join(o.Conflicts, ", "))
	}
	if strings.TrimSpace(o.Out) == "" {
		return gobench.Options{}, "", cmderr.BadInputf("--out is empty: want the output root, e.g. profiles (the default)")
	}
	f, err := report.ParseFormat(o.Format)
	if err != nil {
		return gobench.Options{}, "", err
	}
	if err := measure.CheckProfileTime(o.ProfileTime); err != nil {
		return gobench.Options{}, "", cmderr.BadInput(err)
	}
	if err := profiling.CheckTop(o.Top); err != nil {
		return gobench.Options{}, "", cmderr.BadInput(err)
	}
	bt, err := measure.ParseBenchtime(o.Benchtime)
	if err != nil {
		return gobench.Options{}, "", cmderr.BadInput(err)
	}
	g := gobench.Options{Dir: o.Dir, Pkg: o.Pkg, Bench: o.Bench, Toggle: o.Toggle, Rounds: o.Rounds, Benchtime: bt}
	return g, f, g.Validate()
}

// RunDir is where a benchmark's run goes under root: the package's last
// path element, then the benchmark's name without its Benchmark prefix and
// GOMAXPROCS suffix, sub-benchmark levels joined by "_".
func RunDir(root, importPath, bench string) string {
	name := strings.ReplaceAll(gobench.BaseName(bench), "/", "_")
	return filepath.Join(root, path.Base(importPath), name)
}

// RunProfile is `perfbench profile --pkg`: build both sides, measure them
// in interleaved rounds, profile each benchmark, and write every
// benchmark's run all or nothing, then print them. A benchmark that fails
// is an error naming its side (exit 1); bad input writes nothing (exit 2).
func RunProfile(ctx context.Context, o ProfileOptions, out io.Writer) error {
	g, f, err := o.config()
	if err != nil {
		return err
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	// Check the output root before anything is built; the run directories
	// themselves are only known once the benchmarks are listed.
	if err := checkRoot(o.Out); err != nil {
		return err
	}
	b, err := gobench.Prepare(ctx, g)
	if err != nil {
		return err
	}
	defer b.Close()
	for _, w := range b.Warnings {
		fmt.Fprintf(log, "perfbench: warning: %s\n", w)
	}
	start := time.Now()
	pr := progress.New(log, "profile "+o.Pkg, time.Duration(2*o.Rounds)*max(g.Benchtime.D, 50*time.Millisecond)+8*o.ProfileTime)
	benches, err := b.Measure(ctx, pr.Event)
	pr.Done()
	if err != nil {
		return err
	}
	env := machine.Current()
	set := &Runs{Format: f}
	for _, bn := range benches {
		p, err := b.Profile(ctx, bn, o.ProfileTime, o.Top)
		if err != nil {
			return err
		}
		set.Runs = append(set.Runs, &Run{
			Dir: RunDir(o.Out, bn.Package, bn.Name), Bench: bn, Profiles: p, Env: env,
			Toggle: g.Toggle.String(), ProfileTime: o.ProfileTime, Warnings: b.Warnings,
			Elapsed: time.Since(start), Created: time.Now().UTC(),
		})
	}
	if err := set.Write(); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: nothing was written to %s", o.Out)
		}
		return err
	}
	if err := set.Print(out, f); err != nil {
		return err
	}
	for _, r := range set.Runs {
		fmt.Fprintf(log, "perfbench: wrote %d files to %s\n", len(r.FileNames()), r.Dir)
	}
	return nil
}
