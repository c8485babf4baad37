package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/baseline"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/suite"
)

func baselineCommand() *cli.Command { return newBaselineCommand(defaultSuiteDeps()) }

func newBaselineCommand(d suiteDeps) *cli.Command {
	return &cli.Command{
		Name:  "baseline",
		Usage: "save the suite as a committed baseline, or check the code against it (a regression gate for CI)",
		UsageText: "perfbench baseline save [--file perf/baseline.json] [--quick|--full]\n" +
			"perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--format text|markdown|json]\n\n" +
			"Example (CI):\n" +
			"   perfbench baseline save && git add perf/baseline.json   # on the reference commit\n" +
			"   perfbench baseline check                                # on every change: exit 3 on a regression",
		OnUsageError:    usageOnError,
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{baselineSaveCommand(d), baselineCheckCommand(d)},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown baseline subcommand %q (valid: save, check)", c.Args().First())
			}
			return usagef("baseline needs a subcommand: save or check (see perfbench baseline --help)")
		},
	}
}

func fileFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "file", Value: baseline.DefaultFile, Usage: "the baseline file"}
}

func baselineSaveCommand(d suiteDeps) *cli.Command {
	return &cli.Command{
		Name:      "save",
		Usage:     "run the suite (no profiles) and store every sample as the baseline",
		UsageText: "perfbench baseline save [--file perf/baseline.json] [--quick|--full] [--opt NAME …] [--rounds N] [--benchtime D]",
		Description: "Stores, per run (toggle and workload), side (off, on) and metric, the raw samples and their summary, with the " +
			"environment (Go version, OS/arch, CPU model, cores, GOMAXPROCS, git commit). The file is versioned, indented JSON, written " +
			"atomically, meant to be committed. `baseline check` reruns exactly what it holds, with the same settings.\n\n" +
			"The suite runs --passes times (default 2), one pass after the other; samples are pooled and each pass's median kept. " +
			"How far the passes drift apart is this machine's drift over minutes, which one pass's rounds cannot show; the check " +
			"widens each metric's tolerance by it (by the larger of the metric's own drift and the drift 90 % of the suite's runs stay within).",
		Flags: append([]cli.Flag{fileFlag(),
			&cli.IntFlag{Name: "passes", Value: 2, Usage: "run the suite this many times, one after the other: the drift between passes widens the check's tolerances (1: no drift measured)"},
		}, presetFlags()...),
		OnUsageError: usageOnError,
		Action:       func(c *cli.Context) error { return runBaselineSave(c, d) },
	}
}

func runBaselineSave(c *cli.Context, d suiteDeps) error {
	preset, err := parsePreset(c, baseline.MinRounds)
	if err != nil {
		return err
	}
	runs, _, err := planSuite(c, d)
	if err != nil {
		return err
	}
	path := c.String("file")
	if path == "" {
		return usagef("--file is empty")
	}
	if err := atomicfile.CheckTargets(path); err != nil {
		return usagef("--file: %v (the baseline is one file, e.g. %s)", err, baseline.DefaultFile)
	}
	cleanup, err := prepareDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	passes := c.Int("passes")
	if passes < 1 {
		cleanup()
		return usagef("invalid --passes %d: want at least 1 (2 or more to measure drift)", passes)
	}
	start := time.Now()
	var all [][]suite.Result
	probes := map[string][]float64{}
	for p := 1; p <= passes; p++ {
		results, pr, err := baseline.Take(c.Context, runs, preset.Settings(), d.lookup, func(i, n int, r suite.Run) {
			fmt.Fprintf(c.App.ErrWriter, "perfbench: baseline pass %d/%d [%d/%d] %s: off=%s on=%s\n", p, passes, i+1, n, r.ID, r.Off, r.On)
		})
		if err != nil {
			cleanup()
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: %s was not written", path)
			}
			return err
		}
		all = append(all, results)
		for id, v := range pr {
			probes[id] = append(probes[id], v...)
		}
	}
	f := baseline.NewPasses(report.CurrentEnv(), preset, all, probes)
	if err := baseline.Save(path, f); err != nil {
		return err
	}
	if passes > 1 {
		drift := f.Drift()
		var parts []string
		for _, m := range []string{measure.NsPerOp, measure.CPUNsPerOp, measure.BytesPerOp, measure.AllocsPerOp} {
			parts = append(parts, fmt.Sprintf("%s %.1f %%", m, drift.Floor(m)*100))
		}
		fmt.Fprintf(c.App.Writer, "drift between the %d passes (%g%% of runs within): %s — check widens each metric's tolerance by it\n",
			passes, baseline.DriftFloorQuantile*100, strings.Join(parts, ", "))
	}
	metrics := 0
	for _, r := range f.Runs {
		metrics += len(r.Metrics)
	}
	fmt.Fprintf(c.App.Writer, "saved baseline %s: %d runs, %d metrics with off and on samples, %s preset (%d rounds of %s per side), took %s\n%s\n",
		path, len(f.Runs), metrics, preset.Name, preset.Rounds, preset.Benchtime, time.Since(start).Round(100*time.Millisecond), f.Env)
	return nil
}

