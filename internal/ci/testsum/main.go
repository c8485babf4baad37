// Command testsum reads `go test -json` on stdin and prints what a plain
// `go test` prints (per-package ok/FAIL lines, the output of failed tests,
// build errors), then every skipped test with its reason. It exits 1 when a
// test or package failed, or when a test skipped that the allow-list does
// not name, so that a check that did not run cannot pass unseen.
//
//	go test -race -count=1 -json ./... | go run ./internal/ci/testsum -allow .ci/skips.txt
//
// The allow-list has one allowed skip per line,
//
//	PACKAGE TEST — REASON
//
// where PACKAGE is the import path relative to the module ("." for its
// root, or the full import path) and TEST the full test name (subtests as
// TestX/sub). Blank lines and lines starting with # are ignored; a line
// without a reason is an error (exit 2).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	fs := flag.NewFlagSet("testsum", flag.ContinueOnError)
	allowPath := fs.String("allow", ".ci/skips.txt", "the allow-list of skips")
	modPath := fs.String("modfile", "go.mod", "the go.mod whose module path package names are relative to")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr, *allowPath, *modPath))
}

func run(in io.Reader, stdout, stderr io.Writer, allowPath, modPath string) int {
	module, err := modulePath(modPath)
	if err != nil {
		fmt.Fprintln(stderr, "testsum:", err)
		return 2
	}
	f, err := os.Open(allowPath)
	if err != nil {
		fmt.Fprintln(stderr, "testsum:", err)
		return 2
	}
	defer f.Close()
	allow, err := ParseAllow(f, module)
	if err != nil {
		fmt.Fprintf(stderr, "testsum: %s: %v\n", allowPath, err)
		return 2
	}
	s, err := Summarize(in, stdout, module)
	if err != nil {
		fmt.Fprintln(stderr, "testsum:", err)
		return 1
	}
	return s.Report(stdout, allow, allowPath)
}

// modulePath reads the module line of a go.mod file.
func modulePath(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("module path: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("module path: no module line in %s", path)
}
