package command

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
)

// Every command, and every subcommand that runs something, refuses bad
// input the same way: exit 2, a message naming what is valid, nothing
// printed to stdout and nothing written. The commands are listed from the
// app, so a new command fails here until it has a case.
func TestEveryCommandRefusesBadInput(t *testing.T) {
	bad := map[string]struct {
		args []string
		want string // a fragment of stderr naming what is valid
	}{
		"list":           {[]string{"--format", "bogus"}, `unknown format "bogus" (valid: text, markdown, json)`},
		"profile":        {[]string{"--opt", "jit", "--rounds", "0"}, "invalid rounds 0: want 2 to 100 per side"},
		"diff":           {[]string{"a.pb.gz", "b.pb.gz", "--top", "0"}, "invalid --top 0: want 1 to 1000"},
		"bench":          {[]string{"--rounds", "1"}, "invalid rounds 1: want 2 to 100 per side"},
		"baseline":       {[]string{"bogus"}, `unknown baseline subcommand "bogus" (valid: save, check)`},
		"baseline save":  {[]string{"--rounds", "1"}, "invalid rounds 1: want 6 to 100 per side"},
		"baseline check": {[]string{"--format", "bogus"}, `unknown format "bogus" (valid: text, markdown, json)`},
		"load":           {[]string{"--scenario", "nope"}, `unknown scenario "nope" (valid: burst, sustained, mixed)`},
		"report":         {[]string{"missing", "--format", "html"}, "want a run directory or its results.json"},
		"cluster":        {[]string{"--nodes", "0"}, "invalid --nodes 0: want 2 to 32"},
		"node":           {[]string{"--nats", "nats://127.0.0.1:1", "--id", "a b"}, `invalid node id "a b": use letters, digits, '-' or '_'`},
		"monitor":        {[]string{"--interval", "1ms"}, "invalid --interval 1ms: want 50ms to 1h0m0s"},
		"compare":        {[]string{"--base", "HEAD", "--rounds", "1"}, "invalid --rounds 1: want 6 to 100 round pairs"},
		"worker":         {[]string{"extra"}, `worker takes no arguments, got ["extra"]`},
	}
	var paths []string
	var walk func(prefix string, cs []*cli.Command)
	walk = func(prefix string, cs []*cli.Command) {
		for _, c := range cs {
			p := strings.TrimSpace(prefix + " " + c.Name)
			if c.Action != nil {
				paths = append(paths, p)
			}
			walk(p, c.Subcommands)
		}
	}
	walk("", newApp(catalog.Builtin(), io.Discard, io.Discard).Commands)
	for name := range bad {
		if !slices.Contains(paths, name) {
			t.Errorf("case %q names no command (commands: %s)", name, strings.Join(paths, ", "))
		}
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			tc, ok := bad[p]
			if !ok {
				t.Fatalf("no bad-input case for %q: add one to this table", p)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			code, stdout, stderr := perfbench(context.Background(), append(strings.Fields(p), tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("perfbench %s %s: exit %d, stderr %q; want exit %d and %q", p, strings.Join(tc.args, " "), code, stderr, exitUsage, tc.want)
			}
			if stdout != "" {
				t.Errorf("bad input printed to stdout: %q", stdout)
			}
			if got := snapshot(t, dir); len(got) != 1 {
				t.Errorf("bad input wrote %v", got[1:])
			}
		})
	}
}

// TestCommandOptionsRefuseBadInput: more bad input for the commands whose
// flags go through a package's Options.Validate: each is exit 2 with a
// message naming what is valid, nothing on stdout, nothing written.
func TestCommandOptionsRefuseBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare"}, "--base is required"},
		{[]string{"compare", "--base", "HEAD", "--format", "bogus"}, `unknown format "bogus" (valid: text, markdown, json)`},
		{[]string{"compare", "--base", "HEAD", "--rounds", "0"}, "invalid --rounds 0"},
		{[]string{"baseline", "save", "--passes", "0"}, "invalid --passes 0: want 1 to"},
		{[]string{"baseline", "check", "--tolerance", "10"}, "write the percentage with %"},
		{[]string{"baseline", "check", "--file", "missing.json"}, "missing.json"},
		{[]string{"diff", "only.pb.gz"}, "diff needs two profile files, BASE and NEW, got 1 argument(s)"},
		{[]string{"diff", "a.pb.gz", "b.pb.gz", "--format", "bogus"}, `unknown format "bogus"`},
		{[]string{"list", "--format", "html"}, `unknown format "html" (valid: text, markdown, json)`},
		{[]string{"report"}, "report needs one PATH"},
		{[]string{"report", "run", "--format", "pdf"}, `unknown format "pdf" (valid: html, markdown, text, json)`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			code, stdout, stderr := perfbench(context.Background(), tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tc.want)
			}
			if stdout != "" {
				t.Errorf("bad input printed to stdout: %q", stdout)
			}
			if got := snapshot(t, dir); len(got) != 1 {
				t.Errorf("bad input wrote %v", got[1:])
			}
		})
	}
}
