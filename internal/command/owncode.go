package command

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/gobench"
)

// ownCodeFlags select a user's own benchmarks instead of a built-in
// workload (profile and compare).
func ownCodeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pkg", Usage: "your own code: package pattern of the benchmarks, as go list takes it (e.g. ./...)"},
		&cli.StringFlag{Name: "bench", Usage: "your own code: benchmark regex, as go test -bench takes it"},
		&cli.StringFlag{Name: "dir", Usage: "your own code: the module's directory (default: the current directory)"},
	}
}

// toggleFlags give the on side of profile --pkg.
func toggleFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "on-env", Usage: "your own code: KEY=VALUE set for the on side only (repeatable)"},
		&cli.StringFlag{Name: "on-tags", Usage: "your own code: build tags of the on side only"},
		&cli.StringFlag{Name: "on-args", Usage: "your own code: test arguments (after -args) of the on side only, space-separated"},
	}
}

func onToggle(c *cli.Context) gobench.Toggle {
	return gobench.Toggle{Env: c.StringSlice("on-env"), Tags: c.String("on-tags"), Args: strings.Fields(c.String("on-args"))}
}

func anySet(c *cli.Context, names ...string) bool { return len(setFlags(c, names...)) > 0 }

// setFlags are those of names given on the command line, as --name.
func setFlags(c *cli.Context, names ...string) []string {
	var set []string
	for _, n := range names {
		if c.IsSet(n) {
			set = append(set, "--"+n)
		}
	}
	return set
}
