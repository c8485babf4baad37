package gobench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/stats"
)

// compilerLines is how much of a failed build's output an error quotes:
// the first errors are the ones to fix; the rest often follow from them.
const compilerLines = 10

// Package is one package the pattern matched that has benchmarks the
// regex selects, with its test binary for each side.
type Package struct {
	ImportPath string
	Dir        string
	// Benchmarks are the top-level benchmarks the regex selects, as
	// -test.list names them (BenchmarkX).
	Benchmarks []string
	bin        [2]string
	dirs       [2]string // where each side's binary runs: the package's directory in its copy of the module
}

// Build is the user's benchmarks, compiled for both sides and checked.
// Close removes the binaries.
type Build struct {
	opts     Options
	work     string
	env      [2][]string
	Packages []Package
	// Warnings are found while checking, e.g. a toggle with no sign of use.
	Warnings []string
}

// Prepare checks opts against the user's module, builds a test binary per
// package and side, and runs each once (one iteration, verbose) to catch
// a failing benchmark and a toggle that shows no sign of use before any
// round is measured. What the user must fix is cmderr bad input, naming
// what is valid; a benchmark that fails is a plain error.
func Prepare(ctx context.Context, opts Options) (_ *Build, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("module directory: %w", err)
	}
	opts.Dir = dir
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, cmderr.BadInputf("module directory %s is not a directory: give the directory of your Go module (the one holding go.mod)", dir)
	}
	if err := checkModule(ctx, dir); err != nil {
		return nil, err
	}
	if opts.Sides != nil {
		// The packages are listed in the on side's copy; the off side's
		// copy must be a module too.
		if err := checkModule(ctx, opts.Sides.Dirs[stats.Off]); err != nil {
			return nil, err
		}
	}
	pkgs, err := listPackages(ctx, dir, opts.Pkg)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "perfbench-gobench-*")
	if err != nil {
		return nil, fmt.Errorf("build directory: %w", err)
	}
	b := &Build{opts: opts, work: work, env: sideEnv(os.Environ(), opts.Toggle)}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if err := b.compile(ctx, pkgs); err != nil {
		return nil, err
	}
	if err := b.selectBenchmarks(ctx); err != nil {
		return nil, err
	}
	if err := b.probe(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Close removes the test binaries and scratch files.
func (b *Build) Close() error { return os.RemoveAll(b.work) }

// sideEnv gives each side its environment: the caller's without the
// toggle's keys for off, with the toggle's values for on.
func sideEnv(base []string, t Toggle) [2][]string {
	keys := t.envKeys()
	var off []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(keys, k) {
			off = append(off, kv)
		}
	}
	return [2][]string{off, append(slices.Clip(off), t.Env...)}
}

func goCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	return cmd
}

func checkModule(ctx context.Context, dir string) error {
	out, err := goCmd(ctx, dir, "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD in %s: %w", dir, err)
	}
	if mod := strings.TrimSpace(string(out)); mod == "" || mod == os.DevNull {
		return cmderr.BadInputf("no Go module at %s: there is no go.mod there or in a parent directory; run in your module or pass its directory", dir)
	}
	return nil
}

type listed struct {
	importPath, dir string
	tests           int
}

// listPackages resolves the pattern with go list. A pattern matching no
// package, or an error go list reports, is bad input naming the module's
// packages.
func listPackages(ctx context.Context, dir, pattern string) ([]listed, error) {
	cmd := goCmd(ctx, dir, "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}", "--", pattern)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var pkgs []listed
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) != 4 {
			continue
		}
		t, _ := strconv.Atoi(f[2])
		x, _ := strconv.Atoi(f[3])
		pkgs = append(pkgs, listed{importPath: f[0], dir: f[1], tests: t + x})
	}
	if err != nil || len(pkgs) == 0 {
		why := firstLines(stderr.String(), 3)
		if why == "" {
			why = "it matched no packages"
		}
		return nil, cmderr.BadInputf("package pattern %q matches no package in %s (%s); packages there: %s",
			pattern, dir, why, modulePackages(ctx, dir))
	}
	var withTests []listed
	for _, p := range pkgs {
		if p.tests > 0 {
			withTests = append(withTests, p)
		}
	}
	if len(withTests) == 0 {
		return nil, cmderr.BadInputf("package pattern %q matches only packages without test files (%s): benchmarks live in _test.go files",
			pattern, strings.Join(importPaths(pkgs), ", "))
	}
	return withTests, nil
}

