package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/natsrig"
	"github.com/perfbench/perfbench/results"
)

// NodeLostError ends a run whose node process died or went silent.
type NodeLostError struct {
	ID     string
	Reason string
	After  time.Duration // since the run started
}

func (e *NodeLostError) Error() string {
	return fmt.Sprintf("node %s lost after %s: %s", e.ID, e.After.Round(time.Millisecond), e.Reason)
}

// coordinator drives one run: the servers, the node processes, the rounds.
type coordinator struct {
	o      Options
	ids    []string
	prefix string
	start  time.Time
	stderr io.Writer

	servers *natsrig.Cluster
	urls    []string
	nc      *nats.Conn
	hbSub   *nats.Subscription
	kids    []*child

	mu     sync.Mutex
	beats  map[string]time.Time
	hosts  map[string]heartbeat
	cancel context.CancelCauseFunc

	watchStop chan struct{}
	watchDone chan struct{}

	injected atomic.Int64 // when the fault fired, ns since start; 0 before
}

func newPrefix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "pb" + hex.EncodeToString(b)
}

// open starts (or reaches) the NATS cluster, starts the node processes,
// and waits until every node has sent a heartbeat.
func (c *coordinator) open(ctx context.Context) error {
	if c.o.NATS == "" {
		s, err := natsrig.Start(c.o.Servers)
		if err != nil {
			return err
		}
		c.servers = s
		c.urls = s.URLs()
	} else {
		for _, u := range strings.Split(c.o.NATS, ",") {
			if u = strings.TrimSpace(u); u != "" {
				c.urls = append(c.urls, u)
			}
		}
	}
	nc, err := connect(strings.Join(c.urls, ","), "perfbench-coordinator")
	if err != nil {
		return err
	}
	c.nc = nc
	if c.hbSub, err = nc.Subscribe(hbWildcard(c.prefix), c.beat); err != nil {
		return fmt.Errorf("subscribe heartbeats: %w", err)
	}
	if err := nc.Flush(); err != nil {
		return fmt.Errorf("subscribe heartbeats: %w", err)
	}
	argv := c.o.NodeCommand
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find perfbench executable: %w", err)
		}
		argv = []string{exe, "node"}
	}
	for i, id := range c.ids[:c.o.Local] {
		// Spread nodes over the servers: node i tries server i first and
		// falls back to the others on reconnect.
		urls := append(append([]string(nil), c.urls[i%len(c.urls):]...), c.urls[:i%len(c.urls)]...)
		k, err := spawn(argv, c.o.NodeEnv, id, strings.Join(urls, ","), c.prefix, c.o.Heartbeat, c.stderr)
		if err != nil {
			return err
		}
		c.kids = append(c.kids, k)
	}
	deadline := time.Now().Add(30*time.Second + time.Duration(c.o.Nodes)*time.Second)
	if c.o.Local < len(c.ids) {
		// Nodes started by hand on other hosts: give a person time.
		deadline = time.Now().Add(remoteJoinTimeout)
	}
	if c.o.Local < len(c.ids) {
		fmt.Fprintf(c.stderr, "perfbench: cluster: waiting up to %s for nodes %s to join: perfbench node --nats %s --prefix %s --heartbeat %s --id ID\n",
			remoteJoinTimeout, strings.Join(c.ids[c.o.Local:], ", "), strings.Join(c.urls, ","), c.prefix, c.o.Heartbeat)
	}
	for {
		missing := c.silent(time.Time{})
		if len(missing) == 0 {
			break
		}
		for _, k := range c.kids {
			if k.exited() {
				return fmt.Errorf("node %s exited before joining: %v", k.id, k.err)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodes %s sent no heartbeat within %s", strings.Join(missing, ", "), time.Until(deadline))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Fprintf(c.stderr, "perfbench: cluster: %d nodes up on %d NATS server(s) %s\n", len(c.ids), len(c.urls), strings.Join(c.urls, ","))
	return nil
}

func (c *coordinator) beat(m *nats.Msg) {
	var h heartbeat
	if json.Unmarshal(m.Data, &h) != nil {
		return
	}
	c.mu.Lock()
	c.beats[h.ID] = time.Now()
	c.hosts[h.ID] = h
	c.mu.Unlock()
}

// silent lists the nodes with no heartbeat since t (never, if t is zero),
// the longest silent first: when load delays everyone's beats, the node
// that really stopped is the one heard from least recently.
func (c *coordinator) silent(t time.Time) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, id := range c.ids {
		if b, ok := c.beats[id]; !ok || b.Before(t) {
			out = append(out, id)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return c.beats[out[i]].Before(c.beats[out[j]]) })
	return out
}

// watch declares a node lost when its process exits or it misses
// missedBeats heartbeats, and cancels the run with a NodeLostError.
func (c *coordinator) watch() {
	defer close(c.watchDone)
	t := time.NewTicker(c.o.Heartbeat / 4)
	defer t.Stop()
	for {
		select {
		case <-c.watchStop:
			return
		case <-t.C:
		}
		for _, k := range c.kids {
			if k.exited() {
				c.cancel(&NodeLostError{ID: k.id, Reason: fmt.Sprintf("process exited (%v)", k.err), After: time.Since(c.start)})
				return
			}
		}
		// A node is lost after missedBeats silent beats while others are
		// heard: when every node falls silent at once it is the coordinator
		// (or its link) that is behind, and only a much longer silence counts.
		window := time.Duration(missedBeats) * c.o.Heartbeat
		ids := c.silent(time.Now().Add(-window))
		if len(ids) == len(c.ids) {
			window = time.Duration(allSilentBeats) * c.o.Heartbeat
			ids = c.silent(time.Now().Add(-window))
		}
		if len(ids) > 0 {
			c.cancel(&NodeLostError{ID: ids[0], Reason: fmt.Sprintf("no heartbeat for %s (%d beats)", window, window/c.o.Heartbeat), After: time.Since(c.start)})
			return
		}
	}
}

func (c *coordinator) stopWatch() {
	if c.watchStop != nil {
		close(c.watchStop)
		<-c.watchDone
		c.watchStop = nil
	}
}

// remoteJoinTimeout bounds the wait for nodes started by hand.
const remoteJoinTimeout = 10 * time.Minute

// close stops the nodes (those started by hand are told to quit), then the
// servers. Nothing it started outlives it.
func (c *coordinator) close(ctx context.Context) {
	c.stopWatch()
	if c.nc != nil && c.o.Local < len(c.ids) {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		c.callAll(qctx, c.ids[c.o.Local:], 2*time.Second, c.same(opQuit))
		cancel()
	}
	stopChildren(ctx, func(ctx context.Context, id string) { c.call(ctx, id, request{Op: opQuit}) }, c.kids, 2*time.Second)
	if c.hbSub != nil {
		c.hbSub.Unsubscribe()
	}
	if c.nc != nil {
		c.nc.Close()
	}
	if c.servers != nil {
		c.servers.Close()
	}
}

// call sends one request to a node and waits for its answer.
func (c *coordinator) call(ctx context.Context, id string, req request) (response, error) {
	var resp response
	m, err := c.nc.RequestWithContext(ctx, ctlSubject(c.prefix, id), mustJSON(req))
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
			return resp, cause
		}
		return resp, fmt.Errorf("node %s: %s: %w", id, req.Op, err)
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return resp, fmt.Errorf("node %s: %s: bad reply: %w", id, req.Op, err)
	}
	if resp.Err != "" {
		return resp, fmt.Errorf("node %s: %s: %s", id, req.Op, resp.Err)
	}
	return resp, nil
}

