package load

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/runtime/features"
)

// VariantSpec is one feature set a load command runs the scenario with.
type VariantSpec struct {
	Label string // "off", "on" (with a toggle), "all-off" or "all-on"
	Set   features.Set
}

// Options is one validated `perfbench load` request.
type Options struct {
	Config   Config // normalized; Features is set per variant
	Toggle   string // the toggle compared off vs on, if any
	Variants []VariantSpec
	Dir      string // output directory
	Command  string // the command line, recorded in results.json
}

// Execute runs each variant in turn, reporting progress on log. It writes
// nothing: Report.Write does.
func Execute(ctx context.Context, o Options, log io.Writer) (*Report, error) {
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
		res, err := Run(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep.Sides = append(rep.Sides, Variant{Label: v.Label, Result: res})
	}
	var hgrm []string
	for _, s := range rep.Sides {
		hgrm = append(hgrm, "response."+s.Label+".hgrm")
	}
	rep.Files = append([]string{"results.json", "summary.md"}, hgrm...)
	return rep, nil
}

// Write saves results.json, summary.md and one .hgrm per variant to the
// report's directory, all or none.
func (rep *Report) Write() error {
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	files := []atomicfile.File{
		{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		{Name: "summary.md", Fill: rep.WriteMarkdown},
	}
	for i, s := range rep.Sides {
		files = append(files, atomicfile.File{Name: rep.Files[2+i], Fill: s.Result.Response.WriteHgrm})
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
