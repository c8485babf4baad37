package natsrig

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func TestParseBandwidth(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"1Gbit", 1e9, false}, {"1gbit/s", 1e9, false}, {"100Mbit", 100e6, false},
		{"10 kbit", 10e3, false}, {"2.5e9", 2.5e9, false}, {"800bit", 800, false},
		{"1GB", 0, true}, {"fast", 0, true}, {"-1Gbit", 0, true}, {"Gbit", 0, true},
	} {
		got, err := ParseBandwidth(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseBandwidth(%q) = %g, %v; want %g, error %v", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestLinkValidateAndFormat(t *testing.T) {
	for _, c := range []struct {
		l    Link
		ok   bool
		text string
	}{
		{Link{}, true, "off"},
		{Link{Bandwidth: 1e9, Latency: 100 * time.Microsecond}, true, "1Gbit, 100µs one way"},
		{Link{Latency: time.Millisecond}, true, "unlimited, 1ms one way"},
		{Link{Bandwidth: 2.5e6}, true, "2.5Mbit, 0s one way"},
		{Link{Bandwidth: 1e5}, false, ""},
		{Link{Bandwidth: 2e12}, false, ""},
		{Link{Latency: -1}, false, ""},
		{Link{Latency: 2 * time.Second}, false, ""},
	} {
		err := c.l.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", c.l, err, c.ok)
		}
		if c.ok && c.l.String() != c.text {
			t.Errorf("%+v: String() = %q, want %q", c.l, c.l.String(), c.text)
		}
	}
}

// The link's clock books transfers back to back while it is busy and from
// now when it has been idle: the rate holds whatever the timer's slack.
func TestClockBooksTransfersBackToBack(t *testing.T) {
	l := Link{Bandwidth: 1e9}
	t0 := time.Unix(1000, 0)
	var c clock
	steps := []struct {
		at   time.Duration // since t0
		n    int
		want time.Duration // since t0
	}{
		{0, 65536, 524288 * time.Nanosecond},                   // 64 KiB at 1 Gbit/s: 524.288 µs
		{100 * time.Microsecond, 65536, 1048576},               // queued behind the first
		{2 * time.Millisecond, 125, 2*time.Millisecond + 1000}, // idle meanwhile: starts now
		{2 * time.Millisecond, 0, 2*time.Millisecond + 1000},
	}
	for i, s := range steps {
		if got := c.take(t0.Add(s.at), s.n, l).Sub(t0); got != s.want {
			t.Fatalf("step %d: done at %v, want %v", i, got, s.want)
		}
	}
	// Back 80 µs after the link freed, having overslept 100 µs: booked
	// back to back. Back 150 µs after, having overslept 100 µs: idle, from now.
	c = clock{busy: t0, late: 100 * time.Microsecond}
	if got := c.take(t0.Add(80*time.Microsecond), 125, l).Sub(t0); got != time.Microsecond {
		t.Fatalf("after a late wake-up: done at %v, want 1µs", got)
	}
	c = clock{busy: t0, late: 100 * time.Microsecond}
	if got := c.take(t0.Add(150*time.Microsecond), 125, l).Sub(t0); got != 151*time.Microsecond {
		t.Fatalf("after an idle spell: done at %v, want 151µs", got)
	}
	if d := (Link{}).Transfer(1 << 20); d != 0 {
		t.Fatalf("unlimited link: transfer %v, want 0", d)
	}
}

// Through a link with a latency, every byte arrives, in order, after Close
// too (the delay line is drained, its goroutine gone: goleak checks), and a
// write is held at least as long as the link takes to carry it.
func TestLinkConnDeliversInOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	m := NewMeter(time.Second)
	m.SetLink(Link{Bandwidth: 8e6, Latency: 200 * time.Microsecond}) // 1 byte per µs
	c, err := m.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	start := time.Now()
	for i := 0; i < 50; i++ {
		b := bytes.Repeat([]byte{byte(i)}, 100+i)
		want = append(want, b...)
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if held, min := time.Since(start), time.Duration(len(want))*time.Microsecond; held < min {
		t.Fatalf("%d B written in %v through an 8 Mbit/s link, want at least %v", len(want), held, min)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d B, want the %d B written, in order", len(b), len(want))
	}
	if tr := m.Traffic(); tr.BytesOut != uint64(len(want)) {
		t.Fatalf("meter counted %d B out, want %d", tr.BytesOut, len(want))
	}
}

// Off, the link is the bare socket: nothing is held, no delay line exists.
func TestLinkOffIsTheSocket(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	lc := &linkConn{Conn: a, link: func() Link { return Link{} }}
	go io.Copy(io.Discard, b)
	if _, err := lc.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if lc.line.Load() != nil {
		t.Fatal("a delay line was made with the link off")
	}
	lc.Close()
}
