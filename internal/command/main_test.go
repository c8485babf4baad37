package command

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/argv"
	"go.uber.org/goleak"
)

// The real commands' flags: a flag after the arguments is read as a flag.
func TestFlagsAfterArguments(t *testing.T) {
	app := newApp(catalog.Builtin(), io.Discard, io.Discard)
	got := strings.Join(argv.FlagsFirst(argv.Commands(app.Commands), strings.Fields("perfbench diff a b --top 5 --format=json -o x")), " ")
	if want := "perfbench diff --top 5 --format=json -o x a b"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	got = strings.Join(argv.FlagsFirst(argv.Commands(app.Commands), strings.Fields("perfbench baseline check x --all --file f")), " ")
	if want := "perfbench baseline check --all --file f x"; got != want {
		t.Fatalf("got %q, want %q", got, want)
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