func importPaths(pkgs []listed) []string {
	out := make([]string, len(pkgs))
	for i, p := range pkgs {
		out[i] = p.importPath
	}
	return out
}

// modulePackages lists the module's packages for an error message, at
// most ten of them.
func modulePackages(ctx context.Context, dir string) string {
	out, err := goCmd(ctx, dir, "list", "./...").Output()
	names := strings.Fields(string(out))
	if err != nil || len(names) == 0 {
		return "none found by go list ./..."
	}
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

// compile builds one test binary per package and side. The on side failing
// to build with its tags is bad input; the off side failing is the user's
// code not compiling, a plain error.
func (b *Build) compile(ctx context.Context, pkgs []listed) error {
	for i, p := range pkgs {
		pkg := Package{ImportPath: p.importPath, Dir: p.dir, dirs: [2]string{p.dir, p.dir}}
		for _, side := range stats.Sides() {
			bin := filepath.Join(b.work, fmt.Sprintf("%d.%s.test", i, side))
			pkg.bin[side] = bin
			dir, tags := b.opts.Dir, ""
			if side == stats.On || b.opts.Sides != nil {
				tags = b.opts.Toggle.Tags
			}
			var cache BinCache
			if s := b.opts.Sides; s != nil {
				dir, cache = s.Dirs[side], s.Cache[side]
				rel, err := filepath.Rel(b.opts.Dir, p.dir)
				if err != nil {
					return fmt.Errorf("package %s: %w", p.importPath, err)
				}
				pkg.dirs[side] = filepath.Join(dir, rel)
			}
			if cache != nil {
				if hit, err := cache.Get(p.importPath, bin); err != nil || hit {
					if err != nil {
						return fmt.Errorf("build cache, %s: %w", p.importPath, err)
					}
					continue
				}
			}
			args := []string{"test", "-c", "-o", bin}
			if tags != "" {
				args = append(args, "-tags", tags)
			}
			out, err := goCmd(ctx, dir, append(args, p.importPath)...).CombinedOutput()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				msg := fmt.Sprintf("go test -c %s for the %s: %v\n%s", p.importPath, b.opts.describe(side), err, firstLines(string(out), compilerLines))
				if side == stats.On && b.opts.Toggle.Tags != "" && b.opts.Sides == nil {
					return cmderr.BadInputf("on-tags %q: the on side does not build (the off side, without them, does); give tags under which the package compiles.\n%s", b.opts.Toggle.Tags, msg)
				}
				if b.opts.Sides != nil {
					return cmderr.BadInputf("the %s does not build; give a ref whose benchmarks compile.\n%s", b.opts.describe(side), msg)
				}
				return errors.New(msg)
			}
			if cache != nil {
				if err := cache.Put(p.importPath, bin); err != nil {
					return fmt.Errorf("build cache, %s: %w", p.importPath, err)
				}
			}
		}
		b.Packages = append(b.Packages, pkg)
	}
	return nil
}