// callAll sends each node its request at once and collects the answers.
func (c *coordinator) callAll(ctx context.Context, ids []string, timeout time.Duration, req func(id string) request) (map[string]response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := make(map[string]response, len(ids))
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.call(ctx, id, req(id))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			out[id] = r
		}()
	}
	wg.Wait()
	return out, first
}

func (c *coordinator) same(op string) func(string) request {
	return func(string) request { return request{Op: op} }
}

const ctlTimeout = 20 * time.Second

// The raw record of a round and of its broadcasts, as results.json holds
// them.
type (
	RoundData = results.ClusterRound
	GroupRun  = results.ClusterGroupRun
)

// setup builds every node's runtime for one side and waits until every
// subscription has reached every server.
func (c *coordinator) setup(ctx context.Context, side int, round int) error {
	set := c.o.sides()[side]
	s := setupReq{Features: set, Peers: c.ids, Fanout: c.o.Fanout, BatchBytes: c.o.BatchBytes, BatchDelay: c.o.BatchDelay,
		PayloadSize: c.o.Payload, Prefix: fmt.Sprintf("%s-r%d-%s", c.prefix, round, sideLabels[side]), Link: c.o.link}
	if _, err := c.callAll(ctx, c.ids, ctlTimeout, func(string) request { return request{Op: opSetup, Setup: &s} }); err != nil {
		return err
	}
	// Interest crosses the routes asynchronously: a broadcast of each kind
	// that every node acknowledges proves it has arrived everywhere.
	deadline := time.Now().Add(15 * time.Second)
	for _, server := range []bool{true, false} {
		for {
			r, err := c.call(ctx, c.ids[0], request{Op: opBroadcast, Broadcast: &broadcastReq{Group: len(c.ids), Count: 1, Server: server, Timeout: 250 * time.Millisecond}})
			if err != nil {
				return err
			}
			if len(r.Broadcast) == 1 && r.Broadcast[0].Acked == len(c.ids)-1 {
				break
			}
			if time.Now().After(deadline) {
				return errors.New("subscriptions did not reach every server within 15 s")
			}
		}
	}
	return nil
}

