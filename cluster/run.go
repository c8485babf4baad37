package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/machine"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/report/htmlpage"
	"github.com/perfbench/perfbench/stats"
)

// Run measures the cluster optimizations across node processes on NATS:
// it starts the servers (unless o.NATS names a cluster) and o.Nodes node
// processes, runs the interleaved rounds, profiles every node, writes the
// run directory and prints the report. Errors: cmderr bad input (nothing
// was started), a cmderr criterion when a target was missed, a
// *NodeLostError when a node died (the report is still written); anything
// else is a failure while running. Interrupted, it writes nothing. The
// report goes to out (nil: nowhere).
func Run(ctx context.Context, o Options, out io.Writer) error {
	o, err := o.Normalize()
	if err != nil {
		return err
	}
	if out == nil {
		out = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	name := fmt.Sprintf("%s-n%d", o.Opt, o.Nodes)
	if o.Fault.Kind != "" {
		// A fault run never replaces the clean run it is compared with.
		name += "-" + o.Fault.Kind + o.Fault.Target
	}
	dir := filepath.Join(o.Out, "cluster", name)
	// An output directory that cannot be written is bad input, found
	// before anything starts; a run that fails or is interrupted removes
	// what this created.
	cleanup, err := atomicfile.PrepareDir(dir)
	if err != nil {
		return cmderr.BadInput(err)
	}
	written := false
	defer func() {
		if !written {
			cleanup()
		}
	}()
	start := time.Now()
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prefix := o.Prefix
	if prefix == "" {
		prefix = newPrefix()
	}
	c := &coordinator{o: o, ids: o.nodeIDs(), prefix: prefix, start: start, stderr: o.Stderr,
		beats: map[string]time.Time{}, hosts: map[string]heartbeat{}, cancel: cancel}
	defer c.close(ctx)
	if err := c.open(rctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: nothing was written to %s: %w", dir, ctx.Err())
		}
		return err
	}
	c.watchStop, c.watchDone = make(chan struct{}), make(chan struct{})
	go c.watch()

	rep := newReport(o, machine.Current())
	profs, runErr := c.run(rctx, rep)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: nothing was written to %s: %w", dir, ctx.Err())
	}
	var lost *NodeLostError
	if !errors.As(runErr, &lost) {
		errors.As(context.Cause(rctx), &lost)
	}
	if lost == nil && runErr != nil {
		return runErr
	}
	c.stopWatch()
	for _, id := range c.ids {
		c.mu.Lock()
		rep.Nodes = append(rep.Nodes, c.hosts[id])
		c.mu.Unlock()
	}
	if lost != nil {
		for _, k := range c.kids {
			if k.id == lost.ID {
				k.kill() // a hung node answers no quit: do not wait for it
			}
		}
		c.epilogue(ctx, rep, lost)
	} else if o.Fault.Kind == "server" {
		rep.Fault = &FaultReport{Injected: o.Fault.String()}
	}
	rep.Elapsed = time.Since(start)
	if err := rep.fold(); err != nil {
		return err
	}
	if rep.Fault != nil && lost == nil {
		rep.Fault.Reconnects = append(append([]time.Duration(nil), rep.Off.Reconnects...), rep.On.Reconnects...)
		rep.Fault.Lost = rep.Off.Signals.Lost + rep.On.Signals.Lost
	}
	if err := writeRun(dir, rep, profs); err != nil {
		return err
	}
	written = true
	if err := printReport(out, o.Format, rep); err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "perfbench: cluster: wrote %d files to %s\n", len(rep.Files), dir)
	if lost != nil {
		return fmt.Errorf("cluster run failed: %w; %d signal(s) in flight to it; report written to %s", lost, rep.Fault.InFlight, dir)
	}
	if u := rep.Undecided(); len(u) > 0 {
		fmt.Fprintf(o.Stderr, "perfbench: cluster: %d target(s) INCONCLUSIVE (not a failure; the verdicts say why): %s\n", len(u), strings.Join(u, "; "))
	}
	if missed := rep.Missed(); len(missed) > 0 {
		return cmderr.Criterionf("cluster: criteria failed: %d target(s) missed: %s", len(missed), strings.Join(missed, "; "))
	}
	return nil
}

