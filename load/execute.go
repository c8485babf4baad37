package load

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"time"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/runout"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/runtime/features"
)

// VariantSpec is one feature set a load command runs the scenario with.
type VariantSpec struct {
	Label string // "off", "on" (with a toggle), "all-off" or "all-on"
	Set   features.Set
	// Reference: shown beside the judged runs, its targets not judged.
	Reference bool
}

// Plan is a validated load command: what Execute runs.
type Plan struct {
	Config   Config // normalized; Features is set per variant
	Toggle   string // the toggle compared off vs on, if any
	Variants []VariantSpec
	Dir      string // output directory
	Command  string // the command line, recorded in results.json
}

// Execute runs each variant in turn, reporting progress on log. It writes
// nothing: Report.Write does.
func Execute(ctx context.Context, o Plan, log io.Writer) (*Report, error) {
	rep := &Report{
		Config: o.Config, Toggle: o.Toggle, Env: machine.Current(), Created: time.Now().UTC(), Dir: o.Dir, Command: o.Command,
	}
	for i, v := range o.Variants {
		if i > 0 {
			runtime.GC() // the next variant starts from a collected heap
		}
		cfg := o.Config
		cfg.Features = v.Set
		what := fmt.Sprintf("%d operations", cfg.Ops())
		if cfg.Scenario != Burst {
			what = fmt.Sprintf("%s, %d operations", cfg.Duration, cfg.Ops())
		}
		fmt.Fprintf(log, "perfbench: load %s: running %s (features %s; %s)\n", cfg.Scenario, v.Label, v.Set, what)
		res, err := Measure(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep.Sides = append(rep.Sides, Variant{Label: v.Label, Result: res, Reference: v.Reference})
	}
	rep.Files = o.FileNames()
	rep.Page = htmlpage.PageFile
	return rep, nil
}

// FileNames are the files a run writes: results.json, summary.md,
// report.html and one .hgrm per variant, in that order.
func (o Plan) FileNames() []string {
	files := []string{"results.json", "summary.md", htmlpage.PageFile}
	for _, v := range o.Variants {
		files = append(files, "response."+v.Label+".hgrm")
	}
	return files
}

// Write saves results.json, summary.md, report.html and one .hgrm per
// variant to the report's directory, all or none.
func (rep *Report) Write() error {
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	page, err := htmlpage.RenderNew(rep.Dir, js, nil)
	if err != nil {
		return err
	}
	files := []atomicfile.File{
		{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		{Name: "summary.md", Fill: rep.WriteMarkdown},
		{Name: htmlpage.PageFile, Fill: func(w io.Writer) error { _, err := w.Write(page); return err }},
	}
	for i, s := range rep.Sides {
		files = append(files, atomicfile.File{Name: rep.Files[3+i], Fill: s.Result.Response.WriteHgrm})
	}
	return atomicfile.WriteDir(rep.Dir, files)
}

// Print shows the report in the chosen format.
func (rep *Report) Print(w io.Writer, f report.Format) error {
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

// AllOpt is the --opt value that runs once with every optimization on.
const AllOpt = "all"

// Options is a load command as the user gave it. Every field is taken as
// given: a zero Multiplier or Agents is invalid, not a default (the flags
// carry the defaults); Rate "" and an unset Duration leave the scenario's
// own.
type Options struct {
	Scenario    string
	Rate        string // "" for the scenario's default
	Duration    time.Duration
	DurationSet bool // Duration was given; 0 given is invalid, not the default
	Multiplier  int
	Agents      int
	Opt         string // toggle compared off vs on, AllOpt, or ""
	// Catalog is the toggle table --opt names a toggle of, and all-on
	// switches on.
	Catalog catalog.Catalog
	Out     string // "" for profiles/load/<scenario>
	Command string // the command line, recorded in results.json
	Format  string // text (""), markdown or json: how Run prints the report
	// Log receives progress and the closing "wrote …" line (nil: none).
	Log io.Writer
}

// Validate reports bad input (cmderr.BadInput) naming what is valid; it
// writes nothing.
func (r Options) Validate() error {
	_, _, err := r.plan()
	return err
}

// Run runs the load command: it validates o, runs every variant, writes the
// run's files to its directory all or none, prints the report to out in
// o.Format, and fails with cmderr.Criterion when a judged side missed a
// target.
func Run(ctx context.Context, o Options, out io.Writer) error {
	p, f, err := o.plan()
	if err != nil {
		return err
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	_, err = runout.Do(p.Dir, f, out, log, func() (*Report, error) { return Execute(ctx, p, log) })
	return err
}

// plan validates the options. Every error is bad input naming what is
// valid.
func (r Options) plan() (Plan, report.Format, error) {
	f := report.Text
	if r.Format != "" {
		var err error
		if f, err = report.ParseFormat(r.Format); err != nil {
			return Plan{}, f, cmderr.BadInput(err)
		}
	}
	p, err := r.validated()
	if err != nil {
		return p, f, cmderr.BadInput(err)
	}
	return p, f, nil
}

func (r Options) validated() (Plan, error) {
	var o Plan
	sc, err := ParseScenario(r.Scenario)
	if err != nil {
		return o, fmt.Errorf("--scenario: %w", err)
	}
	cfg := Config{Scenario: sc, Multiplier: r.Multiplier, Agents: r.Agents}
	if r.Rate != "" {
		if sc == Burst {
			return o, fmt.Errorf("--rate does not apply to burst: all %d signals are due at once (use --multiplier to scale it)", BurstSize)
		}
		if cfg.Rate, err = openloop.ParseRate(r.Rate); err != nil {
			return o, fmt.Errorf("--rate: %w", err)
		}
	}
	if r.DurationSet {
		if sc == Burst {
			return o, fmt.Errorf("--duration does not apply to burst: all %d signals are due at once", BurstSize)
		}
		if cfg.Duration = r.Duration; cfg.Duration <= 0 {
			return o, fmt.Errorf("invalid --duration %s: want a positive duration, e.g. 5s or 1m", cfg.Duration)
		}
	}
	if cfg.Multiplier < 1 {
		return o, fmt.Errorf("invalid --multiplier %d: want an integer ≥ 1 (10 runs at 10× the traffic)", cfg.Multiplier)
	}
	if cfg.Agents < 1 || cfg.Agents > MaxAgents {
		return o, fmt.Errorf("invalid --agents %d: want 1 to %d", cfg.Agents, MaxAgents)
	}
	switch {
	case r.Opt == AllOpt:
		o.Variants = []VariantSpec{{Label: "all-on", Set: r.Catalog.AllOn()}}
	case r.Opt != "":
		t, err := r.Catalog.Toggle(r.Opt)
		if err != nil {
			return o, fmt.Errorf("--opt: %w", err)
		}
		o.Toggle = t.Name
		o.Variants = []VariantSpec{{Label: "off", Set: t.Apply(features.Set{}, false)}, {Label: "on", Set: t.Apply(features.Set{}, true)}}
	default:
		// The configuration users ship is judged; all off shows what the
		// optimizations are worth.
		o.Variants = []VariantSpec{{Label: "all-on", Set: r.Catalog.AllOn()}, {Label: "all-off", Set: features.Set{}, Reference: true}}
	}
	if o.Config, err = cfg.Normalize(); err != nil {
		return o, err
	}
	o.Dir, o.Command = r.Out, r.Command
	if o.Dir == "" {
		o.Dir = filepath.Join("profiles", "load", string(sc))
	}
	var targets []string
	for _, f := range o.FileNames() {
		targets = append(targets, filepath.Join(o.Dir, f))
	}
	return o, atomicfile.CheckTargets(targets...)
}