var sideLabels = [2]string{"off", "on"}

// traffic sums the nodes' wire traffic since setup, and their process CPU.
func (c *coordinator) traffic(ctx context.Context) (natsrig.Traffic, time.Duration, error) {
	t, cpu, _, err := c.trafficReceived(ctx)
	return t, cpu, err
}

// trafficReceived is traffic plus the broadcast copies every node has taken.
func (c *coordinator) trafficReceived(ctx context.Context) (natsrig.Traffic, time.Duration, uint64, error) {
	rs, err := c.callAll(ctx, c.ids, ctlTimeout, c.same(opTraffic))
	var t natsrig.Traffic
	var cpu time.Duration
	var got uint64
	for _, r := range rs {
		if r.Traffic != nil {
			t = t.Add(*r.Traffic)
		}
		cpu += r.CPU
		got += r.BcastReceived
	}
	return t, cpu, got, err
}

// round runs one side once: setup, the stream, the drain, the broadcasts.
func (c *coordinator) round(ctx context.Context, side, index int, inject func()) (*RoundData, error) {
	rd := &RoundData{Side: sideLabels[side], Index: index, Features: c.o.sides()[side].String()}
	if err := c.setup(ctx, side, index); err != nil {
		return rd, err
	}
	idleRate, err := c.idleRate(ctx)
	if err != nil {
		return rd, err
	}
	pre, nodeCPU, err := c.traffic(ctx)
	if err != nil {
		return rd, err
	}
	cpu0, start := measure.ProcessCPU(), time.Now()
	if inject != nil {
		t := time.AfterFunc(c.o.Duration/2, func() {
			c.injected.Store(int64(time.Since(c.start)))
			inject()
		})
		defer t.Stop()
	}
	rs, err := c.stream(ctx, "")
	rd.Stream = map[string]*streamResult{}
	for id, r := range rs {
		rd.Stream[id] = r.Stream
	}
	if err != nil {
		return rd, err
	}
	d, err := c.drain(ctx, c.ids)
	if err != nil {
		return rd, err
	}
	rd.Stats, rd.Span = d.stats, d.arrived.Sub(start)
	rd.IdleCPU = time.Duration(idleRate * float64(rd.Span))
	rd.ServerCPU = measure.ProcessCPU() - cpu0
	rd.NodeCPU = -nodeCPU
	for _, cpu := range d.cpus {
		rd.NodeCPU += cpu
	}
	for _, st := range rd.Stats {
		rd.Traffic = rd.Traffic.Add(st.Traffic)
	}
	rd.Traffic = rd.Traffic.Sub(pre)
	for _, g := range c.o.groups() {
		for _, mode := range []string{"node", "server"} {
			gr, err := c.broadcasts(ctx, g, mode)
			if err != nil {
				return rd, err
			}
			rd.Broadcasts = append(rd.Broadcasts, gr)
		}
	}
	return rd, nil
}

