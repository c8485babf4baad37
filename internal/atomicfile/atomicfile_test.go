package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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
