package profiles

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/internal/atomicfile"
)

// ErrNotProfile is wrapped by Load when a file exists but holds no pprof
// profile, so a caller can report it as bad input rather than a failed run.
var ErrNotProfile = errors.New("not a pprof profile")

// Side says which run of a comparison a profile file belongs to.
type Side string

// The sides of the file-naming contract.
const (
	SideOff  Side = "off"
	SideOn   Side = "on"
	SideDiff Side = "diff" // on minus off, see Diff
)

// Sides lists every side in file order.
func Sides() []Side { return []Side{SideOff, SideOn, SideDiff} }

// Set holds at most one profile per kind, all of one side.
type Set map[Kind]*profile.Profile

// FileName is the contract name of one profile file, e.g. cpu.off.pb.gz.
func FileName(k Kind, s Side) string { return string(k) + "." + string(s) + ".pb.gz" }

// Load reads a profile written by Save, `go test -cpuprofile`, net/http/pprof
// or fgprof (gzipped or not), of at most MaxProfileBytes. A missing file
// keeps its fs.ErrNotExist; content that is not a profile wraps
// ErrNotProfile, and content too large for one ErrTooLarge.
func Load(path string) (*profile.Profile, error) {
	b, err := readProfileFile(path, MaxProfileBytes)
	if err != nil {
		return nil, fmt.Errorf("load profile %s: %w", path, err)
	}
	p, err := profile.ParseData(b)
	if err != nil {
		return nil, fmt.Errorf("load profile %s: %w (%w)", path, ErrNotProfile, err)
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

// SaveSet writes every profile of set to dir as FileName(kind, side), in
// Kinds() order. A profile whose content is not the kind it is filed under is
// refused before anything is written: users open these files by name.
func SaveSet(dir string, side Side, set Set) error {
	if !validSide(side) {
		return fmt.Errorf("save %s profiles: unknown side %q (valid: %v)", dir, side, Sides())
	}
	for k, p := range set {
		if _, err := ParseKind(string(k)); err != nil {
			return fmt.Errorf("save %s profiles: %w", dir, err)
		}
		got, err := KindOf(p)
		if err != nil {
			return fmt.Errorf("save %s profiles: %s.%s: %w", dir, k, side, err)
		}
		if got != k {
			return fmt.Errorf("save %s profiles: a %s profile filed as %s", dir, got, FileName(k, side))
		}
	}
	for _, k := range Kinds() {
		if p := set[k]; p != nil {
			if err := Save(filepath.Join(dir, FileName(k, side)), p); err != nil {
				return err
			}
		}
	}
	return nil
}

func validSide(s Side) bool {
	for _, v := range Sides() {
		if v == s {
			return true
		}
	}
	return false
}