func (c *coordinator) stream(ctx context.Context, profile string) (map[string]response, error) {
	return c.streamFor(ctx, c.o.Duration, profile, false)
}

// idleWindow is how long idleRate samples: a quarter of the stream, at
// least MinDuration.
func (c *coordinator) idleWindow() time.Duration { return max(c.o.Duration/4, MinDuration) }

// idleRate runs every node's generator without sending for idleWindow and
// returns the CPU the nodes and the coordinator (the embedded servers)
// spent, per unit of time: the baseline of the round.
func (c *coordinator) idleRate(ctx context.Context) (float64, error) {
	cpu0 := measure.ProcessCPU()
	start := time.Now()
	rs, err := c.streamFor(ctx, c.idleWindow(), "", true)
	if err != nil {
		return 0, err
	}
	rate := float64(measure.ProcessCPU()-cpu0) / float64(time.Since(start))
	for _, r := range rs {
		if r.Stream != nil && r.Stream.Elapsed > 0 {
			rate += float64(r.Stream.CPU) / float64(r.Stream.Elapsed)
		}
	}
	return rate, nil
}

// streamFor has every node stream to the next one for d; profile, if set,
// is the kind each node captures over it; idle runs the schedule without
// sending.
func (c *coordinator) streamFor(ctx context.Context, d time.Duration, profile string, idle bool) (map[string]response, error) {
	succ := map[string]string{}
	for i, id := range c.ids {
		succ[id] = c.ids[(i+1)%len(c.ids)]
	}
	return c.callAll(ctx, c.ids, d+ctlTimeout, func(id string) request {
		return request{Op: opStream, Stream: &streamReq{Rate: c.o.Rate / float64(len(c.ids)), Duration: d,
			Targets: []string{succ[id]}, PingEvery: c.o.PingEvery, Profile: profile, Idle: idle}}
	})
}

// drain flushes every outbox, waits until what was sent has arrived (or has
// stopped arriving: the rest is lost), then has every node send its final
// acks and returns everyone's counters.
// drained is what drain learnt: the final counters, and each node's process
// CPU and the time when everything had arrived.
type drained struct {
	stats   map[string]*nodeStats
	cpus    map[string]time.Duration
	arrived time.Time
}

