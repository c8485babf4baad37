package argv

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func cliCommands() []*cli.Command {
	return []*cli.Command{
		{Name: "diff", Flags: []cli.Flag{&cli.IntFlag{Name: "top"}, &cli.BoolFlag{Name: "all"}}},
		{Name: "baseline", Subcommands: []*cli.Command{{Name: "check", Aliases: []string{"c"}, Flags: []cli.Flag{&cli.StringFlag{Name: "file", Aliases: []string{"f"}}}}}},
		{Name: "worker", Hidden: true},
	}
}

func TestCommandsAdaptsCLI(t *testing.T) {
	root := Commands(cliCommands())
	for _, tt := range []struct{ in, want string }{
		{"p diff a b --top 5 --all", "p diff --top 5 --all a b"},
		{"p baseline check x -f y", "p baseline check -f y x"},
		{"p baseline c x --file=y", "p baseline c --file=y x"},
		{"p nosuch a --top 5", "p nosuch a --top 5"},
	} {
		if got := strings.Join(FlagsFirst(root, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("FlagsFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnknown(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"p", ""},
		{"p diff a", ""},
		{"p --help", ""},
		{"p help", ""},
		{"p worker", ""},
		{"p nosuch x", `unknown command "nosuch" (valid: diff, baseline)`},
	} {
		got := ""
		if err := Unknown(cliCommands(), strings.Fields(tt.in)); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Unknown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
