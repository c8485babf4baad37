package command

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
)

// readFlag runs the real app on args with the command's Action replaced by
// one that reads the flag name, so a flag's spelling is checked up to the
// value the command sees, without running the command.
func readFlag(t *testing.T, name string, args ...string) (value any, code int, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := newApp(catalog.Builtin(), &out, &errb)
	cmd := app.Command(args[0])
	if cmd == nil {
		t.Fatalf("no command %q", args[0])
	}
	cmd.Action = func(c *cli.Context) error {
		value = c.Value(name)
		if s, ok := value.(cli.StringSlice); ok {
			value = s.Value()
		}
		return nil
	}
	code = runApp(context.Background(), app, append([]string{"perfbench"}, args...))
	return value, code, errb.String()
}

func TestRenamedFlags(t *testing.T) {
	const warnPT = "perfbench: --profiletime is deprecated; use --profile-time\n"
	const warnAll = "perfbench: --all-on is deprecated; use --opt all\n"
	tests := []struct {
		name   string
		read   string // the flag the command reads
		args   []string
		code   int
		want   any
		stderr string // exactly
	}{
		{"profile new", "profile-time", []string{"profile", "--profile-time", "300ms"}, exitOK, 300 * time.Millisecond, ""},
		{"profile old", "profile-time", []string{"profile", "--profiletime", "300ms"}, exitOK, 300 * time.Millisecond, warnPT},
		{"profile old with =", "profile-time", []string{"profile", "--profiletime=2s"}, exitOK, 2 * time.Second, warnPT},
		{"bench new", "profile-time", []string{"bench", "--profile-time", "50ms"}, exitOK, 50 * time.Millisecond, ""},
		{"bench old", "profile-time", []string{"bench", "--profiletime", "50ms"}, exitOK, 50 * time.Millisecond, warnPT},
		{"compare new", "profile-time", []string{"compare", "--profile-time", "1s"}, exitOK, time.Second, ""},
		{"compare old", "profile-time", []string{"compare", "--profiletime", "1s"}, exitOK, time.Second, warnPT},
		{"load opt all", "opt", []string{"load", "--opt", "all"}, exitOK, "all", ""},
		{"load all-on", "opt", []string{"load", "--all-on"}, exitOK, "all", warnAll},
		{"monitor opt all", "opt", []string{"monitor", "--opt", "all"}, exitOK, []string{"all"}, ""},
		{"monitor all-on", "opt", []string{"monitor", "--all-on"}, exitOK, []string{"all"}, warnAll},
		{"monitor all-on=false", "opt", []string{"monitor", "--all-on=false"}, exitOK, []string(nil), warnAll},
		{"old and new", "profile-time", []string{"profile", "--profiletime", "1s", "--profile-time", "2s"}, exitUsage, nil,
			"perfbench: --profiletime is the old spelling of --profile-time: give only --profile-time\n"},
		{"all-on with opt", "opt", []string{"load", "--opt", "jit", "--all-on"}, exitUsage, nil,
			"perfbench: --all-on is the old spelling of --opt all: give only --opt\n"},
		{"old spelling, bad value", "profile-time", []string{"profile", "--profiletime", "soon"}, exitUsage, nil,
			warnPT + "perfbench: invalid value \"soon\" for --profiletime: parse error\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code, stderr := readFlag(t, tt.read, tt.args...)
			if code != tt.code || stderr != tt.stderr || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%v: exit %d, value %#v, stderr %q; want exit %d, value %#v, stderr %q", tt.args, code, got, stderr, tt.code, tt.want, tt.stderr)
			}
		})
	}
}

// TestOldSpellingsAreHidden: the help lists the new spellings only.
func TestOldSpellingsAreHidden(t *testing.T) {
	for _, cmd := range []string{"profile", "bench", "compare", "load", "monitor"} {
		code, stdout, _ := perfbench(context.Background(), cmd, "--help")
		if code != exitOK || bytes.Contains([]byte(stdout), []byte("--profiletime")) || bytes.Contains([]byte(stdout), []byte("--all-on")) {
			t.Errorf("%s --help (exit %d) shows an old spelling:\n%s", cmd, code, stdout)
		}
	}
}

// TestRateSpellings: every command that takes --rate reads 5000, 5000/s
// and 5k/s as the same rate.
func TestRateSpellings(t *testing.T) {
	var rated []string
	for _, c := range newApp(catalog.Builtin(), nil, nil).Commands {
		for _, f := range c.Flags {
			if f.Names()[0] == "rate" {
				rated = append(rated, c.Name)
			}
		}
	}
	if fmt.Sprint(rated) != "[load cluster monitor]" {
		t.Fatalf("commands with --rate: %v", rated)
	}
	for _, cmd := range rated {
		for _, rate := range []string{"5000", "5000/s", "5k/s", "5K", "0.005M/s"} {
			got, code, stderr := readFlag(t, "rate", cmd, "--rate", rate)
			if code != exitOK || got != 5000.0 {
				t.Errorf("%s --rate %s: exit %d, rate %#v (%s); want 5000 per second", cmd, rate, code, got, stderr)
			}
		}
		_, code, stderr := readFlag(t, "rate", cmd, "--rate", "lots")
		if want := "perfbench: invalid value \"lots\" for flag -rate: invalid rate \"lots\": want operations per second, e.g. 1000, 1000/s or 100k/s\n"; code != exitUsage || stderr != want {
			t.Errorf("%s --rate lots: exit %d, stderr %q; want 2 and %q", cmd, code, stderr, want)
		}
	}
}
