package openloop

import (
	"testing"
	"time"
)

func TestLatencyClampAndMerge(t *testing.T) {
	a, b := NewLatency(), NewLatency()
	a.Record(-5) // counts as 0
	a.Record(1000)
	b.Record(histHighest + 1)
	a.Merge(b)
	if a.Count() != 3 || a.Clamped() != 1 {
		t.Fatalf("count %d clamped %d, want 3 and 1", a.Count(), a.Clamped())
	}
	if got := a.Max(); got < time.Duration(histHighest)*999/1000 {
		t.Errorf("max %v, want the top of the range", got)
	}
}
