package agent

import (
	"errors"
	"testing"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/signal"
)

// A Mailbox delivers as Server.Cast does and hands back what was delivered,
// in order, without blocking when nothing waits: the signal itself with
// ZeroCopy on, an equal copy (counted) with it off.
func TestMailboxDeliversAsCast(t *testing.T) {
	for _, f := range []features.Set{{}, {ZeroCopy: true}, {Pooling: true}, {Batching: true}, features.All()} {
		t.Run(f.String(), func(t *testing.T) {
			mb, err := NewMailbox("self", f, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer mb.Close()
			if got := mb.Receive(nil, 10); len(got) != 0 {
				t.Fatalf("empty mailbox gave %d signals", len(got))
			}
			sent := []*signal.Signal{sig(t, "a.one", "1"), sig(t, "a.two", string(make([]byte, 100))), sig(t, "a.three", "")}
			for _, s := range sent {
				if err := mb.Deliver(s); err != nil {
					t.Fatal(err)
				}
			}
			if err := mb.Deliver(sent[0]); !errors.Is(err, ErrMailboxFull) {
				t.Fatalf("4th delivery into 3 slots: %v, want ErrMailboxFull", err)
			}
			got := mb.Receive(nil, 2)
			got = mb.Receive(got, 10)
			if len(got) != 3 {
				t.Fatalf("received %d, want 3", len(got))
			}
			for i, g := range got {
				if !g.Equal(sent[i]) || (g == sent[i]) != f.ZeroCopy {
					t.Errorf("signal %d: equal %v, same pointer %v (zerocopy %v)", i, g.Equal(sent[i]), g == sent[i], f.ZeroCopy)
				}
			}
			st := mb.Stats()
			// The refused 4th delivery was copied before the mailbox
			// refused it, as Cast does.
			wantCopies := uint64(4)
			if f.ZeroCopy {
				wantCopies = 0
			}
			if st.Accepted != 3 || st.Rejected != 1 || st.Copies != wantCopies || st.Processed != 0 {
				t.Errorf("stats %+v, want 3 accepted, 1 rejected, %d copies, none processed", st, wantCopies)
			}
			mb.Close()
			if err := mb.Deliver(sent[0]); !errors.Is(err, ErrStopped) {
				t.Errorf("after Close: %v, want ErrStopped", err)
			}
		})
	}
	if _, err := NewMailbox("", features.Set{}, 0); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty id: %v", err)
	}
	if _, err := NewMailbox("x", features.Set{}, -1); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative size: %v", err)
	}
}
