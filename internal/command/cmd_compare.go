package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/compare"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/usercode"
	"github.com/perfbench/perfbench/worker"
)

// workerCommand serves one side of compare over stdin/stdout (hidden).
func workerCommand(cat catalog.Catalog) *cli.Command {
	return &cli.Command{Name: worker.Command, Hidden: true, Action: func(c *cli.Context) error {
		return worker.Serve(c.Context, c.App.Reader, c.App.Writer, cat)
	}}
}

func compareCommand(cat catalog.Catalog) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "compare",
		Usage:       "compare two builds (git refs, or a ref and the working tree) in interleaved rounds; exit 3 on a regression",
		UsageText:   compare.Usage,
		Description: compare.Doc,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "base", Usage: "git ref to compare against (required)"},
			&cli.StringFlag{Name: "head", Usage: "git ref to compare (default: the working tree as it is, recorded with its commit and dirty state)"},
			&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs (and the groups all, memory), as bench --opt"},
			&cli.StringSliceFlag{Name: "workload", Usage: "only the selected runs on these workloads"},
			flags.Rounds(compare.DefaultRounds, stats.MinSamplesForCI, "round pairs per case"),
			flags.Benchtime(compare.DefaultBenchtime, "work per round", compare.MaxBenchtime, compare.MaxBenchtimeCount),
			flags.ProfileTime(compare.DefaultProfileTime, "how long each profiling pass runs", compare.MaxProfileTime),
			&cli.StringFlag{Name: "tags-base", Usage: "build tags for base"},
			&cli.StringFlag{Name: "tags-head", Usage: "build tags for head"},
			flags.Out("profiles/compare", "output directory"),
			flags.Format(),
		}, append(ownCodeFlags(), flags.Timing(true)...)...),
		Action: func(c *cli.Context) error { return runCompare(c, depsOf(cat)) },
	}, flags.Rename{Old: "profiletime", New: "profile-time"})
}

func runCompare(c *cli.Context, d suiteDeps) error {
	if anySet(c, "pkg", "bench", "dir") {
		return usercode.RunCompare(c.Context, usercode.CompareOptions{
			Dir: c.String("dir"), Base: c.String("base"), Head: c.String("head"), Pkg: c.String("pkg"), Bench: c.String("bench"),
			Conflicts: setFlags(c, "opt", "workload", "tags-base", "tags-head"), Rounds: c.Int("rounds"), Benchtime: c.String("benchtime"),
			ProfileTime: c.Duration("profile-time"), Out: c.String("out"), Top: usercode.DefaultTop, Format: c.String("format"), Log: c.App.ErrWriter,
		}, c.App.Writer)
	}
	return compare.Run(c.Context, compare.Options{Request: compare.Request{
		Base: c.String("base"), Head: c.String("head"), Opts: c.StringSlice("opt"), Workloads: c.StringSlice("workload"),
		Rounds: c.Int("rounds"), Benchtime: c.String("benchtime"), ProfileTime: c.Duration("profile-time"),
		TagsBase: c.String("tags-base"), TagsHead: c.String("tags-head"), Out: c.String("out"), Dir: ".",
		Timing: flags.TimingRequest(c),
	}, Format: c.String("format"), Toggles: d.toggles, Lookup: d.lookup, Log: c.App.ErrWriter}, c.App.Writer)
}
