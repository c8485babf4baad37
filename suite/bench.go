package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/experiment"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/progress"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/numfmt"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/results"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/timing"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
	"github.com/perfbench/perfbench/workloads"
)

// Config is one validated `perfbench bench` request, resolved against the registries.
type Config struct {
	Preset    catalog.Preset
	Opts      []string // --opt as given, recorded in results.json
	Strict    bool     // INCONCLUSIVE fails too
	Root      string   // output root; each run writes Root/OPT/WORKLOAD
	Top       int      // top movers per profile kind in each run's summary
	Toggles   []toggles.Toggle
	Runs      []catalog.Run
	Workloads map[string]workloads.Workload // every run's workload, resolved
	MaxTime   time.Duration                 // --max-time, split across the runs (0: none)
	TraceTime bool                          // print each run's time breakdown after the suite
	// Progress, if set, is called before run i of n; it returns the run's
	// event sink (may be nil) and a function called when the run ends.
	Progress func(i, n int, r catalog.Run, estimate time.Duration) (event func(measure.Event), done func())
}

// Options is a bench command as the user gave it.
type Options struct {
	catalog.PresetRequest
	Strict bool
	Root   string
	Top    int
	Format string    // of what Run prints: text (also ""), markdown or json
	Log    io.Writer // progress, if set: a line per run, or a status line on a terminal
	// Toggles and Lookup are the registries the suite is drawn from.
	Toggles []toggles.Toggle
	Lookup  catalog.Lookup
	Timing  timing.Request
}

// Validate checks the request before anything runs. Every error is bad
// input (exit 2) and names what is valid.
func (r Options) Validate() error {
	if _, err := report.ParseFormat(r.Format); err != nil {
		return err
	}
	_, err := r.Config()
	return err
}

// Config resolves the request against the registries and validates it
// (see Config.Validate). Every error is bad input.
func (r Options) Config() (Config, error) {
	p, runs, ws, err := r.Resolve(r.Toggles, r.Lookup)
	if err != nil {
		return Config{}, cmderr.BadInput(err)
	}
	budget, err := r.Timing.Budget()
	if err != nil {
		return Config{}, cmderr.BadInput(err)
	}
	o := Config{Preset: p, Opts: r.Opts, Strict: r.Strict, Root: r.Root, Top: r.Top, Toggles: r.Toggles, Runs: runs, Workloads: ws,
		MaxTime: budget, TraceTime: r.Timing.Trace}
	if r.Log != nil {
		log := r.Log
		o.Progress = func(i, n int, run catalog.Run, est time.Duration) (func(measure.Event), func()) {
			return progress.Run(log, "bench", i, n, fmt.Sprintf("%s: off=%s on=%s", run.ID, run.Off, run.On), est)
		}
	}
	return o, cmderr.BadInput(o.Validate())
}

