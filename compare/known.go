package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/results"
)

// Known is what one build can run: the workloads and toggles (feature
// switches) its `perfbench list --format json` names. Every build that
// serves the worker protocol has that listing, in this layout.
type Known struct {
	Workloads map[string]bool
	Toggles   map[string]bool
}

// listing is the part of `perfbench list --format json` that Known reads.
type listing struct {
	Toggles []struct {
		Name string `json:"name"`
	} `json:"toggles"`
	Workloads []struct {
		Name string `json:"name"`
	} `json:"workloads"`
}

// parseKnown reads a build's `list --format json` output.
func parseKnown(b []byte) (Known, error) {
	var l listing
	if err := json.Unmarshal(b, &l); err != nil {
		return Known{}, fmt.Errorf("not the JSON listing of toggles and workloads: %w", err)
	}
	k := Known{Workloads: map[string]bool{}, Toggles: map[string]bool{}}
	for _, w := range l.Workloads {
		k.Workloads[w.Name] = true
	}
	for _, t := range l.Toggles {
		k.Toggles[t.Name] = true
	}
	if len(k.Workloads) == 0 {
		return Known{}, fmt.Errorf("the listing names no workload")
	}
	return k, nil
}

// knownOf asks a build's binary which workloads and toggles it knows. A
// build that cannot say is an input error: compare would otherwise find
// out mid-run, after minutes of measuring, which cases it cannot open.
func knownOf(ctx context.Context, name string, b Build, env []string) (Known, error) {
	cmd := exec.CommandContext(ctx, b.Bin, "list", "--format", "json")
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return Known{}, ctx.Err()
	}
	if err != nil {
		return Known{}, cmderr.BadInputf("%s (%s) cannot say which workloads it knows: `perfbench list --format json` failed: %w: %s",
			name, b.Label(), err, strings.TrimSpace(errb.String()))
	}
	k, err := parseKnown(out.Bytes())
	if err != nil {
		return Known{}, cmderr.BadInputf("%s (%s) cannot say which workloads it knows: `perfbench list --format json`: %w", name, b.Label(), err)
	}
	return k, nil
}

// Skipped is a selected case that one build or both cannot run, and why.
type Skipped = results.Skipped

// runnable splits cases into those both builds can run and those one of
// them lacks the workload or a toggle of, in the order given.
func runnable(cases []Case, base, head Known) (kept []Case, skipped []Skipped) {
	for _, c := range cases {
		var why []string
		if r := missing("workload", c.Workload, base.Workloads, head.Workloads); r != "" {
			why = append(why, r)
		}
		for _, n := range c.set.On() {
			if r := missing("toggle "+n, n, base.Toggles, head.Toggles); r != "" {
				why = append(why, r)
			}
		}
		if len(why) == 0 {
			kept = append(kept, c)
			continue
		}
		skipped = append(skipped, Skipped{ID: c.ID, Reason: strings.Join(why, "; ")})
	}
	return kept, skipped
}

// missing says which build lacks name, or "" when both have it.
func missing(what, name string, base, head map[string]bool) string {
	switch b, h := base[name], head[name]; {
	case b && h:
		return ""
	case h:
		return what + " new in head"
	case b:
		return what + " gone from head"
	}
	return what + " in neither build"
}

// skippedLines are the skipped cases as output lines.
func skippedLines(s []Skipped) []string {
	var out []string
	for _, x := range s {
		out = append(out, fmt.Sprintf("not compared: %s (%s)", x.ID, x.Reason))
	}
	return out
}
