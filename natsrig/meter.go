package natsrig

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Traffic is what crossed the metered sockets: bytes as written and read,
// and the NATS messages among them (PUB/HPUB written, MSG/HMSG read).
type Traffic struct {
	BytesOut uint64 `json:"bytes_out"`
	BytesIn  uint64 `json:"bytes_in"`
	MsgsOut  uint64 `json:"msgs_out"`
	MsgsIn   uint64 `json:"msgs_in"`
}

// Bytes is everything on the wire, both directions.
func (t Traffic) Bytes() uint64 { return t.BytesOut + t.BytesIn }

// Msgs is every message on the wire, both directions.
func (t Traffic) Msgs() uint64 { return t.MsgsOut + t.MsgsIn }

// Sub returns t − o, the traffic of a phase between two snapshots.
func (t Traffic) Sub(o Traffic) Traffic {
	return Traffic{t.BytesOut - o.BytesOut, t.BytesIn - o.BytesIn, t.MsgsOut - o.MsgsOut, t.MsgsIn - o.MsgsIn}
}

// Add returns t + o.
func (t Traffic) Add(o Traffic) Traffic {
	return Traffic{t.BytesOut + o.BytesOut, t.BytesIn + o.BytesIn, t.MsgsOut + o.MsgsOut, t.MsgsIn + o.MsgsIn}
}

// Meter counts the traffic of every connection its dialer opened,
// reconnections included, and puts each behind an emulated Link (off
// unless SetLink turns it on). Pass it with nats.SetCustomDialer(m).
type Meter struct {
	bytesOut, bytesIn, msgsOut, msgsIn atomic.Uint64
	dialer                             net.Dialer
	link                               atomic.Pointer[Link]
}

// SetLink puts every connection of the meter, those already dialled
// included, behind l from their next transfer on; the zero Link turns the
// emulation off.
func (m *Meter) SetLink(l Link) { m.link.Store(&l) }

// Link is the emulated link in force.
func (m *Meter) Link() Link {
	if l := m.link.Load(); l != nil {
		return *l
	}
	return Link{}
}

// NewMeter returns a meter whose dials time out after timeout.
func NewMeter(timeout time.Duration) *Meter {
	return &Meter{dialer: net.Dialer{Timeout: timeout}}
}

// Dial implements nats.CustomDialer.
func (m *Meter) Dial(network, address string) (net.Conn, error) {
	c, err := m.dialer.Dial(network, address)
	if err != nil {
		return nil, err
	}
	return &meteredConn{Conn: &linkConn{Conn: c, link: m.Link}, m: m}, nil
}

// Traffic returns the counts so far.
func (m *Meter) Traffic() Traffic {
	return Traffic{BytesOut: m.bytesOut.Load(), BytesIn: m.bytesIn.Load(), MsgsOut: m.msgsOut.Load(), MsgsIn: m.msgsIn.Load()}
}

type meteredConn struct {
	net.Conn
	m        *Meter
	rmu, wmu sync.Mutex
	rs, ws   scanner
}

func (c *meteredConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.rmu.Lock()
		msgs := c.rs.feed(b[:n])
		c.rmu.Unlock()
		c.m.bytesIn.Add(uint64(n))
		c.m.msgsIn.Add(msgs)
	}
	return n, err
}

func (c *meteredConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.wmu.Lock()
		msgs := c.ws.feed(b[:n])
		c.wmu.Unlock()
		c.m.bytesOut.Add(uint64(n))
		c.m.msgsOut.Add(msgs)
	}
	return n, err
}

// scanner follows the NATS text protocol on one direction of a socket:
// control lines end in CRLF; PUB, HPUB, MSG and HMSG lines announce a
// payload of a given size (their last field), which is skipped unread.
type scanner struct {
	line []byte // the current control line, up to maxLine bytes kept
	skip int    // payload bytes (and their CRLF) still to skip
}

// maxLine is how much of a control line the scanner keeps: enough for the
// op and its fields; an INFO line is longer but carries no payload.
const maxLine = 1024

func (s *scanner) feed(b []byte) (msgs uint64) {
	for len(b) > 0 {
		if s.skip > 0 {
			k := min(s.skip, len(b))
			s.skip -= k
			b = b[k:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			s.keep(b)
			return msgs
		}
		s.keep(b[:i])
		b = b[i+1:]
		if size, ok := payloadSize(s.line); ok {
			msgs++
			s.skip = size + 2
		}
		s.line = s.line[:0]
	}
	return msgs
}

func (s *scanner) keep(b []byte) {
	if room := maxLine - len(s.line); room > 0 {
		s.line = append(s.line, b[:min(room, len(b))]...)
	}
}

// payloadSize reads the size announced by a message line: the last field
// (for HPUB/HMSG, the total of headers and body). It allocates nothing: it
// runs on every socket read and write of the measured process.
func payloadSize(line []byte) (int, bool) {
	line = bytes.TrimRight(line, "\r ")
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || !isMsgOp(line[:sp]) {
		return 0, false
	}
	last := line[bytes.LastIndexByte(line, ' ')+1:]
	n := 0
	for _, c := range last {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(last) > 0
}

func isMsgOp(op []byte) bool {
	for _, want := range []string{"PUB", "HPUB", "MSG", "HMSG"} {
		if len(op) == len(want) && bytes.EqualFold(op, []byte(want)) {
			return true
		}
	}
	return false
}
