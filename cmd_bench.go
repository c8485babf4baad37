package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/suite"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// suiteDeps are the registries the suite commands work from. The commands
// get them as a value (never from globals) so tests can run the real CLI
// on toggles and workloads of their own.
type suiteDeps struct {
	toggles []toggles.Toggle
	lookup  suite.Lookup
}

func defaultSuiteDeps() suiteDeps {
	return suiteDeps{toggles: toggles.All(), lookup: suite.DefaultLookup}
}

func benchCommand() *cli.Command { return newBenchCommand(defaultSuiteDeps()) }

// benchSchemaVersion versions the suite's results.json.
const benchSchemaVersion = 1

func presetFlags() []cli.Flag {
	q, f := suite.Quick(), suite.Full()
	return []cli.Flag{
		&cli.BoolFlag{Name: "quick", Usage: fmt.Sprintf("quick suite (default): %d rounds of %s per side, about two minutes", q.Rounds, q.Benchtime)},
		&cli.BoolFlag{Name: "full", Usage: fmt.Sprintf("full suite: %d rounds of %s per side, tighter intervals, within five minutes", f.Rounds, f.Benchtime)},
		&cli.StringSliceFlag{Name: "opt", Usage: "only these toggles' runs, plus the groups \"all\" (all on vs off and vs each single toggle, on mixed) and \"memory\"; repeat or comma-separate (default: everything)"},
		&cli.IntFlag{Name: "rounds", Usage: fmt.Sprintf("override the preset's rounds per side (quick %d, full %d)", q.Rounds, f.Rounds)},
		&cli.StringFlag{Name: "benchtime", Usage: "override the preset's work per round: a duration (50ms) or a count (5000x)"},
	}
}

// parsePreset reads --quick/--full and the overrides.
func parsePreset(c *cli.Context, minRounds int) (suite.Preset, error) {
	if c.Bool("quick") && c.Bool("full") {
		return suite.Preset{}, usagef("--quick and --full exclude each other")
	}
	p := suite.Quick()
	if c.Bool("full") {
		p = suite.Full()
	}
	if c.IsSet("rounds") {
		p.Rounds = c.Int("rounds")
	}
	if c.IsSet("benchtime") {
		bt, err := measure.ParseBenchtime(c.String("benchtime"))
		if err != nil {
			return suite.Preset{}, usageError{err}
		}
		p.Benchtime = bt
	}
	if err := p.Settings().Validate(); err != nil {
		return suite.Preset{}, usageError{err}
	}
	if p.Rounds < minRounds {
		return suite.Preset{}, usagef("invalid rounds %d: need at least %d per side here (%d recommended)", p.Rounds, minRounds, measure.DefaultRounds)
	}
	if c.IsSet("profiletime") {
		if c.Duration("profiletime") <= 0 {
			return suite.Preset{}, usagef("invalid --profiletime %s: want a positive duration", c.Duration("profiletime"))
		}
		p.ProfileTime = c.Duration("profiletime")
	}
	return p, nil
}

// planSuite selects the runs and resolves every workload before anything
// runs, so a bad name is exit 2 with nothing measured.
func planSuite(c *cli.Context, d suiteDeps) ([]suite.Run, map[string]workloads.Workload, error) {
	if c.NArg() > 0 {
		return nil, nil, usagef("%s takes no arguments, got %q (flags must come before arguments)", c.Command.Name, c.Args().Slice())
	}
	runs, err := suite.Plan(d.toggles, c.StringSlice("opt"))
	if err != nil {
		return nil, nil, usageError{err}
	}
	if len(runs) == 0 {
		return nil, nil, usagef("nothing to run: no toggle has a primary workload")
	}
	ws := map[string]workloads.Workload{}
	for _, r := range runs {
		w, err := d.lookup(r.Workload)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("run %s: %w", r.ID, err)}
		}
		ws[r.Workload] = w
	}
	return runs, ws, nil
}

