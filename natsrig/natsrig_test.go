package natsrig

import (
	"bytes"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestScannerCountsMessagesAcrossSplits(t *testing.T) {
	stream := []byte("CONNECT {\"verbose\":false}\r\nPING\r\nPUB a.b 5\r\nhello\r\nHPUB a.c r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
		"SUB x 1\r\nMSG a.b 1 3\r\nMSG\r\nPUB z 0\r\n\r\n")
	for cut := 1; cut <= len(stream); cut++ {
		var s scanner
		var got uint64
		for b := stream; len(b) > 0; {
			k := min(cut, len(b))
			got += s.feed(b[:k])
			b = b[k:]
		}
		if got != 4 || s.skip != 0 || len(s.line) != 0 {
			t.Fatalf("chunks of %d: %d messages (skip %d, line %q), want 4", cut, got, s.skip, s.line)
		}
	}
}

// A routed cluster carries a message from a client of one server to a
// client of another, and the meter sees it on both sockets, framing
// included.
func TestClusterRoutesAndMeter(t *testing.T) {
	c, err := Start(3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := NewMeter(time.Second)
	pub, err := nats.Connect(c.URL(0), nats.SetCustomDialer(m))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := nats.Connect(c.URL(2), nats.SetCustomDialer(m))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	s, err := sub.SubscribeSync("x")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	before := m.Traffic()
	payload := bytes.Repeat([]byte("a"), 64)
	const n = 100
	// Interest crosses the route asynchronously: retry the first message.
	for {
		if err := pub.Publish("x", payload); err != nil {
			t.Fatal(err)
		}
		if _, err := s.NextMsg(50 * time.Millisecond); err == nil {
			break
		}
	}
	before = m.Traffic()
	for i := 0; i < n; i++ {
		if err := pub.Publish("x", payload); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if _, err := s.NextMsg(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	tr := m.Traffic().Sub(before)
	if tr.MsgsOut != n || tr.MsgsIn != n {
		t.Errorf("messages out %d in %d, want %d each", tr.MsgsOut, tr.MsgsIn, n)
	}
	if min := uint64(n * (64 + len("PUB x 64\r\n\r\n"))); tr.BytesOut < min {
		t.Errorf("bytes out %d < %d (payload plus framing)", tr.BytesOut, min)
	}
	if got := len(c.URLs()); got != 3 {
		t.Errorf("%d URLs", got)
	}
}
