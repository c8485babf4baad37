package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json's TestEvent, and the
// build events the go command adds).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output, build-fail
}

// Skip is a skipped test and why, as the test said with t.Skip.
type Skip struct {
	Package string // relative to the module: "." or "report/htmlpage"
	Test    string
	Reason  string
}

// Summary is what a `go test -json` stream held.
type Summary struct {
	Skips          []Skip
	FailedTests    []string // "package TestName"
	FailedPackages []string
}

type testKey struct{ pkg, test string }

// Summarize reads a `go test -json` stream and echoes to out what a plain
// `go test` would print: package-level lines (ok, FAIL, "no test files",
// goleak and panic reports), build errors, and the output of each failed
// test; the output of passing and skipped tests is dropped, as go test
// does without -v.
func Summarize(in io.Reader, out io.Writer, module string) (*Summary, error) {
	s := &Summary{}
	pending := map[testKey][]string{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		var e event
		if err := json.Unmarshal(raw, &e); err != nil {
			// go test prints some errors (a pattern that matches nothing,
			// a broken go.mod) as plain text even with -json.
			fmt.Fprintln(out, string(raw))
			continue
		}
		k := testKey{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "output" && e.Test == "":
			if e.Output != "PASS\n" { // plain go test shows it only with -v
				fmt.Fprint(out, e.Output)
			}
		case e.Action == "output":
			if !isFraming(e.Output) {
				pending[k] = append(pending[k], e.Output)
			}
		case e.Action == "fail" && e.Test != "":
			// -json puts go test's "--- FAIL" line after the test's output;
			// plain go test prints it first.
			lines := pending[k]
			if i := slices.IndexFunc(lines, isFailHeader); i > 0 {
				lines = slices.Concat(lines[i:i+1], lines[:i], lines[i+1:])
			}
			for _, o := range lines {
				fmt.Fprint(out, o)
			}
			delete(pending, k)
			s.FailedTests = append(s.FailedTests, rel(e.Package, module)+" "+e.Test)
		case e.Action == "fail":
			s.FailedPackages = append(s.FailedPackages, rel(e.Package, module))
		case e.Action == "skip" && e.Test != "": // a package with no test files skips without a Test
			s.Skips = append(s.Skips, Skip{Package: rel(e.Package, module), Test: e.Test, Reason: reason(pending[k])})
			delete(pending, k)
		case e.Action == "pass":
			delete(pending, k)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read go test -json: %w", err)
	}
	return s, nil
}

// isFraming tells go test's own lines about a test (=== RUN, --- PASS …)
// from what the test wrote. "--- FAIL" stays: plain go test prints it.
func isFraming(o string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "--- SKIP"} {
		if strings.HasPrefix(o, p) {
			return true
		}
	}
	return false
}

func isFailHeader(o string) bool { return strings.HasPrefix(strings.TrimSpace(o), "--- FAIL") }

// reason is a skipped test's own output on one line.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " / ")
}

func rel(pkg, module string) string {
	if pkg == module {
		return "."
	}
	if r, ok := strings.CutPrefix(pkg, module+"/"); ok {
		return r
	}
	return pkg
}

// Allowed is one line of the allow-list.
type Allowed struct {
	Package, Test, Reason string
}

// ParseAllow reads an allow-list: "PACKAGE TEST — REASON" per line, blank
// lines and # comments ignored. A package given by its full import path is
// made relative to module, as Summary's are.
func ParseAllow(r io.Reader, module string) ([]Allowed, error) {
	var out []Allowed
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, why, ok := strings.Cut(line, "—")
		fields := strings.Fields(head)
		if !ok || len(fields) != 2 || strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("line %d: %q: want \"PACKAGE TEST — REASON\" (an em dash, and a reason)", n, line)
		}
		out = append(out, Allowed{Package: rel(fields[0], module), Test: fields[1], Reason: strings.TrimSpace(why)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read allow-list: %w", err)
	}
	return out, nil
}

// Report prints the skipped tests, each marked allowed or not, and the
// verdict; it returns the exit code: 0, or 1 when a test or package failed
// or a skip is not allowed.
func (s *Summary) Report(out io.Writer, allow []Allowed, allowPath string) int {
	code := 0
	fmt.Fprintf(out, "== skipped tests: %d\n", len(s.Skips))
	used := make([]bool, len(allow))
	for _, sk := range s.Skips {
		i := slices.IndexFunc(allow, func(a Allowed) bool { return a.Package == sk.Package && a.Test == sk.Test })
		mark := "NOT ALLOWED"
		if i >= 0 {
			used[i] = true
			mark = "allowed: " + allow[i].Reason
		} else {
			code = 1
		}
		fmt.Fprintf(out, "  %s %s — %s [%s]\n", sk.Package, sk.Test, sk.Reason, mark)
	}
	for i, a := range allow {
		if !used[i] {
			fmt.Fprintf(out, "  (allowed, did not skip: %s %s)\n", a.Package, a.Test)
		}
	}
	if code != 0 {
		fmt.Fprintf(out, "a test skipped that %s does not allow: make it run here, or add it with the reason it cannot\n", allowPath)
	}
	if n := len(s.FailedTests); n > 0 {
		code = 1
		fmt.Fprintf(out, "%d failed tests: %s\n", n, strings.Join(s.FailedTests, ", "))
	}
	if n := len(s.FailedPackages); n > 0 {
		code = 1
		fmt.Fprintf(out, "%d failed packages: %s\n", n, strings.Join(s.FailedPackages, ", "))
	}
	return code
}
