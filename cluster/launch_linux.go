package cluster

import (
	"os"
	"syscall"
)

// childAttr puts a node in its own process group, so that a Ctrl-C at the
// terminal reaches the coordinator alone (which then stops the nodes in
// order), and has the kernel kill it if the coordinator dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// freeze stops a node without ending it, as a hung host would: only its
// missing heartbeats tell.
func freeze(p *os.Process) error { return p.Signal(syscall.SIGSTOP) }
