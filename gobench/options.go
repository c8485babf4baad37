// Package gobench measures a user's own Go benchmarks off and on. The
// toggle is an environment variable, build tags or test arguments given
// to the on side only. Each side is a test binary built once with
// `go test -c`. The binaries run in interleaved ABBA rounds, one
// `-test.count 1` run per side per round. Their output is read with
// benchfmt into measure.Result values, one per benchmark, so they are
// judged by the same paired rules as the built-in workloads
// (measure.Result.Compare). Profiles are taken in passes of their own
// after the rounds, with the test binary's own profiling flags.
package gobench

import (
	"regexp"
	"strings"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/stats"
)

// Toggle is what the on side gets and the off side does not. At least one
// part is set; they may be combined.
type Toggle struct {
	// Env holds KEY=VALUE pairs set in the on side's environment. The off
	// side runs with those keys removed, so that a value inherited from the
	// caller's shell cannot switch it on too.
	Env []string
	// Tags are passed to `go test -c -tags` for the on side's build.
	Tags string
	// Args follow the on side's test flags, as `go test … -args ARGS` would
	// pass them.
	Args []string
}

// IsZero reports whether t switches nothing.
func (t Toggle) IsZero() bool { return len(t.Env) == 0 && t.Tags == "" && len(t.Args) == 0 }

// String describes the on side in results, e.g. "env FOO=1 tags x".
func (t Toggle) String() string {
	var parts []string
	if len(t.Env) > 0 {
		parts = append(parts, "env "+strings.Join(t.Env, " "))
	}
	if t.Tags != "" {
		parts = append(parts, "tags "+t.Tags)
	}
	if len(t.Args) > 0 {
		parts = append(parts, "args "+strings.Join(t.Args, " "))
	}
	return strings.Join(parts, " ")
}

// envKeys are the keys of Env, in order.
func (t Toggle) envKeys() []string {
	keys := make([]string, len(t.Env))
	for i, kv := range t.Env {
		keys[i], _, _ = strings.Cut(kv, "=")
	}
	return keys
}

// Options say what to measure.
type Options struct {
	// Dir is the user's module (or a directory inside it); "" is the
	// current directory.
	Dir string
	// Pkg is a package pattern as `go list` takes it, e.g. "./..." .
	Pkg string
	// Bench is the -test.bench regular expression.
	Bench  string
	Toggle Toggle
	// Rounds per side, and the -test.benchtime of each round.
	Rounds    int
	Benchtime measure.Benchtime
	// Sides, when set, builds each side from its own copy of the module
	// (a compare's base and head) instead of Dir.
	Sides *Sides
	// KeepDir receives the output of a benchmark that failed, so that it
	// outlives the run; "" is the system's temporary directory.
	KeepDir string
}

// Validate checks what can be checked without running anything.
func (o Options) Validate() error {
	if strings.TrimSpace(o.Pkg) == "" {
		return cmderr.BadInputf("no package pattern: give one as go list takes it, e.g. ./... or ./mypkg")
	}
	if strings.TrimSpace(o.Bench) == "" {
		return cmderr.BadInputf("no benchmark regex: give one as go test -bench takes it, e.g. . or ^BenchmarkParse$")
	}
	for _, part := range splitBench(o.Bench) {
		if _, err := regexp.Compile(part); err != nil {
			return cmderr.BadInputf("invalid benchmark regex %q: %v (want a Go regular expression, as go test -bench takes it)", o.Bench, err)
		}
	}
	if o.Toggle.IsZero() && o.Sides == nil {
		return cmderr.BadInputf("no toggle: give the on side an environment variable (KEY=VALUE), build tags or test arguments")
	}
	for _, kv := range o.Toggle.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t\n") {
			return cmderr.BadInputf("invalid on-env %q: want KEY=VALUE with a non-empty KEY", kv)
		}
	}
	if err := measure.CheckRounds(o.Rounds, measure.MinRounds); err != nil {
		return cmderr.BadInput(err)
	}
	if _, err := measure.ParseBenchtime(o.Benchtime.String()); err != nil {
		return cmderr.BadInput(err)
	}
	return nil
}

// splitBench splits a -test.bench regex into its per-level parts the way
// the testing package does: at slashes outside brackets and parentheses.
func splitBench(re string) []string {
	var parts []string
	depth, inClass, start := 0, false, 0
	for i := 0; i < len(re); i++ {
		switch c := re[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '/' && depth == 0:
			parts = append(parts, re[start:i])
			start = i + 1
		}
	}
	return append(parts, re[start:])
}

// Sides are two copies of one module, one per side: the toggle, if any,
// applies to both, and the sides differ by their code. Their outputs are
// expected to be alike, so probe does not warn about that.
type Sides struct {
	// Dirs are the module directories of the off and on sides, in the
	// order of stats.Sides.
	Dirs [2]string
	// Names say what results and errors call the sides, e.g. base, head.
	Names [2]string
	// Cache, where set, keeps a side's test binaries across runs (a
	// commit's build, say); nil builds every time.
	Cache [2]BinCache
}

// BinCache keeps test binaries by import path, for one side's code.
type BinCache interface {
	// Get copies the binary of importPath to dst; false when it has none.
	Get(importPath, dst string) (bool, error)
	// Put stores the binary at src as importPath's.
	Put(importPath, src string) error
}

// name is what results call a side.
func (o Options) name(side stats.Side) string {
	if o.Sides != nil {
		return o.Sides.Names[side]
	}
	if side == stats.On {
		return o.Toggle.String()
	}
	return side.String()
}

// describe is how an error names a side.
func (o Options) describe(side stats.Side) string {
	switch {
	case o.Sides != nil:
		return o.Sides.Names[side] + " side (" + o.Sides.Dirs[side] + ")"
	case side == stats.On:
		return "on side (" + o.Toggle.String() + ")"
	}
	return "off side"
}

// BaseName is a benchmark's benchfmt name without its GOMAXPROCS suffix
// ("Digest-2" is "Digest"), as a directory names it.
func BaseName(name string) string { return procsRE.ReplaceAllString(name, "") }