func baselineCheckCommand(d suiteDeps) *cli.Command {
	def := baseline.DefaultTolerances()
	return &cli.Command{
		Name:  "check",
		Usage: "rerun what the baseline holds and fail (exit 3) on a regression",
		UsageText: "perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--alloc-tolerance 2%] " +
			"[--metric-tolerance NAME=PCT|off …] [--format text|markdown|json] [--all]",
		Description: "Reruns every run of the baseline with its settings and compares each metric of each side with the baseline's " +
			"samples. A regression is called only when both hold: the Mann-Whitney U test gives p < 0.05, and the change is worse " +
			"than the metric's tolerance (plus the baseline's drift) with 95 % confidence — the change of the medians less the " +
			"uncertainty of both measurements, not just the medians. Prints what moved (worse, better; ~ is unchanged or within tolerance) and exits 3 on any regression, 0 otherwise.\n\n" +
			"Tolerances by metric: " + def.Describe() + ".\n\n" +
			"A missing, truncated, corrupt or wrong-version baseline is exit 2. A different environment (Go version, CPU, cores, " +
			"GOMAXPROCS) is warned about on stderr; a different git commit is expected and only noted. A CPU probe taken before " +
			"every run warns when the machine itself runs faster or slower than when the baseline was saved.\n\n" +
			"Time metrics move between measurements taken at different moments more than between the rounds of one measurement: " +
			"on a shared 2-core machine an A/A check (same binary, minutes apart) found ns/op of some runs up to 32 % worse with " +
			"p < 0.05, while B/op and allocs/op stayed within 2 %. So every run with a regression is measured again " +
			"(--confirm, on by default) and only regressions that repeat fail the gate; the others are shown as unconfirmed. " +
			"Drift that lasts minutes repeats, so each tolerance is also widened by the drift between the baseline's passes " +
			"(see baseline save --passes): on a wandering machine the time tolerance widens and the allocation metrics stay the " +
			"tight part of the gate.",
		Flags: []cli.Flag{
			fileFlag(),
			&cli.StringFlag{Name: "tolerance", Value: pctString(def.Time), Usage: "tolerance of time metrics (ns/op, ops/s, cpu-ns/op) and of metrics without one of their own"},
			&cli.StringFlag{Name: "alloc-tolerance", Value: pctString(def.Alloc), Usage: "tolerance of B/op, allocs/op, copied-B/op, B/live-signal"},
			&cli.StringSliceFlag{Name: "metric-tolerance", Usage: "per-metric override NAME=PCT, or NAME=off to take it out of the gate; repeatable"},
			formatFlag(),
			&cli.BoolFlag{Name: "all", Usage: "show every metric, not only those that moved"},
			&cli.BoolFlag{Name: "confirm", Value: true, Usage: "rerun the runs that regressed and keep only regressions that repeat (--confirm=false: one measurement decides)"},
		},
		OnUsageError: usageOnError,
		Action:       func(c *cli.Context) error { return runBaselineCheck(c, d) },
	}
}

func pctString(f float64) string { return strconv.FormatFloat(f*100, 'g', -1, 64) + "%" }

