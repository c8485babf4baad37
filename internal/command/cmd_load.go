package command

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/load"
)

func loadCommand(cat catalog.Catalog) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "load",
		Usage:       "drive the runtime with burst, sustained or mixed load; latency from due time, verdicts against the plan",
		UsageText:   load.Usage,
		Description: load.Doc,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "scenario", Usage: "burst, sustained or mixed (required)"},
			flags.RateFlag(0, "operations per second before --multiplier (sustained, mixed; default 1000)"),
			&cli.DurationFlag{Name: "duration", Value: load.DefaultDuration, Usage: fmt.Sprintf("length of the schedule (sustained, mixed; at most %s)", load.MaxDuration)},
			&cli.IntFlag{Name: "multiplier", Value: 1, Usage: fmt.Sprintf("run at K times the traffic: rate × K (K at most %d), or a burst K times as large (at most %d: its signals are built in memory)", load.MaxMultiplier, load.MaxBurst/load.BurstSize)},
			&cli.IntFlag{Name: "agents", Value: load.DefaultAgents, Usage: fmt.Sprintf("agent servers the load is spread over (1–%d)", load.MaxAgents)},
			&cli.StringFlag{Name: "opt", Usage: "NAME: run with every optimization off, then with only NAME on (see perfbench list); all: run only with every optimization on (default: all on, judged, and all off beside it)"},
			flags.Out("", "output directory (default profiles/load/<scenario>)"),
			flags.Format(),
		},
		Action: func(c *cli.Context) error { return runLoadCmd(c, cat) },
	}, flags.Rename{Old: "all-on", New: "opt", Means: "all"})
}

func runLoadCmd(c *cli.Context, cat catalog.Catalog) error {
	return load.Run(c.Context, load.Options{
		Scenario: c.String("scenario"), Rate: c.String("rate"), Duration: c.Duration("duration"), DurationSet: c.IsSet("duration"),
		Multiplier: c.Int("multiplier"), Agents: c.Int("agents"), Opt: c.String("opt"), Catalog: cat,
		Out: c.String("out"), Command: commandLine(c), Format: c.String("format"), Log: c.App.ErrWriter,
	}, c.App.Writer)
}

// commandLine reconstructs the flags given, for results.json. A hidden
// flag is a deprecated spelling that flags.Renamed has already set its
// canonical flag from, so only the canonical one is recorded: the line
// still runs once the old spelling is gone.
func commandLine(c *cli.Context) string {
	hidden := map[string]bool{}
	for _, f := range c.Command.Flags {
		if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
			for _, n := range f.Names() {
				hidden[n] = true
			}
		}
	}
	parts := []string{"perfbench", c.Command.Name}
	for _, name := range c.FlagNames() {
		if c.IsSet(name) && !hidden[name] {
			parts = append(parts, fmt.Sprintf("--%s=%v", name, c.Value(name)))
		}
	}
	return strings.Join(parts, " ")
}