func newBenchCommand(d suiteDeps) *cli.Command {
	flags := append(presetFlags(),
		&cli.DurationFlag{Name: "profiletime", Usage: "override how long each profiling pass runs (quick 100ms, full 300ms)"},
		formatFlag(),
		&cli.StringFlag{Name: "out", Value: filepath.Join("profiles", "bench"), Usage: "output root"},
		&cli.BoolFlag{Name: "strict", Usage: "also fail (exit 3) on INCONCLUSIVE criteria"},
		&cli.IntFlag{Name: "top", Value: 5, Usage: "top movers per profile kind in each run's summary"},
	)
	return &cli.Command{
		Name:  "bench",
		Usage: "run the whole suite against the plan's targets: one criteria table, PASS / FAIL / INCONCLUSIVE",
		UsageText: "perfbench bench [--quick|--full] [--opt NAME …] [--format text|markdown|json] [--out DIR] [--strict]\n\n" +
			"Example:\n" +
			"   perfbench bench --quick\n" +
			"   benchstat -col toggle profiles/bench/bench.txt",
		Description: "Runs each toggle off vs on on its primary workloads, its controls (workloads that show its criteria can fail), " +
			"its credit runs (off vs on with the other toggles on, so it is not credited with their work) and its cost workloads " +
			"(where it can only lose, judged against a stated budget; a cost the design accepts shows WARN), then all toggles on vs all " +
			"off on mixed, then all on vs each single toggle on mixed, then memory per signal (bytes allocated per signal processed: " +
			"dispatch-local B/op; bytes retained per live queued signal: signal-memory), each with profiles as `profile` takes them. " +
			"Prints one criteria table.\n\n" +
			"Verdicts use 95 % intervals: PASS when the whole interval meets the target, FAIL when the whole interval misses it, " +
			"INCONCLUSIVE (with the reason) when it straddles the target or there is not enough evidence. A reduction of X % needs the " +
			"interval of the change [on.Lo-off.Hi, on.Hi-off.Lo]/off at or below -X % (and p < 0.05); a speedup F needs " +
			"on.Lo/off.Hi ≥ F (and p < 0.05); at-most/at-least use the on side's CI. \"All on at least as good as the best single " +
			"toggle\" is checked against every single toggle on mixed: ns/op of all-on at most the noise band (3 %) worse than each. " +
			"Other metrics of a run that got significantly worse show as WARN.\n\n" +
			"Exit 3 when a criterion FAILs (with --strict also when one is INCONCLUSIVE). Writes DIR/results.json, DIR/summary.md, " +
			"DIR/bench.txt and, per run, DIR/OPT/WORKLOAD/ as `profile` does.",
		Flags:        flags,
		OnUsageError: usageOnError,
		Action:       func(c *cli.Context) error { return runBench(c, d) },
	}
}

// benchRun is one finished run of the suite with where it was written.
type benchRun struct {
	suite.Result
	Dir   string
	Files []string
}

type benchOutcome struct {
	preset  suite.Preset
	opts    []string
	strict  bool
	root    string
	env     report.Env
	runs    []benchRun
	rows    []suite.Row
	elapsed time.Duration
}

func runBench(c *cli.Context, d suiteDeps) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	preset, err := parsePreset(c, measure.MinRounds)
	if err != nil {
		return err
	}
	if c.Int("top") < 1 {
		return usagef("invalid --top %d: want at least 1", c.Int("top"))
	}
	runs, ws, err := planSuite(c, d)
	if err != nil {
		return err
	}
	root := c.String("out")
	if _, err := prepareDir(root); err != nil {
		return err
	}
	start := time.Now()
	out := &benchOutcome{preset: preset, opts: c.StringSlice("opt"), strict: c.Bool("strict"), root: root, env: report.CurrentEnv()}
	for i, r := range runs {
		br, err := benchOne(c, d, r, ws[r.Workload], preset, root, fmt.Sprintf("[%d/%d] %s", i+1, len(runs), r.ID))
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted after %d of %d runs: the finished runs' directories are complete, the suite files were not written", i, len(runs))
			}
			return fmt.Errorf("run %s: %w", r.ID, err)
		}
		out.runs = append(out.runs, br)
	}
	out.elapsed = time.Since(start)
	var results []suite.Result
	for _, r := range out.runs {
		results = append(results, r.Result)
	}
	out.rows = suite.Assess(d.toggles, results)
	files, err := out.write()
	if err != nil {
		return err
	}
	if err := out.print(c.App.Writer, f); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "perfbench: suite of %d runs took %s; wrote %s and %d run directories under %s\n",
		len(out.runs), out.elapsed.Round(100*time.Millisecond), strings.Join(files, ", "), len(out.runs), root)
	if failing := suite.Failing(out.rows, out.strict); len(failing) > 0 {
		var what []string
		for _, r := range failing {
			what = append(what, fmt.Sprintf("%s %s %s (%s)", r.Opt, r.Workload, r.Target, r.Status))
		}
		return criteriaError{fmt.Sprintf("%d criteria not met: %s", len(failing), strings.Join(what, "; "))}
	}
	return nil
}

