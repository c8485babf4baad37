package load

import (
	"bytes"
	"testing"

	"github.com/perfbench/perfbench/runtime/signal"
)

// The generator's build allocates the payload, its interface box and what
// signal.New itself allocates, nothing more: each extra object is garbage the generator makes
// on its schedule, and at 100 000 sends/s it is the process's main
// allocator, so it triggers the collections and takes their assists.
func TestGeneratorBuildAllocatesOnlyWhatTheSignalKeeps(t *testing.T) {
	filler := newFiller()
	data := map[string]any{}
	tests := []struct {
		typ  string
		size int
	}{
		{"counter.inc", castSize},
		{"data.doc.small", smallSize},
		{"data.doc.large", largeSize},
	}
	for _, tt := range tests {
		given := map[string]any{payloadKey: make([]byte, tt.size)}
		alone := testing.AllocsPerRun(200, func() {
			if _, err := signal.New(tt.typ, loadSource, given); err != nil {
				t.Fatal(err)
			}
		})
		got := testing.AllocsPerRun(200, func() {
			if _, err := newSignalFrom(data, tt.typ, tt.size, 1, kCast, filler); err != nil {
				t.Fatal(err)
			}
		})
		if want := alone + 2; got != want {
			t.Errorf("%s of %d B: build allocates %v objects, want %v (signal.New's %v, the payload and its box)", tt.typ, tt.size, got, want, alone)
		}
	}
}

// Reusing the map gives every signal its own data: a later build changes
// no earlier signal, and the map keeps no payload alive.
func TestGeneratorBuildSignalsAreIndependent(t *testing.T) {
	filler := newFiller()
	data := map[string]any{}
	dues := []int64{10, 20, 30}
	var sigs []*signal.Signal
	for _, due := range dues {
		sig, err := newSignalFrom(data, "counter.inc", castSize, due, kCast, filler)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	if p := data[payloadKey]; p != nil {
		t.Errorf("the reused map still holds a payload: %T", p)
	}
	for i, sig := range sigs {
		p, ok := sig.Data()[payloadKey].([]byte)
		if !ok || len(p) != castSize {
			t.Fatalf("signal %d: payload %T of %d B, want []byte of %d B", i, sig.Data()[payloadKey], len(p), castSize)
		}
		want := make([]byte, castSize)
		copy(want[headerSize:], filler)
		putHeader(want, dues[i], kCast)
		if !bytes.Equal(p, want) {
			t.Errorf("signal %d: payload differs from the one built for due %d", i, dues[i])
		}
	}
}
