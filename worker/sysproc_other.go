//go:build !linux

package worker

import "syscall"

// sysProcAttr: elsewhere the parent's Close and context cancellation are
// what stop a worker.
func sysProcAttr() *syscall.SysProcAttr { return nil }