// benchOne measures, profiles and writes one run through the same code as
// `perfbench profile`.
func benchOne(c *cli.Context, d suiteDeps, r suite.Run, w workloads.Workload, p suite.Preset, root, label string) (benchRun, error) {
	t := toggles.Toggle{Name: r.Opt, Workloads: []string{r.Workload}}
	for _, x := range d.toggles {
		if x.Name == r.Opt {
			t = x
		}
	}
	o := profileOptions{
		toggle: t, workload: w, off: r.Off, on: r.On,
		settings: p.Settings(), profileTime: p.ProfileTime,
		dir: filepath.Join(root, r.Opt, r.Workload), top: c.Int("top"), command: "bench",
	}
	if _, err := prepareDir(o.dir); err != nil {
		return benchRun{}, err
	}
	est := 2*time.Duration(p.Rounds)*max(p.Benchtime.D, 50*time.Millisecond) + 8*p.ProfileTime + time.Second
	pr := newProgress(c.App.ErrWriter, "bench "+label, est)
	event := pr.event
	if !pr.tty {
		fmt.Fprintf(c.App.ErrWriter, "perfbench: bench %s: off=%s on=%s\n", label, r.Off, r.On)
		event = nil
	}
	res, err := runProfile(c.Context, o, event)
	pr.done()
	if err != nil {
		return benchRun{}, err
	}
	files, err := res.write()
	if err != nil {
		return benchRun{}, err
	}
	return benchRun{
		Result: suite.Result{Run: r, Measurement: res.res, Comparisons: res.comparisons, Elapsed: res.elapsed},
		Dir:    o.dir, Files: files,
	}, nil
}

// benchResults is the layout of the suite's results.json.
type benchResults struct {
	Schema string `json:"schema"`
	report.Header
	Settings benchSettings        `json:"settings"`
	Elapsed  string               `json:"elapsed"`
	Counts   map[suite.Status]int `json:"counts"`
	Criteria []suite.Row          `json:"criteria"`
	Runs     []benchRunJSON       `json:"runs,omitempty"`
}

type benchSettings struct {
	Preset      string   `json:"preset"`
	Rounds      int      `json:"rounds"`
	Benchtime   string   `json:"benchtime"`
	ProfileTime string   `json:"profile_time"`
	Opts        []string `json:"opts,omitempty"`
	Strict      bool     `json:"strict"`
	Out         string   `json:"out"`
}

type benchRunJSON struct {
	Run         suite.Run           `json:"run"`
	Dir         string              `json:"dir"`
	Elapsed     string              `json:"elapsed"`
	Measurement *measure.Result     `json:"measurement"`
	Comparisons []report.Comparison `json:"comparisons"`
}

func (o *benchOutcome) results(withRuns bool) benchResults {
	doc := benchResults{
		Schema: "perfbench-bench", Header: report.NewHeader("bench", benchSchemaVersion, time.Now().UTC(), o.env),
		Settings: benchSettings{
			Preset: o.preset.Name, Rounds: o.preset.Rounds, Benchtime: o.preset.Benchtime.String(),
			ProfileTime: o.preset.ProfileTime.String(), Opts: o.opts, Strict: o.strict, Out: o.root,
		},
		Elapsed: o.elapsed.Round(time.Millisecond).String(), Counts: suite.Count(o.rows), Criteria: o.rows,
	}
	if withRuns {
		for _, r := range o.runs {
			doc.Runs = append(doc.Runs, benchRunJSON{
				Run: r.Run, Dir: r.Dir, Elapsed: r.Elapsed.Round(time.Millisecond).String(),
				Measurement: r.Measurement, Comparisons: report.SanitizeComparisons(r.Comparisons),
			})
		}
	}
	return doc
}

