// Package atomicfile writes files so that a reader, or a run interrupted
// half-way, never sees a truncated one: the bytes go to a temporary file in
// the same directory, which is synced and then renamed over the target.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write calls fill with a writer and, only if fill succeeds, atomically
// replaces path with what it wrote.
func Write(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteBytes atomically replaces path with b.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(b))
		return err
	})
}

// File is one file of a set written together by WriteDir.
type File struct {
	Name string // a plain file name, no directory
	Fill func(io.Writer) error
}

// WriteDir writes files into dir all-or-nothing: every file is first written
// to a hidden staging directory inside dir, and only once all of them are
// complete are they renamed into place. A failure or an interruption before
// that leaves dir as it was.
func WriteDir(dir string, files []File) error {
	stage, err := os.MkdirTemp(dir, ".staging-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	defer os.RemoveAll(stage)
	for _, f := range files {
		if f.Name != filepath.Base(f.Name) {
			return fmt.Errorf("write %s: %q is not a plain file name", dir, f.Name)
		}
		if err := Write(filepath.Join(stage, f.Name), f.Fill); err != nil {
			return err
		}
	}
	// A target that cannot be replaced fails the set before any file of
	// it is moved into place.
	targets := make([]string, len(files))
	for i, f := range files {
		targets[i] = filepath.Join(dir, f.Name)
	}
	if err := CheckTargets(targets...); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(stage, f.Name), filepath.Join(dir, f.Name)); err != nil {
			return fmt.Errorf("write %s: %w", dir, err)
		}
	}
	return nil
}

// PrepareDir makes sure dir can be written before any work starts, so a bad
// output directory fails at once. The returned cleanup removes the
// directories it created, if they are still empty, for a run that then
// fails.
func PrepareDir(dir string) (cleanup func(), err error) {
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == "." || d == "/" || d == filepath.Dir(d) {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	cleanup = func() {
		for _, d := range created {
			os.Remove(d) // only succeeds while empty
		}
	}
	probe, err := os.CreateTemp(dir, ".perfbench-probe-*")
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return cleanup, nil
}

// ErrNotFile is wrapped by CheckTargets when a target exists as something
// a file cannot replace.
var ErrNotFile = errors.New("not a file")

// CheckTargets says, before any work is done, whether Write could put a
// file at each path: a rename cannot replace a directory, and a parent that
// exists must be a directory. A command checks its whole output set with
// it first, so that it fails at once instead of after the run, with part of
// the set written.
func CheckTargets(paths ...string) error {
	for _, p := range paths {
		for d := filepath.Dir(p); ; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil {
				if !fi.IsDir() {
					return fmt.Errorf("cannot write %s: %w: %s is a file, not a directory", p, ErrNotFile, d)
				}
				break
			}
			if d == filepath.Dir(d) {
				break
			}
		}
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("cannot write %s: %w", p, err)
		case fi.IsDir():
			return fmt.Errorf("cannot write %s: %w: it is a directory", p, ErrNotFile)
		}
	}
	return nil
}
