package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/monitor"
)

func monitorCommand(cat catalog.Catalog) *cli.Command {
	return flags.Renamed(&cli.Command{
		Name:        "monitor",
		Usage:       "watch a long-lived runtime: periodic open-loop probe, runtime metrics, hysteresis alerts, profiles on alert, Prometheus /metrics",
		UsageText:   monitor.Usage,
		Description: monitor.Doc,
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "interval", Value: monitor.DefaultInterval, Usage: "length of one interval (50ms to 1h)"},
			&cli.StringFlag{Name: "workload", Value: monitor.DefaultWorkload, Usage: "workload the probe runs (see perfbench list)"},
			&cli.StringSliceFlag{Name: "opt", Usage: "switch this optimization on, or all of them with \"all\" (repeatable; default: all off)"},
			flags.RateFlag(monitor.DefaultRate, "probe operations per second (up to 1000)"),
			&cli.IntFlag{Name: "batch", Value: monitor.DefaultBatch, Usage: "workload operations per probe operation (1 to 1000)"},
			&cli.StringSliceFlag{Name: "threshold", Usage: "METRIC=VALUE (repeatable)"},
			&cli.StringFlag{Name: "baseline", Usage: "derive a p50 threshold from this baseline file"},
			&cli.IntFlag{Name: "alert-after", Value: monitor.DefaultAfter, Usage: "breaching intervals in a row before an alert fires (1 to 100)"},
			&cli.IntFlag{Name: "clear-after", Value: monitor.DefaultAfter, Usage: "good intervals in a row before it clears (1 to 100)"},
			&cli.StringFlag{Name: "listen", Value: monitor.DefaultListen, Usage: "address of /metrics, /healthz, /debug/pprof/ (\"off\": none)"},
			&cli.StringFlag{Name: "webhook", Usage: "POST each alert and clear as JSON to this URL"},
			&cli.DurationFlag{Name: "for", Usage: "stop after this long, a whole number of intervals (0: when interrupted)"},
			flags.Out("profiles", "directory; history and captures go to DIR/monitor"),
			&cli.IntFlag{Name: "keep", Value: monitor.DefaultKeep, Usage: "captures kept; older ones are pruned (1 to 1000)"},
			&cli.DurationFlag{Name: "capture-cpu", Value: monitor.DefaultCaptureCPU, Usage: "length of a capture's CPU profile (100ms to 1m)"},
			&cli.IntFlag{Name: "window", Value: monitor.DefaultWindow, Usage: "intervals in the rolling window (3 to 10000)"},
			&cli.StringFlag{Name: "summary", Usage: "print the last hour of this history file as a table, and exit"},
			flags.Format(),
		},
		Action: func(c *cli.Context) error { return runMonitor(c, cat) },
	}, flags.Rename{Old: "all-on", New: "opt", Means: "all"})
}

// runMonitor runs until interrupted or --for; a run bounded by --for in
// which an alert fired exits 3.
func runMonitor(c *cli.Context, cat catalog.Catalog) error {
	return monitor.Run(c.Context, monitor.Options{
		Summary: c.String("summary"), Format: c.String("format"),
		Workload: c.String("workload"), Opts: c.StringSlice("opt"), Catalog: cat,
		Interval: c.Duration("interval"), Rate: flags.RateOf(c), Batch: c.Int("batch"),
		Thresholds: c.StringSlice("threshold"), Baseline: c.String("baseline"),
		AlertAfter: c.Int("alert-after"), ClearAfter: c.Int("clear-after"),
		Listen: c.String("listen"), Webhook: c.String("webhook"), For: c.Duration("for"), Dir: c.String("out"),
		Keep: c.Int("keep"), CaptureCPU: c.Duration("capture-cpu"), Window: c.Int("window"),
		Stderr: c.App.ErrWriter,
	}, c.App.Writer)
}