// parsePct reads "10%", "10" (percent) or "0.5%" into a fraction.
func parsePct(flag, s string) (float64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v > 1000 || v != v {
		return 0, usagef("invalid %s %q: want a percentage between 0 and 1000, e.g. 10%%", flag, s)
	}
	return v / 100, nil
}

func parseTolerances(c *cli.Context) (baseline.Tolerances, error) {
	var t baseline.Tolerances
	var err error
	if t.Time, err = parsePct("--tolerance", c.String("tolerance")); err != nil {
		return t, err
	}
	if t.Alloc, err = parsePct("--alloc-tolerance", c.String("alloc-tolerance")); err != nil {
		return t, err
	}
	for _, kv := range c.StringSlice("metric-tolerance") {
		name, val, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return t, usagef("invalid --metric-tolerance %q: want NAME=PCT or NAME=off, e.g. peak-heap-B=30%%", kv)
		}
		if t.PerMetric == nil {
			t.PerMetric = map[string]float64{}
		}
		if strings.TrimSpace(val) == "off" {
			t.PerMetric[name] = -1
			continue
		}
		if t.PerMetric[name], err = parsePct("--metric-tolerance "+name, val); err != nil {
			return t, err
		}
	}
	return t, nil
}

func runBaselineCheck(c *cli.Context, d suiteDeps) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	if c.NArg() > 0 {
		return usagef("check takes no arguments, got %q (flags must come before arguments)", c.Args().Slice())
	}
	tol, err := parseTolerances(c)
	if err != nil {
		return err
	}
	path := c.String("file")
	b, err := baseline.Load(path)
	if err != nil {
		return usageError{err}
	}
	all, err := suite.Plan(d.toggles, nil)
	if err != nil {
		return err
	}
	unchecked, err := baseline.Resolve(b, all, d.lookup)
	if err != nil {
		return usageError{fmt.Errorf("%w; the baseline does not match this perfbench: make a new one with: perfbench baseline save --file %s", err, path)}
	}
	stderr := c.App.ErrWriter
	warn, info := baseline.EnvDiff(b.Env, report.CurrentEnv())
	if len(warn) > 0 {
		fmt.Fprintf(stderr, "perfbench: WARNING: this machine or build differs from the baseline's, so numbers may move for reasons other than the code:\n")
		for _, w := range warn {
			fmt.Fprintf(stderr, "perfbench:   %s\n", w)
		}
	}
	for _, i := range info {
		fmt.Fprintf(stderr, "perfbench: note: %s (expected)\n", i)
	}
	start := time.Now()
	fresh, probes, err := baseline.Rerun(c.Context, b, d.lookup, func(i, n int, r suite.Run) {
		fmt.Fprintf(stderr, "perfbench: check [%d/%d] %s: off=%s on=%s\n", i+1, n, r.ID, r.Off, r.On)
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: no verdict")
		}
		return err
	}
	rep := baseline.Compare(b, fresh, probes, tol)
	if n := len(rep.Regressions()); n > 0 && c.Bool("confirm") {
		fmt.Fprintf(stderr, "perfbench: %d metric(s) look worse; rerunning their runs to confirm\n", n)
		rep, err = baseline.Confirm(c.Context, b, rep, d.lookup, tol, func(i, n int, r suite.Run) {
			fmt.Fprintf(stderr, "perfbench: confirm [%d/%d] %s\n", i+1, n, r.ID)
		})
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: no verdict")
			}
			return err
		}
	}
	rep.Baseline, rep.EnvWarnings, rep.EnvInfo, rep.Unchecked = path, warn, info, unchecked
	if rep.MachineWarning != "" {
		fmt.Fprintf(stderr, "perfbench: WARNING: %s\n", rep.MachineWarning)
	}
	if err := printCheck(c.App.Writer, f, b, rep, c.Bool("all"), time.Since(start)); err != nil {
		return err
	}
	if regs := rep.Regressions(); len(regs) > 0 {
		var what []string
		for _, r := range regs {
			what = append(what, fmt.Sprintf("%s %s %s %+.1f%%", r.Run, r.Side, r.Metric.Name, r.DeltaPct))
		}
		return criteriaError{fmt.Sprintf("%d regression(s) against %s: %s", len(regs), path, strings.Join(what, "; "))}
	}
	return nil
}

