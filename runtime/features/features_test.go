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
	for _, bad := range []string{"", "Turbo", "half_work", "a+b", "-x", "x-", "a--b", "1x", "none"} {
		if _, err := s.With(bad, true); err == nil || !strings.Contains(err.Error(), "kebab-case") || !strings.Contains(err.Error(), "fastpath") {
			t.Errorf("With(%q): %v, want an error naming the valid form", bad, err)
		}
		if _, err := s.Get(bad); err == nil {
			t.Errorf("Get(%q) accepted", bad)
		}
	}
}

// TestExtraSwitches: a switch the runtime does not know is carried by name,
// beside the typed fields, and a Set stays a comparable map key.
func TestExtraSwitches(t *testing.T) {
	on := func(s Set, names ...string) Set {
		t.Helper()
		for _, n := range names {
			var err error
			if s, err = s.With(n, true); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	tests := []struct {
		name   string
		set    Set
		want   string
		halfOn bool
	}{
		{"none", Set{}, "none", false},
		{"one extra", on(Set{}, "halfwork"), "halfwork", true},
		{"extras sorted", on(Set{}, "zz-top", "halfwork", "a1"), "a1+halfwork+zz-top", true},
		{"twice is once", on(Set{}, "halfwork", "halfwork"), "halfwork", true},
		{"built-ins first", on(Set{}, "halfwork", "jit", "fastpath"), "fastpath+jit+halfwork", true},
		{"other extra only", on(Set{}, "turbo"), "turbo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.set.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got, err := tt.set.Get("halfwork"); err != nil || got != tt.halfOn {
				t.Errorf("Get(halfwork) = %v, %v, want %v", got, err, tt.halfOn)
			}
		})
	}

	a, b := on(Set{}, "b-x", "a-y"), on(Set{}, "a-y", "b-x")
	if a != b {
		t.Errorf("the order of With changed the Set: %s != %s", a, b)
	}
	m := map[Set]int{a: 1}
	if m[b] != 1 {
		t.Error("equal Sets are different map keys")
	}
	off, err := a.With("a-y", false)
	if err != nil {
		t.Fatal(err)
	}
	if off.String() != "b-x" || off == a {
		t.Errorf("switching a-y off: %s", off)
	}
	if off, _ = off.With("b-x", false); off != (Set{}) {
		t.Errorf("every extra off = %#v, want the zero Set", off)
	}
	if off, _ = off.With("never-on", false); off != (Set{}) {
		t.Errorf("switching off an absent extra changed the Set: %#v", off)
	}
	if got := on(Set{}, "halfwork"); got.FastPath || got.JIT || got == (Set{}) {
		t.Errorf("an extra set a typed field or nothing: %#v", got)
	}
}

// TestEverySwitchIsInTheTable: each bool field of Set is set by exactly one
// name, so a field added without its line in switches is caught here.
func TestEverySwitchIsInTheTable(t *testing.T) {
	fields := 0
	for i := 0; i < reflect.TypeOf(Set{}).NumField(); i++ {
		if reflect.TypeOf(Set{}).Field(i).Type.Kind() == reflect.Bool {
			fields++
		}
	}
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
			if v.Field(i).Kind() != reflect.Bool || !v.Field(i).Bool() {
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
