package features

import (
	"strings"
	"testing"
)

func TestWithGetString(t *testing.T) {
	var s Set
	for _, n := range Names() {
		on, err := s.With(n, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := on.Get(n); !got || on.String() != n {
			t.Errorf("With(%s) = %v (%s)", n, on, on)
		}
		if s != (Set{}) {
			t.Fatal("With changed its receiver")
		}
	}
	if got := All().String(); got != "fastpath+zerocopy+pooling+batching+jit+caching+xbatch+tree" {
		t.Errorf("All() = %s", got)
	}
	if got := (Set{}).String(); got != "none" {
		t.Errorf("zero Set = %s", got)
	}
	if _, err := s.With("turbo", true); err == nil || !strings.Contains(err.Error(), "valid: fastpath") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := s.Get("turbo"); err == nil {
		t.Error("Get of unknown name")
	}
}
