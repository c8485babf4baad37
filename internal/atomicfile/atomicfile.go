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
