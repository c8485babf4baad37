package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want Summary
	}{
		{"one", []time.Duration{5 * ms}, Summary{5 * ms, 5 * ms, 5 * ms}},
		{"odd, unsorted", []time.Duration{9 * ms, 1 * ms, 4 * ms}, Summary{4 * ms, 1 * ms, 9 * ms}},
		{"even: the lower middle", []time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, Summary{2 * ms, 1 * ms, 4 * ms}},
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := Summarize(tc.in); got != tc.want {
			t.Errorf("%s: Summarize(%v) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("%s: Summarize reordered its input", tc.name)
			}
		}
	}
}
