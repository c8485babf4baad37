//go:build linux || darwin

package profiling

import (
	"bytes"
	"io"
	"os"
	"runtime/pprof"

	"golang.org/x/sys/unix"
)

// startCPUProfile starts runtime/pprof's CPU profile at the rate set
// before it (see CPUHz), without the runtime's warning that StartCPUProfile
// could not set its own 100 Hz. The runtime prints that line straight to
// file descriptor 2, so for the length of the call fd 2 points at a pipe:
// exactly that line is dropped and anything else written meanwhile (a
// progress line from another goroutine) is copied on to the real stderr.
// If fd 2 cannot be redirected the profile starts anyway, warning and all.
func startCPUProfile(w io.Writer) error {
	restore, err := filterStderr([]byte(rateWarning))
	if err != nil {
		return pprof.StartCPUProfile(w)
	}
	defer restore()
	return pprof.StartCPUProfile(w)
}

// filterStderr points fd 2 at a pipe until restore is called, which puts
// the real stderr back and writes to it what came through the pipe, less
// every occurrence of drop.
func filterStderr(drop []byte) (restore func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	saved, err := unix.Dup(2)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	if err := unix.Dup2(int(w.Fd()), 2); err != nil {
		unix.Close(saved)
		r.Close()
		w.Close()
		return nil, err
	}
	// Drain while redirected, so a writer can never fill the pipe and block.
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	return func() {
		unix.Dup2(saved, 2) // also closes fd 2's reference to the pipe
		unix.Close(saved)
		w.Close()
		b := bytes.ReplaceAll(<-got, drop, nil)
		r.Close()
		// Back to fd 2, where it was written: os.Stderr need not be fd 2
		// (under go test -json, the testing package points it at stdout).
		for len(b) > 0 {
			n, err := unix.Write(2, b)
			if err != nil && err != unix.EINTR {
				return
			}
			b = b[max(n, 0):]
		}
	}, nil
}
