//go:build linux || darwin

package profiling

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func writeFD2(t *testing.T, s string) {
	t.Helper()
	if n, err := unix.Write(2, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("write to fd 2: %d of %d bytes, %v", n, len(s), err)
	}
}

// stderrOf runs fn with fd 2 pointed at a pipe and returns what reached it.
func stderrOf(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := unix.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup2(int(w.Fd()), 2); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); got <- string(b) }()
	fn()
	unix.Dup2(saved, 2)
	unix.Close(saved)
	w.Close()
	out := <-got
	r.Close()
	return out
}

func TestFilterStderrDropsOnlyTheWarning(t *testing.T) {
	out := stderrOf(t, func() {
		restore, err := filterStderr([]byte(rateWarning))
		if err != nil {
			t.Fatal(err)
		}
		// fd 2 itself, as the runtime writes its warning: under go test
		// -json, os.Stderr is stdout.
		writeFD2(t, "before\n"+rateWarning+"after\n")
		restore()
		writeFD2(t, "restored\n")
	})
	if out != "before\nafter\nrestored\n" {
		t.Fatalf("stderr got %q, want the other lines in order and no warning", out)
	}
}

// A CPU capture at CPUHz leaves no rate warning on stderr, and its
// profile's period says CPUHz.
func TestCPUCaptureIsQuiet(t *testing.T) {
	var period int64
	out := stderrOf(t, func() {
		p, err := Capture(context.Background(), CPU, func(context.Context) error { burnAlpha(30 * time.Millisecond); return nil })
		if err != nil {
			t.Error(err)
			return
		}
		period = p.Period
	})
	if strings.Contains(out, "cannot set cpu profile rate") {
		t.Errorf("stderr has the rate warning: %q", out)
	}
	if want := int64(time.Second / CPUHz); period != want {
		t.Errorf("period %d ns, want %d (CPUHz %d)", period, want, CPUHz)
	}
}
