// Package natsrig gives perfbench a real NATS deployment to run cluster
// traffic over, and a way to count what that traffic costs on the wire. It
// starts embedded nats-server clusters on loopback (the servers joined by
// routes, as a production cluster is) and wraps client sockets in a meter
// that counts bytes and protocol messages as they cross the socket, framing
// included, which NATS's own statistics leave out.
package natsrig

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// MaxServers bounds an embedded cluster.
const MaxServers = 5

// MaxPayload is the embedded servers' max_payload: profiles travel to the
// coordinator as single messages.
const MaxPayload = 8 << 20

// readyTimeout bounds how long a server may take to accept clients.
const readyTimeout = 10 * time.Second

// How Start waits for a server and its routes: it asks often, and each
// question is brief. server.ReadyForConnections(d) sleeps 25 ms between
// its own checks when d is longer than that, so asked once with the whole
// timeout, a server that is ready in under a millisecond cost a 25 ms
// sleep: 50 ms of the 55 ms it took to build a workload's 2-server cluster,
// paid by every round of every cluster workload. Asked with readyCheck, it
// checks without sleeping (for at most readyCheck).
const (
	readyCheck = 50 * time.Microsecond
	readyPoll  = 200 * time.Microsecond
)

// readier is the part of *server.Server that waitReady asks.
type readier interface {
	ReadyForConnections(d time.Duration) bool
}

// waitReady reports whether s accepts clients within timeout, asking it
// every readyPoll.
func waitReady(s readier, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !s.ReadyForConnections(readyCheck) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(readyPoll)
	}
	return true
}

// Cluster is a set of embedded NATS servers on 127.0.0.1, routed together.
type Cluster struct {
	servers []*server.Server
}

// Start starts n servers (1 to MaxServers) on loopback with random ports.
// The first is the seed the others route to; the servers then form a full
// mesh among themselves. It waits until every route is up.
func Start(n int) (*Cluster, error) {
	if n < 1 || n > MaxServers {
		return nil, fmt.Errorf("natsrig: %d servers (want 1 to %d)", n, MaxServers)
	}
	c := &Cluster{}
	var seed []*url.URL
	for i := 0; i < n; i++ {
		opts := &server.Options{
			ServerName: fmt.Sprintf("pb-%d", i), Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
			MaxPayload: MaxPayload,
		}
		if n > 1 {
			opts.Cluster = server.ClusterOpts{Name: "perfbench", Host: "127.0.0.1", Port: -1}
			opts.Routes = seed
		}
		s, err := server.NewServer(opts)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("natsrig: server %d: %w", i, err)
		}
		go s.Start()
		if !waitReady(s, readyTimeout) {
			s.Shutdown()
			c.Close()
			return nil, fmt.Errorf("natsrig: server %d not ready after %s", i, readyTimeout)
		}
		c.servers = append(c.servers, s)
		if i == 0 && n > 1 {
			addr := s.ClusterAddr()
			if addr == nil {
				c.Close()
				return nil, errors.New("natsrig: seed server has no cluster address")
			}
			seed = []*url.URL{{Scheme: "nats-route", Host: addr.String()}}
		}
	}
	if err := c.waitRoutes(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// waitRoutes returns once every server has a route to every other one.
func (c *Cluster) waitRoutes() error {
	if len(c.servers) < 2 {
		return nil
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		ok := true
		for _, s := range c.servers {
			// Routes are pooled: several connections per remote server.
			if s.NumRoutes() < len(c.servers)-1 {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("natsrig: routes between %d servers not up after %s", len(c.servers), readyTimeout)
		}
		time.Sleep(readyPoll)
	}
}

// URLs are the client URLs of the servers still running, in order.
func (c *Cluster) URLs() []string {
	var us []string
	for _, s := range c.servers {
		if s.Running() {
			us = append(us, s.ClientURL())
		}
	}
	return us
}

// URL is server i's client URL.
func (c *Cluster) URL(i int) string { return c.servers[i].ClientURL() }

// Len is the number of servers started.
func (c *Cluster) Len() int { return len(c.servers) }

// Kill stops server i at once, as a crash would: its clients lose their
// connection and must reconnect elsewhere.
func (c *Cluster) Kill(i int) {
	c.servers[i].Shutdown()
	c.servers[i].WaitForShutdown()
}

// Close stops every server and waits until each has shut down.
func (c *Cluster) Close() {
	for _, s := range c.servers {
		s.Shutdown()
		s.WaitForShutdown()
	}
}
