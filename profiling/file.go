package profiling

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
	"github.com/perfbench/perfbench/stats"
)

// ErrNotProfile is wrapped by Load when a file exists but holds no pprof
// profile, so a caller can report it as bad input rather than a failed run.
var ErrNotProfile = errors.New("not a pprof profile")

// Set holds at most one profile per kind, all of one side (or all diffs).
type Set map[Kind]*profile.Profile

// FileName is the contract name of one side's profile, e.g. cpu.off.pb.gz.
func FileName(k Kind, s stats.Side) string { return string(k) + "." + s.String() + ".pb.gz" }

// DiffFileName is the contract name of a diff (on minus off), e.g.
// cpu.diff.pb.gz.
func DiffFileName(k Kind) string { return string(k) + ".diff.pb.gz" }

// AllFileNames lists every file a complete Sets writes, in FileNames
// order: what a run directory may hold before the profiles are taken.
func AllFileNames() []string {
	var files []string
	for _, name := range []func(Kind) string{
		func(k Kind) string { return FileName(k, stats.Off) },
		func(k Kind) string { return FileName(k, stats.On) },
		DiffFileName,
	} {
		for _, k := range Kinds() {
			files = append(files, name(k))
		}
	}
	return files
}

// Sets are the profiles of one comparison: each side's and their diff.
type Sets struct {
	Off, On, Diff Set
}

// Side returns one side's set.
func (s Sets) Side(side stats.Side) Set {
	if side == stats.On {
		return s.On
	}
	return s.Off
}

// FileNames lists the files Save writes, side by side (off, on, diff),
// each in Kinds order.
func (s Sets) FileNames() []string {
	var files []string
	s.each(func(name string, _ *profile.Profile) { files = append(files, name) })
	return files
}

func (s Sets) each(fn func(name string, p *profile.Profile)) {
	for _, part := range []struct {
		set  Set
		name func(Kind) string
	}{
		{s.Off, func(k Kind) string { return FileName(k, stats.Off) }},
		{s.On, func(k Kind) string { return FileName(k, stats.On) }},
		{s.Diff, DiffFileName},
	} {
		for _, k := range Kinds() {
			if p := part.set[k]; p != nil {
				fn(part.name(k), p)
			}
		}
	}
}

// Files are the profiles as files of the naming contract, for a run
// directory written all-or-nothing. A profile whose content is not the kind
// it is filed under is refused: users open these files by name. The files
// share one Encoder: fill them one at a time, as atomicfile.WriteDir does.
func (s Sets) Files() ([]atomicfile.File, error) {
	for _, set := range []Set{s.Off, s.On, s.Diff} {
		for k, p := range set {
			if _, err := ParseKind(string(k)); err != nil {
				return nil, fmt.Errorf("profiles: %w", err)
			}
			got, err := KindOf(p)
			if err != nil {
				return nil, fmt.Errorf("profiles: %s: %w", k, err)
			}
			if got != k {
				return nil, fmt.Errorf("profiles: a %s profile filed as %s", got, k)
			}
		}
	}
	var files []atomicfile.File
	// atomicfile.WriteDir fills its files one after the other.
	enc := &Encoder{}
	s.each(func(name string, p *profile.Profile) {
		files = append(files, atomicfile.File{Name: name, Fill: func(w io.Writer) error { return enc.Write(w, p) }})
	})
	return files, nil
}

// Save writes every profile to dir under its contract name, all or none.
func (s Sets) Save(dir string) error {
	files, err := s.Files()
	if err != nil {
		return fmt.Errorf("save %s: %w", dir, err)
	}
	return atomicfile.WriteDir(dir, files)
}

// Load reads what `go tool pprof` reads, of at most MaxProfileBytes: a
// profile written by Save, `go test -cpuprofile`, net/http/pprof or fgprof,
// gzipped or not, or one in pprof's legacy formats. A missing file
// keeps its fs.ErrNotExist; content that is not a profile wraps
// ErrNotProfile, and content too large for one ErrTooLarge as well.
func Load(path string) (*profile.Profile, error) {
	b, err := readProfileFile(path, MaxProfileBytes)
	if err != nil {
		return nil, fmt.Errorf("load profile %s: %w", path, err)
	}
	p, err := profile.ParseData(b)
	if err != nil {
		return nil, fmt.Errorf("load profile %s: %w (%w); want what `go tool pprof` reads: a protobuf profile, gzipped or not, or a legacy CPU, heap, contention or thread profile",
			path, ErrNotProfile, err)
	}
	return p, nil
}

// Save writes p gzipped to path, creating its directory. The write is atomic
// (temporary file, then rename): an interrupted run leaves the old file or
// none, never a truncated profile.
func Save(path string, p *profile.Profile) error {
	if p == nil {
		return fmt.Errorf("save profile %s: nil profile", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return p.Write(w) }); err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	return nil
}