var checkHeader = []string{"run", "side", "metric", "baseline", "now", "delta", "p", "tolerance", "verdict", "note"}

func checkRows(rep baseline.Report, all bool) [][]string {
	var rows [][]string
	for _, f := range rep.Findings {
		if !all && f.Status == baseline.Unchanged {
			continue
		}
		tol := fmt.Sprintf("±%.3g%%", f.TolerancePct)
		if f.DriftPct > 0 {
			tol = fmt.Sprintf("±%.3g%% (%.3g + %.3g drift)", f.TolerancePct, f.TolerancePct-f.DriftPct, f.DriftPct)
		}
		if !f.Gated {
			tol = "not gated"
		}
		delta, p := "n/a", "n/a"
		if f.Status != baseline.Missing {
			p = strings.TrimPrefix(formatPValue(f.P), "=")
			if f.Baseline.Center != 0 || f.Now.Center == 0 {
				delta = fmt.Sprintf("%+.1f%%", f.DeltaPct)
			}
		}
		rows = append(rows, []string{
			f.Run, f.Side, f.Metric.Name,
			report.FormatSummary(f.Baseline, f.Metric.Name), report.FormatSummary(f.Now, f.Metric.Name),
			delta, p, tol, string(f.Status), f.Note,
		})
	}
	return rows
}

func formatPValue(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("=%.3f", p)
}

func checkCounts(rep baseline.Report) string {
	n := rep.Count()
	var parts []string
	for _, s := range []baseline.Status{baseline.Regressed, baseline.Unconfirmed, baseline.Improved, baseline.Unchanged, baseline.Ungated, baseline.Missing} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
		}
	}
	return strings.Join(parts, ", ")
}

func printCheck(w io.Writer, f report.Format, b *baseline.File, rep baseline.Report, all bool, took time.Duration) error {
	if f == report.JSON {
		return report.WriteJSON(w, struct {
			SchemaVersion int `json:"schema_version"`
			baseline.Report
			Regressions int    `json:"regressions"`
			Elapsed     string `json:"elapsed"`
		}{baseline.SchemaVersion, rep, len(rep.Regressions()), took.Round(time.Millisecond).String()})
	}
	var buf bytes.Buffer
	title := fmt.Sprintf("perfbench baseline check: %d runs against %s (saved %s, %s preset: %d rounds of %s per side), took %s",
		len(b.Runs), rep.Baseline, b.Created.Format("2006-01-02 15:04 MST"), b.Settings.Preset, b.Settings.Rounds, b.Settings.Benchtime,
		took.Round(100*time.Millisecond))
	if f == report.Markdown {
		fmt.Fprintf(&buf, "## %s\n\n", title)
	} else {
		fmt.Fprintf(&buf, "%s\n\n", title)
	}
	for _, wn := range rep.EnvWarnings {
		fmt.Fprintf(&buf, "environment differs: %s\n", wn)
	}
	if rep.Machine != nil {
		fmt.Fprintf(&buf, "machine probe vs baseline: %+.1f %% (p%s)", rep.Machine.DeltaPct, formatPValue(rep.Machine.P))
		if rep.MachineWarning != "" {
			buf.WriteString(" — WARNING: " + rep.MachineWarning)
		}
		buf.WriteString("\n")
	}
	for _, u := range rep.Unchecked {
		fmt.Fprintf(&buf, "not checked: %s\n", u)
	}
	if len(rep.EnvWarnings) > 0 || rep.Machine != nil || len(rep.Unchecked) > 0 {
		buf.WriteString("\n")
	}
	rows := checkRows(rep, all)
	if len(rows) == 0 {
		buf.WriteString("Nothing moved: every metric is ~ (not significant, or within its tolerance).\n")
	} else if err := report.WriteTable(&buf, f, checkHeader, rows); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s. A regression needs p < 0.05 and a median worse by more than the tolerance.\n", checkCounts(rep))
	if n := len(rep.Regressions()); n > 0 {
		fmt.Fprintf(&buf, "FAIL: %d regression(s).\n", n)
	} else {
		buf.WriteString("OK: no regression.\n")
	}
	_, err := w.Write(buf.Bytes())
	return err
}
