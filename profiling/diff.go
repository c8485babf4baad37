package profiling

import (
	"errors"
	"fmt"

	"github.com/google/pprof/profile"
)

// ErrMismatch is wrapped by Diff when two profiles cannot be compared.
var ErrMismatch = errors.New("sample types differ")

// baseLabel marks the samples that came from the base profile, as pprof does;
// pprof then takes percentages against those samples only, and so does
// TopMovers.
const baseLabel = "pprof::base"

// Diff returns new - base the way `go tool pprof -diff_base base new` builds
// it: the base samples are labelled pprof::base and negated, the sample types
// made compatible and the two merged (new first, so new's header wins).
// The label keeps every base sample apart from new ones, so equal stacks
// cancel in pprof's per-function totals, not in the sample list. The result,
// written to a file, shows in `go tool pprof` exactly as the -diff_base
// command does.
// base and new are not modified.
//
// Like pprof, it diffs any two profiles whose sample types match (Go's block
// and mutex profiles too) and refuses a mismatch with ErrMismatch. Heap and
// allocs profiles share their sample types but rank different columns, so
// they are refused as well.
func Diff(base, new *profile.Profile) (*profile.Profile, error) {
	if base == nil || new == nil {
		return nil, fmt.Errorf("diff: nil profile")
	}
	kb, errB := KindOf(base)
	kn, errN := KindOf(new)
	switch {
	case errB == nil && errN == nil && kb != kn:
		return nil, fmt.Errorf("cannot diff base (%s profile) against new (%s profile): %w", kb, kn, ErrMismatch)
	case sampleTypes(base) != sampleTypes(new):
		return nil, fmt.Errorf("cannot diff base (%s profile, [%s]) against new (%s profile, [%s]): %w",
			Label(base), sampleTypes(base), Label(new), sampleTypes(new), ErrMismatch)
	}
	kind := Label(new)

	b, n := base.Copy(), new.Copy()
	b.SetLabel(baseLabel, []string{"true"})
	b.Scale(-1)
	ps := []*profile.Profile{n, b}
	if err := profile.CompatibilizeSampleTypes(ps); err != nil {
		return nil, fmt.Errorf("diff %s profiles: %w", kind, err)
	}
	d, err := profile.Merge(ps)
	if err != nil {
		return nil, fmt.Errorf("diff %s profiles: %w", kind, err)
	}
	// pprof applies the profile's own drop_frames/keep_frames right after
	// merging; doing the same keeps function totals identical to its view.
	if err := d.RemoveUninteresting(); err != nil {
		return nil, fmt.Errorf("diff %s profiles: %w", kind, err)
	}
	return d, nil
}