func (c *coordinator) drain(ctx context.Context, ids []string) (drained, error) {
	var d drained
	if _, err := c.callAll(ctx, ids, ctlTimeout, c.same(opFlush)); err != nil {
		return d, err
	}
	var cpus map[string]time.Duration
	stats := func() (map[string]*nodeStats, error) {
		rs, err := c.callAll(ctx, ids, ctlTimeout, c.same(opStats))
		out := map[string]*nodeStats{}
		cpus = map[string]time.Duration{}
		for id, r := range rs {
			out[id], cpus[id] = r.Stats, r.CPU
		}
		return out, err
	}
	var last uint64
	progress := time.Now()
	for deadline := time.Now().Add(15 * time.Second); ; {
		st, err := stats()
		if err != nil {
			return d, err
		}
		missing := inFlight(st)
		if missing == 0 || time.Since(progress) > time.Second || time.Now().After(deadline) {
			break
		}
		if missing != last {
			last, progress = missing, time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.cpus, d.arrived = cpus, time.Now()
	if _, err := c.callAll(ctx, ids, ctlTimeout, c.same(opFlushAcks)); err != nil {
		return d, err
	}
	for deadline := time.Now().Add(3 * time.Second); ; {
		st, err := stats()
		if err != nil || len(disagreements(st)) == 0 || time.Now().After(deadline) {
			d.stats = st
			return d, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inFlight counts signals sent between the given nodes that have neither
// failed at the sender nor arrived at the receiver.
func inFlight(st map[string]*nodeStats) uint64 {
	var n uint64
	for a, sa := range st {
		for b, pc := range sa.Counters.Peers {
			sb, ok := st[b]
			if !ok {
				continue
			}
			got := sb.Counters.Peers[a].Received.Total()
			if pc.Sent > pc.SendFailed+got {
				n += pc.Sent - pc.SendFailed - got
			}
		}
	}
	return n
}

// disagreements lists the pairs whose sender's acked count differs from
// the receiver's own count.
func disagreements(st map[string]*nodeStats) []string {
	var out []string
	for a, sa := range st {
		for b, pc := range sa.Counters.Peers {
			sb, ok := st[b]
			if !ok {
				continue
			}
			if got := sb.Counters.Peers[a].Received; got != pc.Acked {
				out = append(out, fmt.Sprintf("%s→%s: acked %d+%d, receiver counted %d+%d", a, b,
					pc.Acked.Delivered, pc.Acked.Errored, got.Delivered, got.Errored))
			}
		}
	}
	return out
}

func (c *coordinator) broadcasts(ctx context.Context, group int, mode string) (GroupRun, error) {
	gr := GroupRun{Group: group, Mode: mode}
	pre, _, got0, err := c.trafficReceived(ctx)
	if err != nil {
		return gr, err
	}
	per := max(2*time.Second, time.Duration(group)*100*time.Millisecond)
	r, err := c.call(ctx, c.ids[0], request{Op: opBroadcast, Broadcast: &broadcastReq{Group: group, Count: c.o.Broadcasts,
		Server: mode == "server", Timeout: per}})
	if err != nil {
		return gr, err
	}
	gr.Results = r.Broadcast
	post, _, got, err := c.trafficReceived(ctx)
	gr.Traffic, gr.Received = post.Sub(pre), got-got0
	return gr, err
}

// injector returns the fault to fire half-way through the first stream.
func (c *coordinator) injector() func() {
	switch c.o.Fault.Kind {
	case "node", "freeze":
		for _, k := range c.kids {
			if k.id != c.o.Fault.Target {
				continue
			}
			if c.o.Fault.Kind == "freeze" {
				return func() {
					fmt.Fprintf(c.stderr, "perfbench: cluster: fault: freezing node %s (pid %d, SIGSTOP)\n", k.id, k.cmd.Process.Pid)
					if err := freeze(k.cmd.Process); err != nil {
						fmt.Fprintf(c.stderr, "perfbench: cluster: fault: %v\n", err)
					}
				}
			}
			return func() {
				fmt.Fprintf(c.stderr, "perfbench: cluster: fault: killing node %s (pid %d)\n", k.id, k.cmd.Process.Pid)
				k.cmd.Process.Kill()
			}
		}
	case "server":
		i, _ := strconv.Atoi(c.o.Fault.Target)
		return func() {
			fmt.Fprintf(c.stderr, "perfbench: cluster: fault: killing NATS server %d (%s)\n", i, c.servers.URL(i))
			c.servers.Kill(i)
		}
	}
	return nil
}