func printReport(w io.Writer, f report.Format, rep *Report) error {
	if f == report.JSON {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return rep.write(w, f)
}

// run does the interleaved rounds (A B B A …), then the profile passes.
func (c *coordinator) run(ctx context.Context, rep *Report) (map[string]*profile.Profile, error) {
	for r := 0; r < c.o.Rounds; r++ {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for i, side := range order {
			var inject func()
			if r == 0 && i == 0 {
				inject = c.injector()
			}
			fmt.Fprintf(c.stderr, "perfbench: cluster: round %d/%d, %s (%s)\n", r+1, c.o.Rounds, sideLabels[side], c.o.sides()[side])
			rd, err := c.round(ctx, side, r, inject)
			rep.Rounds = append(rep.Rounds, rd)
			if err != nil {
				rd.Interrupted = true
				return nil, err
			}
		}
	}
	if c.o.ProfileTime == 0 {
		return nil, nil
	}
	return c.profiles(ctx)
}

// profiles runs one stream per side and profile kind, each node capturing
// its profile over it, and merges the nodes' profiles with a node label.
func (c *coordinator) profiles(ctx context.Context) (map[string]*profile.Profile, error) {
	out := map[string]*profile.Profile{}
	for side := range 2 {
		for i, kind := range profiling.Kinds() {
			fmt.Fprintf(c.stderr, "perfbench: cluster: profiling %s, %s\n", sideLabels[side], kind)
			if err := c.setup(ctx, side, 1000+10*side+i); err != nil {
				return nil, err
			}
			rs, err := c.streamFor(ctx, c.o.ProfileTime, string(kind), false)
			if err != nil {
				return nil, err
			}
			var ps []*profile.Profile
			for _, id := range c.ids {
				p, err := profile.ParseData(rs[id].Stream.Profile)
				if err != nil {
					return nil, fmt.Errorf("node %s: %s profile: %w", id, kind, err)
				}
				// A numeric label: `go tool pprof -tagfocus node=3` reads
				// "3" as a range, which matches numeric labels only. The
				// unit keeps node 0: the encoder drops a label whose value
				// and unit are both zero.
				num, _ := strconv.ParseInt(id, 10, 64)
				p.SetNumLabel("node", []int64{num}, []string{"id"})
				ps = append(ps, p)
			}
			m, err := profile.Merge(ps)
			if err != nil {
				return nil, fmt.Errorf("merge %s profiles: %w", kind, err)
			}
			out[profiling.FileName(kind, stats.Side(side))] = m
		}
	}
	for _, kind := range profiling.Kinds() {
		d, err := profiling.Diff(out[profiling.FileName(kind, stats.Off)], out[profiling.FileName(kind, stats.On)])
		if err != nil {
			return nil, fmt.Errorf("diff %s profiles: %w", kind, err)
		}
		out[profiling.DiffFileName(kind)] = d
	}
	return out, nil
}

// epilogue runs after a node was lost: the survivors stop streaming, drain,
// and report; what they sent the lost node without an ack was in flight.
func (c *coordinator) epilogue(ctx context.Context, rep *Report, lost *NodeLostError) {
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	var survivors []string
	for _, id := range c.ids {
		if id != lost.ID {
			survivors = append(survivors, id)
		}
	}
	f := &FaultReport{Injected: c.o.Fault.String(), LostNode: lost.ID, Reason: lost.Reason, After: lost.After}
	if at := time.Duration(c.injected.Load()); at > 0 && lost.After > at {
		f.Detection = lost.After - at
	}
	rep.Fault = f
	c.callAll(ectx, survivors, 5*time.Second, c.same(opAbort))
	d, err := c.drain(ectx, survivors)
	st := d.stats
	if err != nil {
		rep.Errors = append(rep.Errors, fmt.Sprintf("collecting the survivors' counters: %v", err))
	}
	for _, s := range st {
		pc := s.Counters.Peers[lost.ID]
		f.InFlight += pc.Sent - pc.SendFailed - min(pc.Acked.Total(), pc.Sent-pc.SendFailed)
		f.Reconnects = append(f.Reconnects, s.Reconnects...)
	}
	var led Conservation
	led.Exact = true
	addLedger(&led, st)
	f.Lost = led.Lost
	f.Survivors = &led
	if n := len(rep.Rounds); n > 0 && rep.Rounds[n-1].Interrupted {
		rd := rep.Rounds[n-1]
		rd.Fault = lost.Error()
		rd.Stats = st
	}
	rep.Errors = append(rep.Errors, lost.Error())
}

// writeRun writes the run directory all or nothing (atomicfile.WriteDir):
// the merged profiles, summary.md, results.json and report.html, the page
// rendered from that results.json and those profiles, as `perfbench
// report` renders it again.
func writeRun(dir string, rep *Report, profs map[string]*profile.Profile) error {
	var files []atomicfile.File
	for name, p := range profs {
		files = append(files, atomicfile.File{Name: name, Fill: p.Write})
	}
	files = append(files, atomicfile.File{Name: "summary.md", Fill: func(w io.Writer) error { return rep.writeSummary(w, htmlpage.PageFile) }})
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	rep.Files = []string{"results.json"}
	for _, f := range files {
		rep.Files = append(rep.Files, f.Name)
	}
	rep.Files = append(rep.Files, htmlpage.PageFile)
	js, err := rep.JSON()
	if err != nil {
		return err
	}
	page, err := htmlpage.RenderFiles(dir, js, htmlpage.MemoryFiles(profs))
	if err != nil {
		return err
	}
	files = append(files, atomicfile.File{Name: "results.json", Fill: func(w io.Writer) error { _, err := w.Write(js); return err }},
		atomicfile.File{Name: htmlpage.PageFile, Fill: func(w io.Writer) error { _, err := w.Write(page); return err }})
	return atomicfile.WriteDir(dir, files)
}
