package features

import (
	"reflect"
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

// TestEverySwitchIsInTheTable: each bool field of Set is set by exactly one
// name, so a field added without its line in switches is caught here.
func TestEverySwitchIsInTheTable(t *testing.T) {
	fields := reflect.TypeOf(Set{}).NumField()
	if len(Names()) != fields {
		t.Fatalf("%d names for %d switches in Set", len(Names()), fields)
	}
	seen := map[int]string{}
	for _, n := range Names() {
		s, err := Set{}.With(n, true)
		if err != nil {
			t.Fatal(err)
		}
		v := reflect.ValueOf(s)
		for i := 0; i < fields; i++ {
			if !v.Field(i).Bool() {
				continue
			}
			if prev, ok := seen[i]; ok {
				t.Errorf("%s and %s set the same field %s", prev, n, v.Type().Field(i).Name)
			}
			seen[i] = n
		}
	}
	if len(seen) != fields {
		t.Errorf("names set %d of %d fields", len(seen), fields)
	}
	if All() != func() (s Set) {
		v := reflect.ValueOf(&s).Elem()
		for i := 0; i < fields; i++ {
			v.Field(i).SetBool(true)
		}
		return s
	}() {
		t.Errorf("All() = %s, want every switch on", All())
	}
}