// Run is `perfbench bench`: validate, run the suite, write its files all
// or nothing, print the criteria to out, and end with a criterion error
// (exit 3) when a criterion fails (with Strict, also when one is
// INCONCLUSIVE).
func Run(ctx context.Context, opts Options, out io.Writer) error {
	f, err := report.ParseFormat(opts.Format)
	if err != nil {
		return err
	}
	c, err := opts.Config()
	if err != nil {
		return err
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	_, err = runout.Do(c.Root, f, out, log, func() (*Bench, error) { return RunBench(ctx, c) })
	return err
}

// BenchRun is one finished run of the suite with where it was written.
type BenchRun struct {
	catalog.Result
	Dir    string
	Files  []string
	Timing timing.Record
}

// Bench is a finished suite, held in memory until written.
type Bench struct {
	Config  Config
	Env     machine.Env
	Runs    []BenchRun
	Rows    []Row
	Elapsed time.Duration
	Created time.Time // when the suite finished: results.json's time stamp
	// WriteTime is how long the suite's own files took (known after Write).
	WriteTime time.Duration
}

// Validate checks the request before anything runs: an output root, a
// --top in range, and every file the suite may write (its own files and
// each run's) writable, so that a target in the way fails the suite at
// once rather than after its runs. Every error is about the input.
func (o Config) Validate() error {
	if strings.TrimSpace(o.Root) == "" {
		return fmt.Errorf("--out is empty: want the output root, e.g. %s (the default)", filepath.Join("profiles", "bench"))
	}
	if err := profiling.CheckTop(o.Top); err != nil {
		return err
	}
	var targets []string
	for _, f := range BenchFiles {
		targets = append(targets, filepath.Join(o.Root, f))
	}
	for _, r := range o.Runs {
		targets = append(targets, o.experiment(r).Targets()...)
	}
	return atomicfile.CheckTargets(targets...)
}

// experiment is the profile pipeline's options for one run of the suite.
func (o Config) experiment(r catalog.Run) experiment.Config {
	t := toggles.Toggle{Name: r.Opt, Workloads: []string{r.Workload}}
	for _, x := range o.Toggles {
		if x.Name == r.Opt {
			t = x
		}
	}
	settings := o.Preset.Settings()
	settings.Decided = Decided(o.Toggles, r)
	// The CPU profile is taken in the measured rounds, which both sides
	// carry alike, as `perfbench profile` takes it: the rounds of a side
	// run more operations than a CPU pass may, so no pass is needed.
	settings.ProfileCPU = true
	kinds, why := ProfileKinds(r)
	return experiment.Config{
		Toggle: t, Workload: o.Workloads[r.Workload], Off: r.Off, On: r.On,
		Settings: settings, ProfileTime: o.Preset.ProfileTime,
		Dir: filepath.Join(o.Root, r.Opt, r.Workload), Top: o.Top, Command: "bench",
		Kinds: kinds, KindsWhy: why,
	}
}

// LeanKinds are the profiles bench takes of a run that is not a toggle's
// primary run: CPU and memory (one pass gives heap and allocs), where a
// cost, a credit or a combination shows. The suite judges no profile;
// each run's profiles are there to explain its numbers, and the wall,
// block and mutex passes, a third of a run's profiling, are spent where a
// toggle is credited: its primary runs. `perfbench profile` of the same
// toggle and workload takes every kind.
var LeanKinds = []profiling.Kind{profiling.CPU, profiling.Heap, profiling.Allocs}

// ProfileKinds are the kinds bench profiles in run r (nil: every kind)
// and why, as the run's files say it.
func ProfileKinds(r catalog.Run) ([]profiling.Kind, string) {
	if r.Kind == catalog.Primary {
		return nil, ""
	}
	return LeanKinds, LeanWhy
}

func kindList(ks []profiling.Kind) string {
	var s []string
	for _, k := range ks {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// LeanWhy is what a lean run's files say of its profiles.
const LeanWhy = "bench takes wall, block and mutex profiles in a toggle's primary runs only; `perfbench profile` takes every kind"

// RunBench measures, profiles and writes every run through the same
// pipeline as `perfbench profile`, then judges the plan's criteria. The
// suite's own files are left to Write.
func RunBench(ctx context.Context, o Config) (*Bench, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	b := &Bench{Config: o, Env: machine.Current()}
	shared := experiment.NewSharedProfiles()
	var costs []time.Duration
	for _, r := range o.Runs {
		costs = append(costs, o.experiment(r).Estimate())
	}
	groups := shareGroups(o.Runs)
	for i, r := range o.Runs {
		eo := o.experiment(r)
		eo.Shared, eo.TraceTime = shared, o.TraceTime
		g := groups[i]
		gs := eo.Settings
		if g != nil && g.measured == nil && o.MaxTime > 0 {
			gs.Deadline = groupDeadline(o.MaxTime-time.Since(start)-suiteReserve(o.MaxTime), costs, i, g.runs, eo)
		}
		budget := func(eo *experiment.Config) {
			if o.MaxTime > 0 {
				budgetRun(eo, timing.Share(o.MaxTime-time.Since(start)-suiteReserve(o.MaxTime), costs, i))
			}
		}
		br, err := b.runOne(ctx, i, r, eo, g, gs, budget)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, fmt.Errorf("interrupted after %d of %d runs: the finished runs' directories are complete, the suite files were not written", i, len(o.Runs))
			}
			return nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
		b.Runs = append(b.Runs, br)
	}
	b.Elapsed = time.Since(start)
	var results []catalog.Result
	for _, r := range b.Runs {
		results = append(results, r.Result)
	}
	b.Rows = Assess(o.Toggles, results)
	b.Created = time.Now().UTC()
	return b, nil
}

// suiteReserve is the part of a budget kept for the suite's own files.
func suiteReserve(budget time.Duration) time.Duration { return budget / 20 }

// budgetRun gives a run its share of the budget: its rounds may run until
// the part of the share its estimate gives them, the rest is for its
// profiles and files (Estimate's own split). The engine stops the rounds
// there (measure.Settings.Deadline); a stopped run takes no profiles.
func budgetRun(eo *experiment.Config, share time.Duration) {
	est := eo.Estimate()
	rest := 8*eo.ProfileTime + time.Second
	rounds := time.Duration(float64(share) * float64(est-rest) / float64(est))
	eo.Budget = share
	eo.Settings.Deadline = time.Now().Add(rounds)
}

// groupDeadline is when the rounds of a group of runs measured together,
// at run i, must end: the sum of the parts of its runs' shares of the
// budget left that their estimates give their rounds (as budgetRun splits
// one run's share). The group's runs are then charged only what is left
// of them, their profiles and files, in the costs the shares of the runs
// after them are drawn from.
func groupDeadline(left time.Duration, costs []time.Duration, i int, runs []int, eo experiment.Config) time.Time {
	rest := 8*eo.ProfileTime + time.Second
	var sum, rounds time.Duration
	for _, c := range costs[i:] {
		sum += c
	}
	for _, j := range runs {
		rounds += max(0, costs[j]-rest)
		costs[j] = min(costs[j], rest)
	}
	if left <= 0 || sum <= 0 {
		return time.Now()
	}
	return time.Now().Add(time.Duration(float64(left) * float64(rounds) / float64(sum)))
}

// runOne runs run i through the profile pipeline; a run of a share group
// takes its group's measurement, measured with gs when its first run comes
// up. budget gives the run its share once its group is measured.
func (b *Bench) runOne(ctx context.Context, i int, r catalog.Run, eo experiment.Config, g *shareGroup, gs measure.Settings, budget func(*experiment.Config)) (BenchRun, error) {
	o := b.Config
	cleanup, err := atomicfile.PrepareDir(eo.Dir)
	if err != nil {
		return BenchRun{}, err
	}
	var event func(measure.Event)
	done := func() {}
	if o.Progress != nil {
		event, done = o.Progress(i, len(o.Runs), r, eo.Estimate())
	}
	if g != nil && g.measured == nil {
		err = g.measure(ctx, o, gs, event)
	}
	var out *experiment.Outcome
	if err == nil {
		budget(&eo)
		if g != nil {
			eo.Measured = g.measured[i]
		}
		out, err = experiment.Perform(ctx, eo, event)
	}
	done()
	if err == nil {
		err = out.Write()
	}
	if err != nil {
		cleanup() // an interrupted or failed run leaves no directory behind
		return BenchRun{}, err
	}
	return BenchRun{
		Result: catalog.Result{Run: r, Measurement: out.Measurement, Comparisons: out.Comparisons, Elapsed: out.Elapsed, Stopped: out.Timing.Stopped},
		Dir:    eo.Dir, Files: out.FileNames(), Timing: out.Timing,
	}, nil
}

// Failed lists the rows that fail the suite (see Failing) as an error
// message, or "" when the suite passed.
func (b *Bench) Failed() string {
	failing := Failing(b.Rows, b.Config.Strict)
	if len(failing) == 0 {
		return ""
	}
	var what []string
	for _, r := range failing {
		what = append(what, fmt.Sprintf("%s %s %s (%s)", r.Opt, r.Workload, r.TargetText, r.Status))
	}
	return fmt.Sprintf("%d criteria not met: %s", len(failing), strings.Join(what, "; "))
}

// Wrote says, once the suite is written, how long it took and what it
// wrote where.
func (b *Bench) Wrote() string {
	s := fmt.Sprintf("suite of %d runs took %s; wrote %s and %d run directories under %s",
		len(b.Runs), b.Elapsed.Round(100*time.Millisecond), strings.Join(BenchFiles, ", "), len(b.Runs), b.Config.Root)
	if b.Config.TraceTime {
		s += "\n" + b.TraceTable()
	}
	return s
}

// TraceTable is --trace-time's table: every run's breakdown, the totals
// per phase and per kind of run (cost workloads among them), and the
// suite's own files.
func (b *Bench) TraceTable() string {
	var rows [][]string
	var total timing.Record
	kinds := map[catalog.Kind]*timing.Record{}
	var order []catalog.Kind
	for _, r := range b.Runs {
		rows = append(rows, timing.Row(r.Run.ID, r.Timing))
		total.RoundsUsed += r.Timing.RoundsUsed
		total.Time.Merge(r.Timing.Time)
		k := kinds[r.Run.Kind]
		if k == nil {
			k = &timing.Record{}
			kinds[r.Run.Kind] = k
			order = append(order, r.Run.Kind)
		}
		k.RoundsUsed += r.Timing.RoundsUsed
		k.Time.Merge(r.Timing.Time)
	}
	for _, k := range order {
		rows = append(rows, timing.Row(fmt.Sprintf("all %s runs", k), *kinds[k]))
	}
	rows = append(rows, timing.Row("all runs", total))
	var buf bytes.Buffer
	buf.WriteString("time taken, per run and phase (--trace-time):\n")
	if err := report.WriteTable(&buf, report.Text, timing.TableHeader, rows); err != nil {
		return err.Error()
	}
	fmt.Fprintf(&buf, "suite files: %s; suite total %s", timing.Seconds(b.WriteTime.Seconds()), b.Elapsed.Round(100*time.Millisecond))
	return buf.String()
}

// Results builds the suite's results document; withRuns adds every run's
// samples, as the file has them (stdout leaves them out).
func (b *Bench) Results(withRuns bool) results.BenchSuite {
	o := b.Config
	doc := results.BenchSuite{
		Header: results.NewHeader(results.Bench, "bench", b.Created, b.Env),
		Settings: results.BenchSettings{
			Preset: o.Preset.Name, Rounds: o.Preset.Rounds, Benchtime: o.Preset.Benchtime.String(),
			ProfileTime: o.Preset.ProfileTime.String(), Opts: o.Opts, Strict: o.Strict, Out: o.Root,
		},
		Elapsed: b.Elapsed.Round(time.Millisecond).String(), Counts: Count(b.Rows), Criteria: b.Rows,
	}
	if withRuns {
		for _, r := range b.Runs {
			doc.Runs = append(doc.Runs, results.BenchRun{
				Run: results.SuiteRun{ID: r.Run.ID, Opt: r.Run.Opt, Workload: r.Run.Workload, Kind: string(r.Run.Kind),
					Toggle: r.Run.Toggle, Off: r.Run.Off.String(), On: r.Run.On.String()},
				Dir: r.Dir, Elapsed: r.Elapsed.Round(time.Millisecond).String(),
				Measurement: r.Measurement.Record(), Comparisons: report.SanitizeComparisons(r.Comparisons), Record: r.Timing,
			})
		}
	}
	return doc
}

// BenchFiles are the files Write puts in the output root.
var BenchFiles = []string{"results.json", "summary.md", "bench.txt", htmlpage.PageFile}

// Write saves the suite's own files to the output root, all or none.
func (b *Bench) Write() error {
	start := time.Now()
	defer func() { b.WriteTime = time.Since(start) }()
	js, err := report.EncodeJSON(b.Results(true))
	if err != nil {
		return fmt.Errorf("encode results.json: %w", err)
	}
	page, err := htmlpage.RenderNew(b.Config.Root, js, nil)
	if err != nil {
		return err
	}
	return atomicfile.WriteDir(b.Config.Root, []atomicfile.File{
		{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		{Name: "summary.md", Fill: b.WriteMarkdown},
		{Name: "bench.txt", Fill: b.WriteBench},
		{Name: htmlpage.PageFile, Fill: func(w io.Writer) error { _, err := w.Write(page); return err }},
	})
}

// WriteBench writes every round of every run; config keys opt, workload
// and toggle let benchstat split them (benchstat -col toggle bench.txt).
func (b *Bench) WriteBench(w io.Writer) error {
	var units []stats.Metric
	seen := map[string]bool{}
	var rounds []report.BenchRound
	for _, r := range b.Runs {
		for _, m := range r.Measurement.Metrics {
			if !seen[m.Name] {
				seen[m.Name] = true
				units = append(units, m)
			}
		}
		for _, s := range r.Measurement.Samples {
			rounds = append(rounds, report.BenchRound{
				Name:   "Suite/" + r.Run.ID,
				Config: map[string]string{"opt": r.Run.Opt, "workload": r.Run.Workload, "toggle": s.Side.String()},
				Iters:  s.Ops, Values: s.Values,
			})
		}
	}
	return report.WriteBench(w, units, rounds)
}

func (b *Bench) settingsLine() string {
	p := b.Config.Preset
	return fmt.Sprintf("preset %s: %d rounds of %s per side, profiles %s per pass; suite time %s",
		p.Name, p.Rounds, p.Benchtime, p.ProfileTime, b.Elapsed.Round(100*time.Millisecond))
}

func (b *Bench) countsLine() string {
	n := Count(b.Rows)
	var parts []string
	for _, s := range []verdict.Status{verdict.Pass, verdict.Fail, verdict.Inconclusive, verdict.Warn, verdict.Info} {
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

func (b *Bench) runRows() [][]string {
	var rows [][]string
	for _, r := range b.Runs {
		cell := func(metric string) string {
			c, ok := r.Comparison(metric)
			if !ok {
				return ""
			}
			d := "n/a"
			if c.DeltaDefined() {
				d = fmt.Sprintf("%+.1f%%", c.DeltaPct)
			}
			return fmt.Sprintf("%s → %s (%s, %s)", numfmt.Value(c.Off.Center, metric), numfmt.Value(c.On.Center, metric), d, c.Change)
		}
		used := fmt.Sprint(r.Timing.RoundsUsed)
		if r.Timing.Stopped != "" {
			used += " (" + r.Timing.Stopped + ")"
		}
		rows = append(rows, []string{r.Run.ID, r.Run.Off.String(), r.Run.On.String(), cell(measure.NsPerOp), cell(measure.BytesPerOp),
			used, r.Elapsed.Round(100*time.Millisecond).String() + " (" + timing.Compact(r.Timing.Time) + ")", r.Dir})
	}
	return rows
}

var benchRunHeader = []string{"run", "off", "on", "ns/op", "B/op", "rounds used", "time", "profiles"}

func (b *Bench) tableRows() [][]string {
	var rows [][]string
	for _, r := range b.Rows {
		rows = append(rows, Cells(r))
	}
	return rows
}

// WriteMarkdown writes the suite's summary.md.
func (b *Bench) WriteMarkdown(w io.Writer) error {
	var d report.Doc
	d.Title("perfbench bench: the plan's criteria")
	d.Field("Environment", b.Env.String())
	d.Field("Settings", b.settingsLine())
	d.Field("Criteria charts, with each run's rounds and flame graphs", fmt.Sprintf("[%s](%s), one self-contained page per run", htmlpage.PageFile, htmlpage.PageFile))
	d.Section("Criteria")
	d.Table(Header, b.tableRows())
	d.Para(b.countsLine())
	d.Para(benchRules)
	d.Section("Runs")
	d.Table(benchRunHeader, b.runRows())
	if len(b.Runs) > 0 {
		d.Para(fmt.Sprintf("Each run's directory holds its profiles, results.json, summary.md and report.html: a primary run every profile kind, any other run %s (%s), e.g.",
			kindList(LeanKinds), LeanWhy))
		d.Code("sh", fmt.Sprintf("go tool pprof -top -diff_base %s %s\nbenchstat -col toggle %s\n",
			filepath.Join(b.Runs[0].Dir, "cpu.off.pb.gz"), filepath.Join(b.Runs[0].Dir, "cpu.on.pb.gz"), filepath.Join(b.Config.Root, "bench.txt")))
	}
	return d.Write(w)
}

// Print shows the suite on stdout in the chosen format.
func (b *Bench) Print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		return report.WriteJSON(w, b.Results(false))
	case report.Markdown:
		return b.WriteMarkdown(w)
	}
	var buf bytes.Buffer
	root := b.Config.Root
	fmt.Fprintf(&buf, "perfbench bench: the plan's criteria, %d runs\n%s\n  %s\n\n", len(b.Runs), b.Env, b.settingsLine())
	if err := report.WriteNotedTable(&buf, report.Text, Header, b.tableRows()); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s\n%s\n\nFiles: %s/{results.json,summary.md,bench.txt,report.html}; per run %s/OPT/WORKLOAD/ with profiles.\n",
		b.countsLine(), benchRules, root, root)
	_, err := w.Write(buf.Bytes())
	return err
}