// selectBenchmarks keeps the packages with a benchmark the regex selects,
// as the off binary's -test.list reports them. -test.list matches
// top-level names only, so it gets the regex's first level.
func (b *Build) selectBenchmarks(ctx context.Context) error {
	top := splitBench(b.opts.Bench)[0]
	var kept []Package
	var all []string
	for _, p := range b.Packages {
		out, err := b.command(ctx, p, stats.Off, "-test.list", ".").Output()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("list benchmarks of %s: %w", p.ImportPath, err)
		}
		re := regexp.MustCompile(top) // Validate compiled it
		for line := range strings.Lines(string(out)) {
			name := strings.TrimSpace(line)
			if !strings.HasPrefix(name, "Benchmark") {
				continue
			}
			all = append(all, name)
			if re.MatchString(name) {
				p.Benchmarks = append(p.Benchmarks, name)
			}
		}
		if len(p.Benchmarks) > 0 {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		valid := "there are none"
		if len(all) > 0 {
			valid = "valid: " + strings.Join(all, ", ")
		}
		return cmderr.BadInputf("benchmark regex %q matches no benchmark in %s (%s)", b.opts.Bench, b.opts.Pkg, valid)
	}
	b.Packages = kept
	return nil
}

// command is a side's test binary with args, then the toggle's arguments
// on the on side, run in the package's directory as go test runs it.
func (b *Build) command(ctx context.Context, p Package, side stats.Side, args ...string) *exec.Cmd {
	if side == stats.On {
		args = append(slices.Clip(args), b.opts.Toggle.Args...)
	}
	cmd := exec.CommandContext(ctx, p.bin[side], args...)
	cmd.Dir = p.dirs[side]
	cmd.Env = b.env[side]
	cmd.WaitDelay = time.Second
	return cmd
}

// run runs a side's benchmarks with args and returns their output. A
// binary that exits non-zero has a failing benchmark: the error names the
// side and the benchmark, and the output is kept in a file.
func (b *Build) run(ctx context.Context, p Package, side stats.Side, args ...string) ([]byte, error) {
	return b.wait(ctx, b.command(ctx, p, side, args...), p, side)
}

// wait runs cmd, one of p's binaries on side, as run does.
func (b *Build) wait(ctx context.Context, cmd *exec.Cmd, p Package, side stats.Side) ([]byte, error) {
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err == nil {
		return out, nil
	}
	name := failedBenchmark(out)
	kept, kerr := b.keep(out, p, side, name)
	if kerr != nil {
		kept = "not kept: " + kerr.Error()
	}
	return nil, fmt.Errorf("%s %s failed on the %s (%v): %s; its output is in %s",
		p.ImportPath, name, b.opts.describe(side), err, failureLine(out), kept)
}

func (b *Build) keep(out []byte, p Package, side stats.Side, name string) (string, error) {
	dir := b.opts.KeepDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	stem := strings.NewReplacer("/", "_", " ", "_").Replace(filepath.Base(p.ImportPath) + "." + name + "." + side.String())
	f, err := os.CreateTemp(dir, stem+".*.txt")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(out)
	if err := errors.Join(werr, f.Close()); err != nil {
		return "", err
	}
	return f.Name(), nil
}

var (
	failRE  = regexp.MustCompile(`(?m)^\s*--- FAIL: (Benchmark\S*)`)
	benchRE = regexp.MustCompile(`(?m)^(Benchmark\S*)`)
	procsRE = regexp.MustCompile(`-\d+$`)
)

// failedBenchmark finds which benchmark a failed run was in: the one a
// "--- FAIL" line names, or else the last one whose name was printed (a
// benchmark's name is printed as it starts, so a panic follows it).
func failedBenchmark(out []byte) string {
	if m := failRE.FindSubmatch(out); m != nil {
		return procsRE.ReplaceAllString(string(m[1]), "")
	}
	if ms := benchRE.FindAllSubmatch(out, -1); len(ms) > 0 {
		return procsRE.ReplaceAllString(string(ms[len(ms)-1][1]), "")
	}
	return "(benchmark unknown)"
}

// failureLine is the line that says why: a panic's message, or the first
// line of a failing benchmark's log.
func failureLine(out []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	var prevFail bool
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "panic: "); i >= 0 {
			return line[i:]
		}
		if prevFail && line != "" {
			return line
		}
		prevFail = strings.HasPrefix(line, "--- FAIL:")
	}
	return "no panic or failure message in its output"
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("… (%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}
