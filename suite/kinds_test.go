package suite

import (
	"fmt"
	"testing"

	"github.com/perfbench/perfbench/catalog"
)

// A toggle's primary runs take every profile kind; every other run of the
// suite takes CPU and memory only, and says why.
func TestProfileKindsPerRunKind(t *testing.T) {
	for _, c := range []struct {
		kind catalog.Kind
		want string
	}{
		{catalog.Primary, "[]"},
		{catalog.Cost, "[cpu heap allocs]"},
		{catalog.Control, "[cpu heap allocs]"},
		{catalog.View, "[cpu heap allocs]"},
		{catalog.Credit, "[cpu heap allocs]"},
		{catalog.Cumulative, "[cpu heap allocs]"},
		{catalog.VersusSingle, "[cpu heap allocs]"},
		{catalog.MemoryAllocated, "[cpu heap allocs]"},
		{catalog.MemoryRetained, "[cpu heap allocs]"},
	} {
		ks, why := ProfileKinds(catalog.Run{Kind: c.kind})
		if got := fmt.Sprint(ks); got != c.want {
			t.Errorf("%s: kinds %s, want %s", c.kind, got, c.want)
		}
		if (why == "") != (c.kind == catalog.Primary) {
			t.Errorf("%s: why %q", c.kind, why)
		}
	}
}
