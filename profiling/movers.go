package profiling

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/google/pprof/profile"
)

// Mover is one function whose flat value changed between two profiles, as
// read from the diff profile.
type Mover struct {
	Function string  `json:"function"`
	Unit     string  `json:"unit"`      // unit of the sample value: nanoseconds, bytes, count
	Base     int64   `json:"base"`      // flat value in the base (off) profile
	New      int64   `json:"new"`       // flat value in the new (on) profile
	Delta    int64   `json:"delta"`     // New - Base, the flat value in the diff profile
	DeltaPct float64 `json:"delta_pct"` // Delta against the base profile's total, as pprof prints it (signed)
	// Test is the sampling-noise test of the change; nil where none was
	// made (TopMovers alone, or a kind whose sampling is not modelled).
	Test *MoverTest `json:"test,omitempty"`
	// Untested marks a mover of a comparison that tests its kind's movers
	// and could not test this one: a kind whose sampling is not modelled
	// (block, mutex), or a negative in-use size (heap: freed more than it
	// kept), which is no rate. Its change must not read as a finding.
	Untested bool `json:"untested,omitempty"`
}

// TopMovers returns the n functions (all when n <= 0) with the largest
// absolute flat change in diff, a profile made by Diff, ranked and valued as
// `go tool pprof -top -diff_base base new` shows them for the profile's
// default value column: cpu, inuse_space (heap), alloc_space (allocs), time
// (wall), or the default or last sample type of any other profile, as pprof
// picks it. Functions whose flat value did not change are left out.
func TopMovers(d *profile.Profile, n int) ([]Mover, error) {
	idx, err := d.SampleIndexByName("")
	if err != nil {
		return nil, fmt.Errorf("top movers: %w", err)
	}

	type sides struct{ base, new int64 }
	flat := map[string]*sides{}
	var total, baseTotal int64
	for _, s := range d.Sample {
		v := s.Value[idx]
		isBase := s.DiffBaseSample()
		total += abs(v)
		if isBase {
			baseTotal += abs(v)
		}
		if len(s.Location) == 0 {
			continue
		}
		name := flatName(s.Location[0])
		f := flat[name]
		if f == nil {
			f = &sides{}
			flat[name] = f
		}
		if isBase {
			f.base -= v // base samples were negated by Diff
		} else {
			f.new += v
		}
	}
	// pprof's computeTotal: the base's total, or everything when the base
	// contributed nothing.
	if baseTotal > 0 {
		total = baseTotal
	}

	movers := make([]Mover, 0, len(flat))
	for name, f := range flat {
		delta := f.new - f.base
		if delta == 0 {
			continue
		}
		m := Mover{
			Function: name,
			Unit:     d.SampleType[idx].Unit,
			Base:     f.base,
			New:      f.new,
			Delta:    delta,
		}
		if total != 0 {
			m.DeltaPct = float64(delta) / float64(total) * 100
		}
		movers = append(movers, m)
	}
	// pprof's -top order: absolute flat, then name.
	slices.SortFunc(movers, func(a, b Mover) int {
		if c := cmp.Compare(abs(b.Delta), abs(a.Delta)); c != 0 {
			return c
		}
		return cmp.Compare(a.Function, b.Function)
	})
	if n > 0 && len(movers) > n {
		movers = movers[:n]
	}
	return movers, nil
}

// Label names what a profile holds: its kind (cpu, heap, allocs, wall) or,
// for a profile of another kind, the type of its default value column
// ("delay" for a block profile).
func Label(p *profile.Profile) string {
	if k, err := KindOf(p); err == nil {
		return string(k)
	}
	if idx, err := p.SampleIndexByName(""); err == nil && idx < len(p.SampleType) {
		return p.SampleType[idx].Type
	}
	return "unknown"
}

// flatName names the node pprof charges a sample's flat value to at its
// default "functions" granularity: the innermost inlined frame of the leaf
// location, or, for an unsymbolized one, its binary.
func flatName(loc *profile.Location) string {
	if len(loc.Line) > 0 && loc.Line[0].Function != nil && loc.Line[0].Function.Name != "" {
		return loc.Line[0].Function.Name
	}
	if loc.Mapping != nil && loc.Mapping.File != "" {
		return "[" + filepath.Base(loc.Mapping.File) + "]"
	}
	return "<unknown>"
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// FileDiff is two profile files compared: what `perfbench diff` shows.
type FileDiff struct {
	Kind   string           `json:"kind"` // Label of the profiles
	Base   string           `json:"base"`
	New    string           `json:"new"`
	Movers []Mover          `json:"movers"`
	Diff   *profile.Profile `json:"-"` // new minus base, as Diff builds it
}

// DiffFiles loads two profile files, diffs them and ranks the top movers.
// Every error is about the input: a missing file, one that is no profile,
// MaxTop bounds how many movers a table shows: more is no longer a top.
const MaxTop = 1000

// CheckTop is the one rule for a --top value.
func CheckTop(top int) error {
	if top < 1 || top > MaxTop {
		return fmt.Errorf("invalid --top %d: want 1 to %d", top, MaxTop)
	}
	return nil
}

// or profiles whose sample types differ.
func DiffFiles(basePath, newPath string, top int) (*FileDiff, error) {
	if err := CheckTop(top); err != nil {
		return nil, err
	}
	base, err := Load(basePath)
	if err != nil {
		return nil, err
	}
	newer, err := Load(newPath)
	if err != nil {
		return nil, err
	}
	d, err := Diff(base, newer)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", basePath, newPath, err)
	}
	movers, err := TopMovers(d, top)
	if err != nil {
		return nil, err
	}
	return &FileDiff{Kind: Label(newer), Base: basePath, New: newPath, Movers: movers, Diff: d}, nil
}
