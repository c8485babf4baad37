package dispatch

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/perfbench/perfbench/runtime/signal"
)

func mk(t *testing.T) *signal.Signal {
	t.Helper()
	s, err := signal.New("a.b", "/t", map[string]any{"body": "data"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestResolve(t *testing.T) {
	var log bytes.Buffer
	d := NewDispatcher(&log)
	ch := make(chan *signal.Signal, 1)
	if err := d.Register("box", Channel(ch, true)); err != nil {
		t.Fatal(err)
	}
	if err := d.Register("box", Channel(ch, true)); !errors.Is(err, ErrDuplicateName) {
		t.Fatalf("duplicate register err = %v", err)
	}
	tests := []struct {
		cfg     Config
		wantErr error
		msg     string
	}{
		{Config{Adapter: "named", Target: "box"}, nil, ""},
		{Config{Adapter: "noop"}, nil, ""},
		{Config{Adapter: "logger"}, nil, ""},
		{Config{Adapter: "named", Target: "nope"}, ErrUnknownTarget, "registered: box"},
		{Config{Adapter: "pubsub"}, ErrUnknownAdapter, "valid: named, logger, noop"},
	}
	for _, tt := range tests {
		err := d.Dispatch(mk(t), tt.cfg)
		if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), tt.msg)) {
			t.Errorf("Dispatch(%+v) = %v, want %v mentioning %q", tt.cfg, err, tt.wantErr, tt.msg)
		}
	}
	if len(ch) != 1 || !strings.Contains(log.String(), "type=a.b") || d.noop.Count() != 1 {
		t.Fatalf("deliveries: channel %d, log %q, noop %d", len(ch), log.String(), d.noop.Count())
	}
}

func TestChannelCopiesUnlessZeroCopy(t *testing.T) {
	for _, zc := range []bool{false, true} {
		ch := make(chan *signal.Signal, 1)
		tg := Channel(ch, zc)
		s := mk(t)
		if err := tg.Deliver(s); err != nil {
			t.Fatal(err)
		}
		if err := tg.Deliver(s); !errors.Is(err, ErrChannelFull) {
			t.Fatalf("second delivery into a full channel: %v", err)
		}
		got := <-ch
		if shared := got == s; shared != zc {
			t.Fatalf("zeroCopy=%v: shared=%v", zc, shared)
		}
		if !got.Equal(s) {
			t.Fatal("delivered signal differs")
		}
	}
}

func TestDeliverAllCountsPrefix(t *testing.T) {
	ch := make(chan *signal.Signal, 2)
	n, err := DeliverAll(Channel(ch, true), []*signal.Signal{mk(t), mk(t), mk(t)})
	if n != 2 || !errors.Is(err, ErrChannelFull) {
		t.Fatalf("DeliverAll = %d, %v; want 2, ErrChannelFull", n, err)
	}
}
