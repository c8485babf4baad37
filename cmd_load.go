package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/load"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
)

func loadCommand() *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "drive the runtime with burst, sustained or mixed load; latency from due time, verdicts against the plan",
		UsageText: "perfbench load --scenario burst|sustained|mixed [--rate N/s] [--duration D] [--multiplier K] [--agents N] [--opt NAME | --all-on] [--format text|markdown|json] [--out DIR]\n\n" +
			"Examples:\n" +
			"   perfbench load --scenario burst --all-on\n" +
			"   perfbench load --scenario sustained --duration 5s --opt batching\n" +
			"   perfbench load --scenario mixed --multiplier 10 --all-on --format markdown",
		Description: "Open loop, the way wrk2 and k6 measure: every operation has a due time (burst: all at t0; sustained and mixed: start + i/rate) " +
			"and its latency counts from that due time, so a stall delays and counts against every operation due during it (no coordinated omission). " +
			"Response time is due → done (what a caller feels); service time is agent takes the signal → done. Latencies go into HdrHistograms. " +
			"Every run checks sent = delivered + errored exactly; a full mailbox is an error, counted, never retried.\n\n" +
			"Scenarios (the plan's):\n" +
			"   burst      10 000 signals due at once (× --multiplier); targets read service time, plus drain time < 50 ms\n" +
			"   sustained  1 000 signals/s (--rate) for 60 s (--duration), × --multiplier\n" +
			"   mixed      1 000 operations/s of a blend for 60 s: " + load.BlendDoc + "\n\n" +
			"Targets: response (burst: service) p50 < 10 µs and p99 < 100 µs, throughput ≥ the requested rate, errors < 0.1 %, nothing lost, " +
			"memory stable (no growth trend of the live heap). Exit 3 when one is missed.\n\n" +
			"Optimizations: by default every one is OFF. --all-on runs once with all of them on; --opt NAME runs twice, all off and then only NAME on, " +
			"and shows both side by side.\n\n" +
			"Writes results.json (histograms included), report.html (percentile plots, schedule lag, heap over time), summary.md and response.<side>.hgrm to --out (default profiles/load/<scenario>/).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "scenario", Usage: "burst, sustained or mixed (required)"},
			&cli.StringFlag{Name: "rate", Usage: "operations per second before --multiplier, e.g. 1000, 1000/s, 100k/s (sustained, mixed; default 1000)"},
			&cli.DurationFlag{Name: "duration", Value: load.DefaultDuration, Usage: "length of the schedule (sustained, mixed)"},
			&cli.IntFlag{Name: "multiplier", Value: 1, Usage: "run at K times the traffic: rate × K, or a burst K times as large"},
			&cli.IntFlag{Name: "agents", Value: load.DefaultAgents, Usage: fmt.Sprintf("agent servers the load is spread over (1–%d)", load.MaxAgents)},
			&cli.StringFlag{Name: "opt", Usage: "run with every optimization off, then with only this one on (see perfbench list)"},
			&cli.BoolFlag{Name: "all-on", Usage: "run once with every optimization on (default: every optimization off)"},
			&cli.StringFlag{Name: "out", Usage: "output directory (default profiles/load/<scenario>)"},
			formatFlag(),
		},
		Action: runLoadCmd,
	}
}

type loadSide struct {
	label string
	set   features.Set
}

// loadOptions is one validated load request.
type loadOptions struct {
	cfg    load.Config
	toggle string
	sides  []loadSide
	dir    string
}

func parseLoadOptions(c *cli.Context) (loadOptions, error) {
	var o loadOptions
	if c.NArg() > 0 {
		return o, usagef("load takes no arguments, got %q (flags must come before arguments)", c.Args().Slice())
	}
	sc, err := load.ParseScenario(c.String("scenario"))
	if err != nil {
		return o, usagef("--scenario: %v", err)
	}
	cfg := load.Config{Scenario: sc, Multiplier: c.Int("multiplier"), Agents: c.Int("agents")}
	if c.IsSet("rate") {
		if sc == load.Burst {
			return o, usagef("--rate does not apply to burst: all %d signals are due at once (use --multiplier to scale it)", load.BurstSize)
		}
		if cfg.Rate, err = load.ParseRate(c.String("rate")); err != nil {
			return o, usagef("--rate: %v", err)
		}
	}
	if c.IsSet("duration") {
		if sc == load.Burst {
			return o, usagef("--duration does not apply to burst: all %d signals are due at once", load.BurstSize)
		}
		if cfg.Duration = c.Duration("duration"); cfg.Duration <= 0 {
			return o, usagef("invalid --duration %s: want a positive duration, e.g. 5s or 1m", cfg.Duration)
		}
	}
	if cfg.Multiplier < 1 {
		return o, usagef("invalid --multiplier %d: want an integer ≥ 1 (10 runs at 10× the traffic)", cfg.Multiplier)
	}
	if cfg.Agents < 1 || cfg.Agents > load.MaxAgents {
		return o, usagef("invalid --agents %d: want 1 to %d", cfg.Agents, load.MaxAgents)
	}
	opt, allOn := c.String("opt"), c.Bool("all-on")
	switch {
	case opt != "" && allOn:
		return o, usagef("--opt and --all-on exclude each other: --opt NAME runs all off, then only NAME on; --all-on runs once with every optimization on")
	case opt != "":
		t, err := toggles.Lookup(opt)
		if err != nil {
			return o, usagef("--opt: %v", err)
		}
		o.toggle = t.Name
		o.sides = []loadSide{{"off", t.Apply(features.Set{}, false)}, {"on", t.Apply(features.Set{}, true)}}
	case allOn:
		o.sides = []loadSide{{"all-on", features.All()}}
	default:
		o.sides = []loadSide{{"all-off", features.Set{}}}
	}
	if o.cfg, err = cfg.Normalize(); err != nil {
		return o, usageError{err}
	}
	o.dir = c.String("out")
	if o.dir == "" {
		o.dir = filepath.Join("profiles", "load", string(sc))
	}
	return o, nil
}

