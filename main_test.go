package main

import (
	"io"
	"strings"
	"testing"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	for _, tt := range []struct{ in, want string }{
		{"perfbench diff a b --top 5", "perfbench diff --top 5 a b"},
		{"perfbench diff a --format=json b -o d.pb.gz", "perfbench diff --format=json -o d.pb.gz a b"},
		{"perfbench diff -o d a b", "perfbench diff -o d a b"},
		{"perfbench diff a -- --top", "perfbench diff a -- --top"},
		{"perfbench baseline check --all extra", "perfbench baseline check --all extra"},
		{"perfbench baseline check extra --file f", "perfbench baseline check --file f extra"},
		{"perfbench bench --strict x --quick", "perfbench bench --strict --quick x"},
		{"perfbench nosuch a --b", "perfbench nosuch a --b"},
		{"perfbench", "perfbench"},
	} {
		if got := strings.Join(flagsFirst(app.Commands, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("flagsFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
