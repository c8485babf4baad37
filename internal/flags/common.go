package flags

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/timing"
)

// Format is --format, read by ParseFormat.
func Format() *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, markdown or json"}
}

// Out is --out, where a command writes its run.
func Out(value, usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: "out", Value: value, Usage: usage}
}

// ParseFormat reads --format; a command without the flag prints text.
func ParseFormat(c *cli.Context) (report.Format, error) {
	if c.String("format") == "" {
		return report.Text, nil
	}
	f, err := report.ParseFormat(c.String("format"))
	if err != nil {
		return "", cmderr.BadInput(err)
	}
	return f, nil
}

// NoArgs makes a command without ArgsUsage refuse positional arguments.
func NoArgs(cmd *cli.Command) {
	if cmd.ArgsUsage != "" || cmd.Action == nil || len(cmd.Subcommands) > 0 {
		return
	}
	action := cmd.Action
	cmd.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			return cmderr.BadInputf("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())
		}
		return action(c)
	}
}

// Preset are the flags of a suite command: the preset, its overrides
// (at least least rounds) and --opt.
func Preset(least int) []cli.Flag {
	q, f := catalog.Quick(), catalog.Full()
	return []cli.Flag{
		&cli.BoolFlag{Name: "quick", Usage: fmt.Sprintf("quick suite (default): %d rounds of %s per side, about two minutes", q.Rounds, q.Benchtime)},
		&cli.BoolFlag{Name: "full", Usage: fmt.Sprintf("full suite: %d rounds of %s per side, tighter intervals (about 7 minutes here)", f.Rounds, f.Benchtime)},
		&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs, plus the groups \"all\" (all on vs off and vs each single toggle, on mixed) and \"memory\"; repeat or comma-separate (default: everything)"},
		Rounds(0, least, fmt.Sprintf("override the preset's rounds per side, quick %d, full %d", q.Rounds, f.Rounds)),
		Benchtime("", "override the preset's work per round", measure.MaxBenchtime, measure.MaxBenchtimeCount),
	}
}

// PresetRequest reads Preset's flags (and --profile-time, where a command has it).
func PresetRequest(c *cli.Context) catalog.PresetRequest {
	return catalog.PresetRequest{
		Quick: c.Bool("quick"), Full: c.Bool("full"), Rounds: c.Int("rounds"), RoundsSet: c.IsSet("rounds"),
		Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profile-time"), ProfileTimeSet: c.IsSet("profile-time"),
		Opts: c.StringSlice("opt"),
	}
}

// UsageError makes urfave/cli's flag errors (unknown flag, bad value) bad
// input, so they exit 2.
func UsageError(_ *cli.Context, err error, _ bool) error { return cmderr.BadInput(err) }

// Strict makes cmds and all their subcommands report flag errors with
// UsageError and refuse positional arguments they do not take.
func Strict(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = UsageError
		NoArgs(c)
		Strict(c.Subcommands)
	}
}

// Timing are --trace-time and, when budget is set, --max-time.
func Timing(budget bool) []cli.Flag {
	fs := []cli.Flag{&cli.BoolFlag{Name: "trace-time", Usage: "print on stderr how long calibration, rounds, each profiling pass, the diff and the report took, per run"}}
	if budget {
		fs = append(fs, &cli.DurationFlag{Name: "max-time", Usage: fmt.Sprintf("time budget of the whole command, split across its runs by their expected cost; a run that reaches its share ends INCONCLUSIVE (at most %s)", timing.MaxBudget)})
	}
	return fs
}

// TimingRequest reads Timing's flags.
func TimingRequest(c *cli.Context) timing.Request {
	return timing.Request{MaxTime: c.Duration("max-time"), MaxTimeSet: c.IsSet("max-time"), Trace: c.Bool("trace-time")}
}
