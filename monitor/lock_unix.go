//go:build unix

package monitor

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/perfbench/perfbench/internal/cmderr"
)

// lockDir takes an exclusive lock on root/.lock, so that two monitors
// never append to one history or prune each other's captures. The kernel
// drops the lock when the process ends, so a killed monitor leaves no
// stale lock. A held lock is bad input naming the holder.
func lockDir(root string) (release func(), err error) {
	path := root + "/.lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, cmderr.BadInputf("another monitor (pid %s) is writing to %s: stop it or give another --out", strings.TrimSpace(string(holder)), root)
		}
		return nil, fmt.Errorf("monitor: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return func() { f.Close() }, nil
}