func runLoadCmd(c *cli.Context) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	o, err := parseLoadOptions(c)
	if err != nil {
		return err
	}
	cleanup, err := prepareDir(o.dir)
	if err != nil {
		return err
	}
	rep, err := runLoad(c.Context, c.App.ErrWriter, o)
	if err != nil {
		cleanup()
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: nothing was written to %s (files are only written once a run completes)", o.dir)
		}
		return err
	}
	rep.Command = commandLine(c)
	if err := writeLoadFiles(rep); err != nil {
		return err
	}
	if err := printLoad(c.App.Writer, f, rep); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %d files to %s\n", len(rep.Files), o.dir)
	if missed := rep.Missed(); len(missed) > 0 {
		return criteriaError{fmt.Sprintf("load %s: %d target(s) missed: %s", o.cfg.Scenario, len(missed), strings.Join(missed, "; "))}
	}
	return nil
}

// commandLine reconstructs the flags given, for results.json.
func commandLine(c *cli.Context) string {
	parts := []string{"perfbench", "load"}
	for _, name := range c.FlagNames() {
		if c.IsSet(name) {
			parts = append(parts, fmt.Sprintf("--%s=%v", name, c.Value(name)))
		}
	}
	return strings.Join(parts, " ")
}

// runLoad runs each side in turn, reporting progress on stderr.
func runLoad(ctx context.Context, progress io.Writer, o loadOptions) (*load.Report, error) {
	rep := &load.Report{
		Config: o.cfg, Toggle: o.toggle, Env: report.CurrentEnv(), Created: time.Now().UTC(), Dir: o.dir,
	}
	for i, s := range o.sides {
		if i > 0 {
			runtime.GC() // the next side starts from a collected heap
		}
		cfg := o.cfg
		cfg.Features = s.set
		what := fmt.Sprintf("%d operations", cfg.Ops())
		if cfg.Scenario != load.Burst {
			what = fmt.Sprintf("%s, %d operations", cfg.Duration, cfg.Ops())
		}
		fmt.Fprintf(progress, "perfbench: load %s: running %s (features %s; %s)\n", cfg.Scenario, s.label, s.set, what)
		res, err := load.Run(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep.Sides = append(rep.Sides, load.Side{Label: s.label, Result: res})
	}
	return rep, nil
}

// writeLoadFiles writes results.json, report.html, summary.md and one
// .hgrm per side, each atomically; the page is rendered first, so that a
// failure leaves no file.
func writeLoadFiles(rep *load.Report) error {
	var files []string
	for _, s := range rep.Sides {
		files = append(files, "response."+s.Label+".hgrm")
	}
	rep.Files = append([]string{"results.json", "summary.md", htmlpage.PageFile}, files...)
	rep.Page = htmlpage.PageFile
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	page, err := htmlpage.RenderNew(rep.Dir, js, nil)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(rep.Dir, "results.json"), js); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(rep.Dir, htmlpage.PageFile), page); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(rep.Dir, "summary.md"), rep.WriteMarkdown); err != nil {
		return err
	}
	for i, s := range rep.Sides {
		if err := atomicfile.Write(filepath.Join(rep.Dir, files[i]), s.Result.Response.WriteHgrm); err != nil {
			return err
		}
	}
	return nil
}

func printLoad(w io.Writer, f report.Format, rep *load.Report) error {
	switch f {
	case report.JSON:
		js, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(js)
		return err
	case report.Markdown:
		return rep.WriteMarkdown(w)
	}
	return rep.WriteText(w)
}
