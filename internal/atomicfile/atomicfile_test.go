package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplacesOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "first" {
		t.Fatalf("file = %q after failed write, want %q", got, "first")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp file left behind: %v", entries)
	}
}

func TestWriteUnwritableDir(t *testing.T) {
	err := WriteBytes(filepath.Join(t.TempDir(), "missing", "x"), []byte("x"))
	if err == nil {
		t.Fatal("want error for missing directory")
	}
}

func TestWriteDirIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	text := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	boom := errors.New("boom")
	err := WriteDir(dir, []File{{"a.txt", text("a")}, {"b.txt", func(io.Writer) error { return boom }}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed set left %v", entries)
	}
	if err := WriteDir(dir, []File{{"a.txt", text("a")}, {"b.txt", text("b")}}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 || entries[0].Name() != "a.txt" || entries[1].Name() != "b.txt" {
		t.Fatalf("dir holds %v, want a.txt and b.txt only", entries)
	}
	if err := WriteDir(dir, []File{{"../x", text("x")}}); err == nil {
		t.Fatal("a path outside dir was accepted")
	}
}

func TestPrepareDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b")
	cleanup, err := PrepareDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("probe left %v", entries)
	}
	cleanup()
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("cleanup left %v", entries)
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := PrepareDir(filepath.Join(file, "x")); err == nil {
		t.Fatal("a directory under a file was accepted")
	}
}

func TestCheckTargets(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		want  string // "" = writable
	}{
		{"new file", []string{filepath.Join(dir, "new.json")}, ""},
		{"existing file", []string{file}, ""},
		{"new file in new directories", []string{filepath.Join(dir, "a", "b", "c.json")}, ""},
		{"a directory", []string{filepath.Join(dir, "sub")}, "it is a directory"},
		{"the last of several", []string{file, filepath.Join(dir, "x"), filepath.Join(dir, "sub")}, "sub: not a file: it is a directory"},
		{"under a file", []string{filepath.Join(file, "x.json")}, "not a file: " + file + " is a file, not a directory"},
		{"deep under a file", []string{filepath.Join(file, "a", "x.json")}, file + " is a file, not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTargets(tt.paths...)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrNotFile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrNotFile and %q", err, tt.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("CheckTargets created or removed files: %v", entries)
	}
}

// TestWriteDirTargetIsDirectory: when one target of the set exists as a
// directory, no file of the set is moved into place.
func TestWriteDirTargetIsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "results.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }
	err := WriteDir(dir, []File{{"a.pb.gz", text}, {"b.pb.gz", text}, {"results.json", text}})
	if !errors.Is(err, ErrNotFile) {
		t.Fatalf("err = %v, want ErrNotFile", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "results.json" {
		t.Fatalf("a refused set left %v", entries)
	}
}