// write saves the suite's own files, each atomically.
func (o *benchOutcome) write() ([]string, error) {
	var js bytes.Buffer
	if err := report.WriteJSON(&js, o.results(true)); err != nil {
		return nil, fmt.Errorf("encode results.json: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(o.root, "results.json"), js.Bytes()); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(o.root, "summary.md"), o.writeMarkdown); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(o.root, "bench.txt"), o.writeBench); err != nil {
		return nil, err
	}
	return []string{"results.json", "summary.md", "bench.txt"}, nil
}

// writeBench writes every round of every run; config keys opt, workload
// and toggle let benchstat split them (benchstat -col toggle bench.txt).
func (o *benchOutcome) writeBench(w io.Writer) error {
	var units []report.Metric
	seen := map[string]bool{}
	var rounds []report.BenchRound
	for _, r := range o.runs {
		for _, m := range r.Measurement.Metrics {
			if !seen[m.Name] {
				seen[m.Name] = true
				units = append(units, m)
			}
		}
		for _, s := range r.Measurement.Samples {
			rounds = append(rounds, report.BenchRound{
				Name:   "Suite/" + r.Run.ID,
				Config: map[string]string{"opt": r.Run.Opt, "workload": r.Run.Workload, "toggle": s.Side},
				Iters:  s.Ops, Values: s.Values,
			})
		}
	}
	return report.WriteBench(w, units, rounds)
}

func (o *benchOutcome) settingsLine() string {
	return fmt.Sprintf("preset %s: %d rounds of %s per side, profiles %s per pass; suite time %s",
		o.preset.Name, o.preset.Rounds, o.preset.Benchtime, o.preset.ProfileTime, o.elapsed.Round(100*time.Millisecond))
}

func (o *benchOutcome) tableRows() [][]string {
	var rows [][]string
	for _, r := range o.rows {
		rows = append(rows, r.Cells())
	}
	return rows
}

func (o *benchOutcome) countsLine() string {
	n := suite.Count(o.rows)
	var parts []string
	for _, s := range []suite.Status{suite.Pass, suite.Fail, suite.Inconclusive, suite.Warn, suite.Info} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
		}
	}
	return strings.Join(parts, ", ")
}

const benchRules = "Measured: median with its 95 % CI (for changes, the conservative interval of the change). " +
	"PASS when the whole interval meets the target, FAIL when the whole interval misses it, INCONCLUSIVE when it straddles the " +
	"target or the evidence is insufficient (p ≥ 0.05, no CI, a zero baseline). WARN: another metric of the run significantly " +
	"worse (p < 0.05 and beyond its noise band); it does not fail the suite."

func (o *benchOutcome) runRows() [][]string {
	var rows [][]string
	for _, r := range o.runs {
		cell := func(metric string) string {
			c, ok := r.Comparison(metric)
			if !ok {
				return ""
			}
			d := "n/a"
			if c.DeltaDefined() {
				d = fmt.Sprintf("%+.1f%%", c.DeltaPct)
			}
			return fmt.Sprintf("%s → %s (%s, %s)", report.FormatValue(c.Off.Center, metric), report.FormatValue(c.On.Center, metric), d, c.Change)
		}
		rows = append(rows, []string{r.Run.ID, r.Run.Off.String(), r.Run.On.String(), cell(measure.NsPerOp), cell(measure.BytesPerOp),
			r.Elapsed.Round(100 * time.Millisecond).String(), r.Dir})
	}
	return rows
}

var benchRunHeader = []string{"run", "off", "on", "ns/op", "B/op", "time", "profiles"}

func (o *benchOutcome) writeMarkdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## perfbench bench: the plan's criteria\n\n**Environment:** %s\n\n**Settings:** %s\n\n", o.env, o.settingsLine())
	b.WriteString("### Criteria\n\n")
	if err := report.WriteTable(&b, report.Markdown, suite.Header, o.tableRows()); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\n%s\n\n%s\n\n### Runs\n\n", o.countsLine(), benchRules)
	if err := report.WriteTable(&b, report.Markdown, benchRunHeader, o.runRows()); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nEach run's directory holds its profiles, results.json and summary.md, e.g.\n\n```sh\n"+
		"go tool pprof -top -diff_base %s %s\nbenchstat -col toggle %s\n```\n",
		filepath.Join(o.runs[0].Dir, "cpu.off.pb.gz"), filepath.Join(o.runs[0].Dir, "cpu.on.pb.gz"), filepath.Join(o.root, "bench.txt"))
	_, err := w.Write(b.Bytes())
	return err
}

func (o *benchOutcome) print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		return report.WriteJSON(w, o.results(false))
	case report.Markdown:
		return o.writeMarkdown(w)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "perfbench bench: the plan's criteria, %d runs\n%s\n  %s\n\n", len(o.runs), o.env, o.settingsLine())
	if err := report.WriteTable(&b, report.Text, suite.Header, o.tableRows()); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\n%s\n%s\n\nFiles: %s/{results.json,summary.md,bench.txt}; per run %s/OPT/WORKLOAD/ with profiles.\n",
		o.countsLine(), benchRules, o.root, o.root)
	_, err := w.Write(b.Bytes())
	return err
}
