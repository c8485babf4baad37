package htmlpage

import (
	"testing"

	"github.com/perfbench/perfbench/profiling"
)

// A run that tests movers marks every row of a kind it does not test
// (block, mutex) as untested, with no better/worse colour, also when read
// from a results.json written before movers carried the mark.
func TestUntestedMoverRows(t *testing.T) {
	movers := map[profiling.Kind][]profiling.Mover{
		profiling.CPU:   {{Function: "main.a", Unit: "nanoseconds", Base: 10, New: 20, Delta: 10, Test: &profiling.MoverTest{Q: 0.5}}},
		profiling.Mutex: {{Function: "runtime._LostContendedRuntimeLock", Unit: "nanoseconds", Base: 1000, New: 1991, Delta: 991}},
	}
	markUntested(movers)
	for _, c := range []struct {
		kind       profiling.Kind
		pct        string
		wantStatus bool
	}{
		{profiling.CPU, "~", true},
		{profiling.Mutex, "+99.10% untested", false},
	} {
		row := moverTable(c.kind, movers[c.kind]).Rows[0]
		if row[4].Text != c.pct || (row[3].Status != "") != c.wantStatus {
			t.Errorf("%s: delta %% %q status %q, want %q, status %v", c.kind, row[4].Text, row[3].Status, c.pct, c.wantStatus)
		}
	}
}
