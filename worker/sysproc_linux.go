package worker

import "syscall"

// sysProcAttr puts a worker in a process group of its own, so a Ctrl-C at
// the terminal reaches only the parent, which then stops its workers
// itself; and has the kernel kill the worker if the parent dies first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
