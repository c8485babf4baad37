package cluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// child is one node process started by the coordinator.
type child struct {
	id   string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, valid after done
}

// spawn starts a node process: argv plus the node flags.
func spawn(argv, env []string, id, urls, prefix string, hb time.Duration, stderr io.Writer) (*child, error) {
	args := append(append([]string(nil), argv[1:]...),
		"--nats", urls, "--id", id, "--prefix", prefix, "--heartbeat", hb.String())
	cmd := exec.Command(argv[0], args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	cmd.Stderr = stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node %s (%s): %w", id, argv[0], err)
	}
	c := &child{id: id, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill ends the process at once (SIGKILL) and waits for it.
func (c *child) kill() {
	if !c.exited() {
		c.cmd.Process.Kill()
	}
	<-c.done
}

// stopChildren asks every node to quit, gives them grace to do so, then
// kills whatever is left and waits for every process: none outlives the
// coordinator.
func stopChildren(ctx context.Context, quit func(ctx context.Context, id string), kids []*child, grace time.Duration) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range kids {
		if c.exited() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			quit(qctx, c.id)
			select {
			case <-c.done:
			case <-qctx.Done():
			}
		}()
	}
	wg.Wait()
	for _, c := range kids {
		c.kill()
	}
}
