package numfmt

import (
	"math"
	"testing"
)

func TestValue(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{5, "ns/op", "5 ns/op"},
		{5.25, "ns/op", "5.25 ns/op"},
		{999, "ns/op", "999 ns/op"},
		{999.9, "ns/op", "1.00 µs/op"},
		{1500, "ns/op", "1.50 µs/op"},
		{12345, "ns/op", "12.3 µs/op"},
		{123456, "ns/op", "123 µs/op"},
		{2.5e6, "ns/op", "2.50 ms/op"},
		{3e9, "ns/op", "3.00 s/op"},
		{0.5, "ns/op", "0.5 ns/op"},
		{8500, "ns", "8.50 µs"},
		{1.5, "ms", "1.50 ms"},
		{0.0015, "sec/op", "1.50 ms/op"},
		{250, "us", "250 µs"},
		{-1500, "ns/op", "-1.50 µs/op"},
		{0, "B/op", "0 B/op"},
		{512, "B/op", "512 B/op"},
		{1023, "B/op", "1023 B/op"},
		{1536, "B/op", "1.50 KiB/op"},
		{2048, "B", "2.00 KiB"},
		{3 << 20, "B/s", "3.00 MiB/s"},
		{1.5 * (1 << 30), "B", "1.50 GiB"},
		{12, "allocs/op", "12 allocs/op"},
		{12.5, "allocs/op", "12.5 allocs/op"},
		{0.25, "allocs/op", "0.25 allocs/op"},
		{0.001234, "gc-cycles/op", "0.00123 gc-cycles/op"},
		{1000, "ops/s", "1.00k ops/s"},
		{657321, "ops/s", "657k ops/s"},
		{1.25e6, "ops/s", "1.25M ops/s"},
		{2e9, "signals", "2.00G signals"},
		{42, "", "42"},
		{42000, "", "42.0k"},
		{92.14, "cache-hit-%", "92.1%"},
		{80, "%", "80%"},
		{math.NaN(), "ns/op", "n/a"},
		{math.Inf(1), "B/op", "n/a"},
	}
	for _, tt := range tests {
		if got := Value(tt.v, tt.unit); got != tt.want {
			t.Errorf("Value(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestPct(t *testing.T) {
	for _, tt := range []struct {
		p    float64
		want string
	}{{38.965542621774595, "38.97 %"}, {10, "10 %"}, {2.0000000000000004, "2 %"}, {0.5, "0.5 %"}, {0, "0 %"}, {12345.6, "12346 %"}} {
		if got := Pct(tt.p); got != tt.want {
			t.Errorf("Pct(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
