package natsrig

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Link emulates a node's access link to the network on every connection a
// Meter dials: a full-duplex link of Bandwidth bits/s each way, and a
// one-way Latency added to every byte the node sends. On one host the
// loopback is faster than any network by orders of magnitude, which hides
// what an optimization of network traffic is for; the emulation puts the
// cost of bytes back where a real link would put it. The zero Link is off:
// the connection is the bare socket.
//
// Sending: a write waits until the link has serialized it (the link is
// busy with earlier writes until then, as a socket buffer drains at line
// rate), then reaches the socket Latency later, through a delay line that
// keeps later writes flowing meanwhile. Receiving: a read returns once the
// link has carried its bytes. The link's clock is virtual (each transfer
// starts when the previous one ended, or now if the link was idle), so the
// timer's slack on one transfer does not lower the rate of the next.
type Link struct {
	Bandwidth float64       `json:"bandwidth_bps,omitempty"` // bits per second each way; 0: unlimited
	Latency   time.Duration `json:"latency,omitempty"`       // one way, added to what the node sends
}

// Bounds of a Link: slower than 1 Mbit/s or later than a second is no
// longer a data-centre link, and the runs would take hours.
const (
	MinBandwidth = 1e6
	MaxBandwidth = 1e12
	MaxLatency   = time.Second
)

// On reports whether the link changes anything.
func (l Link) On() bool { return l.Bandwidth > 0 || l.Latency > 0 }

// Validate checks the bounds.
func (l Link) Validate() error {
	if l.Bandwidth != 0 && (l.Bandwidth < MinBandwidth || l.Bandwidth > MaxBandwidth || math.IsNaN(l.Bandwidth)) {
		return fmt.Errorf("link bandwidth %s: want 0 (unlimited) or %s to %s", FormatBandwidth(l.Bandwidth),
			FormatBandwidth(MinBandwidth), FormatBandwidth(MaxBandwidth))
	}
	if l.Latency < 0 || l.Latency > MaxLatency {
		return fmt.Errorf("link latency %s: want 0 to %s", l.Latency, MaxLatency)
	}
	return nil
}

func (l Link) String() string {
	if !l.On() {
		return "off"
	}
	bw := "unlimited"
	if l.Bandwidth > 0 {
		bw = FormatBandwidth(l.Bandwidth)
	}
	return fmt.Sprintf("%s, %s one way", bw, l.Latency)
}

// Transfer is how long n bytes occupy the link: n·8/Bandwidth (0 when
// unlimited).
func (l Link) Transfer(n int) time.Duration {
	if l.Bandwidth <= 0 {
		return 0
	}
	return time.Duration(math.Round(float64(n) * 8 / l.Bandwidth * 1e9))
}

var bandwidthUnits = []struct {
	suffix string
	scale  float64
}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

// ParseBandwidth reads a rate in bits per second: a number with an optional
// unit of bit, kbit, Mbit or Gbit (decimal, as links are sold; "/s" may
// follow), e.g. "1Gbit", "100Mbit/s", "2.5e9". Empty or "0" is unlimited.
func ParseBandwidth(s string) (float64, error) {
	t := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "/s")
	if t == "" {
		return 0, nil
	}
	scale := 1.0
	for _, u := range bandwidthUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, scale = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("bandwidth %q: want a rate in bits/s such as 1Gbit, 100Mbit, 10kbit or 2.5e9", s)
	}
	return v * scale, nil
}

// FormatBandwidth writes a rate the way ParseBandwidth reads it.
func FormatBandwidth(bps float64) string {
	for _, u := range bandwidthUnits[:3] {
		if bps >= u.scale {
			return strconv.FormatFloat(bps/u.scale, 'g', 4, 64) + map[string]string{"gbit": "Gbit", "mbit": "Mbit", "kbit": "kbit"}[u.suffix]
		}
	}
	return strconv.FormatFloat(bps, 'g', 4, 64) + "bit"
}

// clock is one direction of a link: the time it is busy until, and how
// late the last wait for it ended.
type clock struct {
	busy time.Time
	late time.Duration
}

