//go:build !linux

package cluster

import (
	"errors"
	"os"
	"syscall"
)

func childAttr() *syscall.SysProcAttr { return nil }

func freeze(*os.Process) error { return errors.New("freeze: SIGSTOP is only available on Linux here") }
