package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiles"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
)

// resultsFile is the layout of results.json. Bump report.SchemaVersion on
// any change a reader would notice.
type resultsFile struct {
	report.Header
	Settings    resultsSettings                    `json:"settings"`
	Elapsed     string                             `json:"elapsed"`
	Measurement *measure.Result                    `json:"measurement"`
	Comparisons []report.Comparison                `json:"comparisons"`
	TopMovers   map[profiles.Kind][]profiles.Mover `json:"top_movers"`
	Files       []string                           `json:"files"`
}

type resultsSettings struct {
	Toggle      string `json:"toggle"`
	Workload    string `json:"workload"`
	Off         string `json:"off"`
	On          string `json:"on"`
	Rounds      int    `json:"rounds"`
	Benchtime   string `json:"benchtime"`
	ProfileTime string `json:"profile_time"`
	Dir         string `json:"dir"`
}

func (o *profileOutcome) results(files []string) resultsFile {
	return resultsFile{
		Header: report.NewHeader(o.opts.command, report.SchemaVersion, time.Now().UTC(), o.env),
		Settings: resultsSettings{
			Toggle: o.opts.toggle.Name, Workload: o.opts.workload.Name,
			Off: o.opts.off.String(), On: o.opts.on.String(),
			Rounds: o.opts.settings.Rounds, Benchtime: o.opts.settings.Benchtime.String(),
			ProfileTime: o.opts.profileTime.String(), Dir: o.opts.dir,
		},
		Elapsed:     o.elapsed.Round(time.Millisecond).String(),
		Measurement: o.res, Comparisons: report.SanitizeComparisons(o.comparisons),
		TopMovers: o.movers, Files: files,
	}
}

func (o *profileOutcome) fileNames() []string {
	var files []string
	for _, side := range profiles.Sides() {
		for _, k := range profiles.Kinds() {
			if o.sets[side][k] != nil {
				files = append(files, profiles.FileName(k, side))
			}
		}
	}
	return append(files, "results.json", "bench.txt", "summary.md", htmlpage.PageFile)
}

// write saves every file of the run, each atomically.
func (o *profileOutcome) write() ([]string, error) {
	dir := o.opts.dir
	for _, side := range profiles.Sides() {
		if err := profiles.SaveSet(dir, side, o.sets[side]); err != nil {
			return nil, err
		}
	}
	files := o.fileNames()
	js, err := o.resultsJSON(files)
	if err != nil {
		return nil, err
	}
	// The page is rendered before anything is written: if it fails, no
	// file of the run is.
	page, err := htmlpage.RenderNew(dir, js, func(k profiles.Kind, s profiles.Side) (*profile.Profile, error) { return o.sets[s][k], nil })
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "results.json"), js); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, "bench.txt"), o.writeBench); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, htmlpage.PageFile), page); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, "summary.md"), func(w io.Writer) error {
		s := o.summary()
		s.Page = htmlpage.PageFile
		return report.WriteSummaryMarkdown(w, s)
	}); err != nil {
		return nil, err
	}
	return files, nil
}

func (o *profileOutcome) resultsJSON(files []string) ([]byte, error) {
	js, err := report.EncodeJSON(o.results(files))
	if err != nil {
		return nil, fmt.Errorf("encode results.json: %w", err)
	}
	return js, nil
}

func (o *profileOutcome) writeBench(w io.Writer) error {
	name := "Profile/" + o.opts.toggle.Name + "/" + o.opts.workload.Name
	var rounds []report.BenchRound
	for _, s := range o.res.Samples {
		rounds = append(rounds, report.BenchRound{
			Name: name, Config: map[string]string{"toggle": s.Side},
			Iters: s.Ops, Values: s.Values,
		})
	}
	return report.WriteBench(w, o.res.Metrics, rounds)
}

// pprofCommands are the commands that dig into the diff of each kind.
func (o *profileOutcome) pprofCommands() []string {
	var cmds []string
	for _, k := range profiles.Kinds() {
		cmds = append(cmds, fmt.Sprintf("go tool pprof -top -diff_base %s %s",
			filepath.Join(o.opts.dir, profiles.FileName(k, profiles.SideOff)),
			filepath.Join(o.opts.dir, profiles.FileName(k, profiles.SideOn))))
	}
	return append(cmds, fmt.Sprintf("benchstat -col toggle %s", filepath.Join(o.opts.dir, "bench.txt")))
}

func moverUnit(u string) string {
	switch u {
	case "nanoseconds":
		return "ns"
	case "bytes":
		return "B"
	}
	return ""
}

func (o *profileOutcome) moverRows() []report.MoverRow {
	var rows []report.MoverRow
	for _, k := range profiles.Kinds() {
		for _, m := range o.movers[k] {
			rows = append(rows, report.MoverRow{
				Kind: string(k), Function: m.Function, Unit: moverUnit(m.Unit),
				Base: float64(m.Base), New: float64(m.New), Delta: float64(m.Delta),
			})
		}
	}
	return rows
}

func (o *profileOutcome) settingsLine() []string {
	return []string{
		"off=" + o.opts.off.String(), "on=" + o.opts.on.String(),
		fmt.Sprintf("rounds=%d per side", o.opts.settings.Rounds),
		"benchtime=" + o.opts.settings.Benchtime.String(),
		fmt.Sprintf("ops/round off=%d on=%d", o.res.Samples[0].Ops, o.res.Samples[1].Ops),
		"profiletime=" + o.opts.profileTime.String(),
		"elapsed=" + o.elapsed.Round(100*time.Millisecond).String(),
	}
}

func (o *profileOutcome) summary() report.MarkdownSummary {
	return report.MarkdownSummary{
		Toggle: o.opts.toggle.Name, Workload: o.opts.workload.Name, Env: o.env,
		Settings: o.settingsLine(), Comparisons: o.comparisons,
		Movers: o.moverRows(), PprofCommands: o.pprofCommands(),
	}
}

// print shows the run on stdout in the chosen format.
func (o *profileOutcome) print(w io.Writer, f report.Format) error {
	switch f {
	case report.JSON:
		js, err := o.resultsJSON(o.fileNames())
		if err != nil {
			return err
		}
		_, err = w.Write(js)
		return err
	case report.Markdown:
		return report.WriteSummaryMarkdown(w, o.summary())
	}
	var b bytes.Buffer
	title := fmt.Sprintf("perfbench profile: %s off vs on, workload %s — %s", o.opts.toggle.Name, o.opts.workload.Name, o.opts.workload.Op)
	fmt.Fprintf(&b, "%s\n%s\n", title, o.env)
	for _, s := range o.settingsLine() {
		fmt.Fprintf(&b, "  %s", s)
	}
	b.WriteString("\n\n")
	if err := report.WriteComparisons(&b, report.Text, "", o.comparisons); err != nil {
		return err
	}
	for _, k := range profiles.Kinds() {
		fmt.Fprintf(&b, "\nTop movers, %s profile (flat, off → on):\n", k)
		if err := report.WriteMovers(&b, report.Text, o.moverRows(), string(k)); err != nil {
			return err
		}
	}
	b.WriteString("\nDig further:\n")
	for _, c := range o.pprofCommands() {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	_, err := w.Write(b.Bytes())
	return err
}