// take books n bytes on the link at now and returns when their last bit
// has crossed it: a transfer starts when the link is free (now, if it has
// been idle) and lasts l.Transfer(n). A caller back from a wait that the
// timer ended late is booked as if it had woken on time, so that timer
// slack does not accumulate over a run of transfers.
func (c *clock) take(now time.Time, n int, l Link) time.Time {
	start := now
	if !now.After(c.busy.Add(c.late)) {
		start = c.busy // busy, or idle only for as long as the timer overslept
	}
	c.busy = start.Add(l.Transfer(n))
	return c.busy
}

// wait blocks until the transfer booked to end at done has, and records
// how late the wake-up was.
func (c *clock) wait(done time.Time) {
	sleepUntil(done)
	c.late = max(0, time.Since(done))
}

// linkConn is a socket behind an emulated link. The link settings are read
// on every transfer, so that a meter's link can change between runs of the
// connections it has already dialled.
type linkConn struct {
	net.Conn
	link func() Link

	upMu, downMu sync.Mutex
	up, down     clock

	line atomic.Pointer[delayLine] // made by the first write that has a latency
}

func (c *linkConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if l := c.link(); n > 0 && l.Bandwidth > 0 {
		c.downMu.Lock()
		c.down.wait(c.down.take(time.Now(), n, l))
		c.downMu.Unlock()
	}
	return n, err
}

func (c *linkConn) Write(b []byte) (int, error) {
	l := c.link()
	if !l.On() && c.line.Load() == nil {
		return c.Conn.Write(b)
	}
	// One writer at a time: the link serializes, and the delay line must
	// receive writes in the order they were booked. Once a delay line
	// exists every write goes through it, so that none overtakes another.
	c.upMu.Lock()
	defer c.upMu.Unlock()
	done := c.up.take(time.Now(), len(b), l)
	c.up.wait(done)
	line := c.line.Load()
	if l.Latency == 0 && line == nil {
		return c.Conn.Write(b)
	}
	if line == nil {
		line = newDelayLine(c.Conn)
		c.line.Store(line)
	}
	if err := line.push(done.Add(l.Latency), b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close delivers what the delay line still holds (the last of it is due
// within one latency), then closes the socket.
func (c *linkConn) Close() error {
	c.upMu.Lock()
	line := c.line.Load()
	c.upMu.Unlock()
	if line != nil {
		line.close()
	}
	return c.Conn.Close()
}

// delayLine writes each chunk to the socket at its due time, in order.
type delayLine struct {
	conn  net.Conn
	ch    chan chunk
	mu    sync.Mutex // guards shut and sends on ch
	shut  bool
	err   atomic.Pointer[error] // the first write error; later pushes fail with it
	drain chan struct{}         // closed when the goroutine has delivered everything and ended
}

type chunk struct {
	due time.Time
	b   []byte
}

// lineChunks bounds the chunks in flight on one link: a full line blocks the
// writer as a full socket buffer would.
const lineChunks = 1024

func newDelayLine(conn net.Conn) *delayLine {
	d := &delayLine{conn: conn, ch: make(chan chunk, lineChunks), drain: make(chan struct{})}
	go d.run()
	return d
}

var errLineClosed = errors.New("natsrig: link closed")

func (d *delayLine) push(due time.Time, b []byte) error {
	if err := d.err.Load(); err != nil {
		return *err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shut {
		return errLineClosed
	}
	d.ch <- chunk{due: due, b: append([]byte(nil), b...)}
	return nil
}

func (d *delayLine) run() {
	defer close(d.drain)
	for ck := range d.ch {
		sleepUntil(ck.due)
		if d.err.Load() != nil {
			continue // the socket is gone: what is left is lost, as on a cut link
		}
		if _, err := d.conn.Write(ck.b); err != nil {
			d.err.Store(&err)
		}
	}
}

func (d *delayLine) close() {
	d.mu.Lock()
	if !d.shut {
		d.shut = true
		close(d.ch)
	}
	d.mu.Unlock()
	<-d.drain
}
