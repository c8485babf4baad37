package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixtures are real `go test -count=1 -json ./...` output of a small
// module example.com/m: skip.json has its root package (TestRoot skips)
// and package a (TestOK passes, TestSkipped skips, TestSub/one skips);
// fail.json has package b (TestBroken fails), c (no test files) and d
// (does not build).
const (
	skipEcho = "ok  \texample.com/m\t0.007s\nok  \texample.com/m/a\t0.007s\n"
	failEcho = "# example.com/m/d [example.com/m/d.test]\n" +
		"d/d_test.go:5:28: undefined: undefined\n" +
		"?   \texample.com/m/c\t[no test files]\n" +
		"FAIL\texample.com/m/d [build failed]\n" +
		"--- FAIL: TestBroken (0.00s)\n" +
		"    b_test.go:5: context\n" +
		"    b_test.go:5: want 1, got 2\n" +
		"FAIL\n" +
		"FAIL\texample.com/m/b\t0.024s\n"
	allowAll = "# allowed skips\n\n" +
		". TestRoot — needs a root\n" +
		"a TestSkipped — no widget in CI\n" +
		"example.com/m/a TestSub/one — full import path, a subtest\n"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		allow   string
		code    int
		stdout  string
		stderr  string
	}{
		{"allowed skips pass", "skip.json", allowAll, 0, skipEcho +
			"== skipped tests: 3\n" +
			"  . TestRoot — m_test.go:5: root reason [allowed: needs a root]\n" +
			"  a TestSkipped — a_test.go:6: no widget here [allowed: no widget in CI]\n" +
			"  a TestSub/one — a_test.go:8: sub skip 1 [allowed: full import path, a subtest]\n", ""},
		{"an unlisted skip fails", "skip.json", ". TestRoot — needs a root\na TestSkipped — no widget in CI\na TestSub — the parent does not cover its subtests\n", 1, skipEcho +
			"== skipped tests: 3\n" +
			"  . TestRoot — m_test.go:5: root reason [allowed: needs a root]\n" +
			"  a TestSkipped — a_test.go:6: no widget here [allowed: no widget in CI]\n" +
			"  a TestSub/one — a_test.go:8: sub skip 1 [NOT ALLOWED]\n" +
			"  (allowed, did not skip: a TestSub)\n" +
			"a test skipped that ALLOW does not allow: make it run here, or add it with the reason it cannot\n", ""},
		{"a failed test and a broken build fail", "fail.json", allowAll, 1, failEcho +
			"== skipped tests: 0\n" +
			"  (allowed, did not skip: . TestRoot)\n" +
			"  (allowed, did not skip: a TestSkipped)\n" +
			"  (allowed, did not skip: a TestSub/one)\n" +
			"1 failed tests: b TestBroken\n" +
			"2 failed packages: d, b\n", ""},
		{"an allow entry without a reason is bad input", "skip.json", "a TestSkipped\n", 2, "",
			"testsum: ALLOW: line 1: \"a TestSkipped\": want \"PACKAGE TEST — REASON\" (an em dash, and a reason)\n"},
		{"an allow entry with an empty reason is bad input", "skip.json", "a TestSkipped —  \n", 2, "",
			"testsum: ALLOW: line 1: \"a TestSkipped —\": want \"PACKAGE TEST — REASON\" (an em dash, and a reason)\n"},
	}
	dir := t.TempDir()
	mod := filepath.Join(dir, "go.mod")
	if err := os.WriteFile(mod, []byte("module example.com/m\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allow := filepath.Join(t.TempDir(), "skips.txt")
			if err := os.WriteFile(allow, []byte(tt.allow), 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(filepath.Join("testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var stdout, stderr strings.Builder
			code := run(in, &stdout, &stderr, allow, mod)
			got, gotErr := strings.ReplaceAll(stdout.String(), allow, "ALLOW"), strings.ReplaceAll(stderr.String(), allow, "ALLOW")
			if code != tt.code || got != tt.stdout || gotErr != tt.stderr {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nwant:\n%s\nstderr: %q\nwant:   %q", code, tt.code, got, tt.stdout, gotErr, tt.stderr)
			}
		})
	}
}

func TestModulePath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, want, err string }{
		{"plain", "module example.com/m\n\ngo 1.26\n", "example.com/m", ""},
		{"quoted, after a comment", "// c\nmodule \"example.com/q\"\n", "example.com/q", ""},
		{"none", "go 1.26\n", "", "no module line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := modulePath(p)
			if got != tt.want || (tt.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.err) {
				t.Errorf("modulePath = %q, %v; want %q, %q", got, err, tt.want, tt.err)
			}
		})
	}
}
