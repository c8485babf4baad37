package gobench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/perfbench/perfbench/stats"
)

// probe runs every side once, one iteration per benchmark, verbose, before
// any round: a benchmark that fails does so here, cheaply. It also looks
// for a sign that the toggle does anything, and adds a warning when the
// two sides' outputs are identical (measurement lines left out: their
// timings always differ) and nothing else shows the toggle in use:
//   - env: the on side's test log (-test.testlogfile, what go test's cache
//     uses to see which variables a test reads) shows no getenv of a key;
//   - tags: go list sees the same files with and without them;
//   - args: nothing but the output can show their use.
func (b *Build) probe(ctx context.Context) error {
	same := true
	read := false
	for i, p := range b.Packages {
		var outs [2][]byte
		for _, side := range stats.Sides() {
			log := filepath.Join(b.work, fmt.Sprintf("%d.%s.testlog", i, side))
			out, err := b.run(ctx, p, side, "-test.run", "^$", "-test.bench", b.opts.Bench,
				"-test.benchtime", "1x", "-test.count", "1", "-test.v", "-test.testlogfile", log)
			if err != nil {
				return err
			}
			outs[side] = withoutMeasurements(out)
			if side == stats.On && readsEnv(log, b.opts.Toggle.envKeys()) {
				read = true
			}
		}
		same = same && bytes.Equal(outs[stats.Off], outs[stats.On])
	}
	if !same || read || b.opts.Sides != nil {
		return nil
	}
	t := b.opts.Toggle
	if t.Tags != "" {
		differ, err := tagsChangeFiles(ctx, b.opts.Dir, b.opts.Pkg, t.Tags)
		if err != nil {
			return err
		}
		if differ {
			return nil
		}
	}
	var why []string
	if len(t.Env) > 0 {
		why = append(why, "no benchmark read "+strings.Join(t.envKeys(), " or "))
	}
	if t.Tags != "" {
		why = append(why, "the tags select the same files as no tags")
	}
	if len(t.Args) > 0 {
		why = append(why, "the arguments changed nothing in the -test.v output")
	}
	b.Warnings = append(b.Warnings, fmt.Sprintf(
		"the toggle (%s) shows no sign of use: both sides printed the same, and %s; the two sides may be identical",
		t, strings.Join(why, ", ")))
	return nil
}

// withoutMeasurements drops the benchmark result lines (name, iterations,
// values), whose timings differ from run to run.
func withoutMeasurements(out []byte) []byte {
	var kept []byte
	for line := range bytes.Lines(out) {
		f := strings.Fields(string(line))
		if len(f) >= 3 && strings.HasPrefix(f[0], "Benchmark") {
			if _, err := strconv.Atoi(f[1]); err == nil {
				continue
			}
		}
		kept = append(kept, line...)
	}
	return kept
}

// readsEnv reports whether a test log records a getenv of any of keys.
func readsEnv(log string, keys []string) bool {
	b, err := os.ReadFile(log)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "getenv "); ok {
			for _, want := range keys {
				if k == want {
					return true
				}
			}
		}
	}
	return false
}

// tagsChangeFiles reports whether building pattern's packages and their
// tests with tags compiles other files than without them.
func tagsChangeFiles(ctx context.Context, dir, pattern, tags string) (bool, error) {
	list := func(extra ...string) (string, error) {
		args := append([]string{"list", "-deps", "-test", "-f",
			"{{if not (eq .Name \"main\")}}{{.ImportPath}} {{.GoFiles}} {{.CgoFiles}} {{.TestGoFiles}} {{.XTestGoFiles}}{{end}}"}, extra...)
		out, err := goCmd(ctx, dir, append(args, "--", pattern)...).Output()
		if err != nil {
			return "", fmt.Errorf("go list %s: %w", strings.Join(extra, " "), err)
		}
		return string(out), nil
	}
	off, err := list()
	if err != nil {
		return false, err
	}
	on, err := list("-tags", tags)
	if err != nil {
		return false, err
	}
	return off != on, nil
}
