package command

import (
	"context"
	"io"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/flags"
)

// The command line recorded in results.json names each flag by its
// canonical spelling only: a deprecated alias the user typed is recorded as
// the flag it stands for, so the line can be rerun after the alias is gone.
func TestCommandLineRecordsCanonicalSpellings(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--opt", "all", "--rate", "5k"}, "perfbench probe --opt=all --rate=5k"},
		{[]string{"--all-on", "--rate", "5k"}, "perfbench probe --opt=all --rate=5k"},
		{[]string{"--old-rate", "5k"}, "perfbench probe --rate=5k"},
		{nil, "perfbench probe"},
	} {
		var got string
		cmd := flags.Renamed(&cli.Command{
			Name:  "probe",
			Flags: []cli.Flag{&cli.StringFlag{Name: "opt"}, &cli.StringFlag{Name: "rate"}},
			Action: func(c *cli.Context) error {
				got = commandLine(c)
				return nil
			},
		}, flags.Rename{Old: "all-on", New: "opt", Means: "all"}, flags.Rename{Old: "old-rate", New: "rate"})
		app := &cli.App{Name: "perfbench", Writer: io.Discard, ErrWriter: io.Discard, Commands: []*cli.Command{cmd}}
		if err := app.RunContext(context.Background(), append([]string{"perfbench", "probe"}, tt.args...)); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got != tt.want {
			t.Errorf("%v: recorded %q, want %q", tt.args, got, tt.want)
		}
	}
}
