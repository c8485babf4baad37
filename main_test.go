package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	for _, tt := range []struct{ in, want string }{
		{"perfbench diff a b --top 5", "perfbench diff --top 5 a b"},
		{"perfbench diff a --format=json b -o d.pb.gz", "perfbench diff --format=json -o d.pb.gz a b"},
		{"perfbench diff -o d a b", "perfbench diff -o d a b"},
		{"perfbench diff a -- --top", "perfbench diff a -- --top"},
		{"perfbench baseline check --all extra", "perfbench baseline check --all extra"},
		{"perfbench baseline check extra --file f", "perfbench baseline check --file f extra"},
		{"perfbench bench --strict x --quick", "perfbench bench --strict --quick x"},
		{"perfbench nosuch a --b", "perfbench nosuch a --b"},
		{"perfbench", "perfbench"},
	} {
		if got := strings.Join(flagsFirst(app.Commands, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("flagsFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// perfbench runs the CLI in-process and returns exit code, stdout, stderr.
func perfbench(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"perfbench"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if smokeDir != "" {
		os.RemoveAll(filepath.Dir(smokeDir))
	}
	// Every command stops what it started: no agent, profiler or load
	// goroutine may outlive the tests.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
