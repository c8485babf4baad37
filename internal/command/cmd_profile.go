package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/experiment"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/usercode"
)

func profileCommand(cat catalog.Catalog) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "profile",
		Usage:       "run a workload with a toggle off and on; compare, profile and diff",
		UsageText:   experiment.Usage,
		Description: experiment.Doc,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "opt", Usage: "toggle to compare (see perfbench list)"},
			&cli.StringFlag{Name: "workload", Usage: "workload to run (default: the toggle's primary workload)"},
			flags.Rounds(measure.DefaultRounds, measure.MinRounds, "measured rounds per side"),
			flags.Benchtime(experiment.DefaultBenchtime, "work per round", measure.MaxBenchtime, measure.MaxBenchtimeCount),
			flags.ProfileTime(experiment.DefaultProfileTime, "yardstick of each side's profiling pass: an eighth of it first, more until 300 samples, at most twice", measure.MaxProfileTime),
			flags.Out("profiles", "output root"),
			flags.Top(experiment.DefaultTop, "top movers shown per profile kind"),
			flags.Format(), flags.Timing(false)[0],
		}, append(ownCodeFlags(), toggleFlags()...)...),
		Action: func(c *cli.Context) error { return runProfile(c, cat) },
	}, flags.Rename{Old: "profiletime", New: "profile-time"})
}

func runProfile(c *cli.Context, cat catalog.Catalog) error {
	if anySet(c, "pkg", "bench", "on-env", "on-tags", "on-args", "dir") {
		return usercode.RunProfile(c.Context, usercode.ProfileOptions{
			Dir: c.String("dir"), Pkg: c.String("pkg"), Bench: c.String("bench"), Toggle: onToggle(c), Conflicts: setFlags(c, "opt", "workload"),
			Rounds: c.Int("rounds"), Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profile-time"), Out: c.String("out"),
			Top: c.Int("top"), Format: c.String("format"), Log: c.App.ErrWriter,
		}, c.App.Writer)
	}
	return experiment.Run(c.Context, experiment.Options{
		Catalog: cat, Opt: c.String("opt"), Workload: c.String("workload"), WorkloadSet: c.IsSet("workload"), Rounds: c.Int("rounds"),
		Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profile-time"), Out: c.String("out"), Top: c.Int("top"),
		Format: c.String("format"), Log: c.App.ErrWriter, TraceTime: c.Bool("trace-time"),
	}, c.App.Writer)
}
