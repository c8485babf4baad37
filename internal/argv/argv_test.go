package argv

import (
	"strings"
	"testing"
)

// cmd is a command table: subcommands, and the flags that take a value.
type cmd struct {
	subs   map[string]*cmd
	values []string
}

func (c *cmd) Sub(name string) Command {
	if s, ok := c.subs[name]; ok {
		return s
	}
	return nil
}

func (c *cmd) TakesValue(name string) bool {
	for _, v := range c.values {
		if v == name {
			return true
		}
	}
	return false
}

func TestFlagsFirst(t *testing.T) {
	root := &cmd{subs: map[string]*cmd{
		"diff":     {values: []string{"top", "o", "format"}},
		"bench":    {},
		"baseline": {subs: map[string]*cmd{"check": {values: []string{"file"}}}},
	}}
	for _, tt := range []struct{ in, want string }{
		{"p diff a b --top 5", "p diff --top 5 a b"},
		{"p diff a --format=json b -o d.pb.gz", "p diff --format=json -o d.pb.gz a b"},
		{"p diff -o d a b", "p diff -o d a b"},
		{"p diff a -- --top", "p diff a -- --top"},
		{"p diff a b --top", "p diff --top a b"},
		{"p baseline check --all extra", "p baseline check --all extra"},
		{"p baseline check extra --file f", "p baseline check --file f extra"},
		{"p bench --strict x --quick", "p bench --strict --quick x"},
		{"p nosuch a --b", "p nosuch a --b"},
		{"p --help diff", "p --help diff"},
		{"p", "p"},
	} {
		if got := strings.Join(FlagsFirst(root, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("FlagsFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
