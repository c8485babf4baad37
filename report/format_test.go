package report

import (
	"math"
	"testing"

	"github.com/perfbench/perfbench/stats"
)

func TestFormatValue(t *testing.T) {
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
		if got := FormatValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestFormatSummary(t *testing.T) {
	tests := []struct {
		s    stats.Summary
		want string
	}{
		{stats.Summary{N: 10, Center: 1000, Lo: 980, Hi: 1030, HasCI: true}, "1.00 µs/op ± 3.0%"},
		{stats.Summary{N: 10, Center: 1000, Lo: 800, Hi: 1150, HasCI: true}, "1.00 µs/op ± 20%"},
		{stats.Summary{N: 10, Center: 1000, Lo: 1000, Hi: 1000, HasCI: true}, "1.00 µs/op ± 0%"},
		{stats.Summary{N: 3, Center: 1000, Lo: 1000, Hi: 1000}, "1.00 µs/op (no CI)"},
		{stats.Summary{N: 10, Center: 0, Lo: 0, Hi: 2, HasCI: true}, "0 ns/op [0 ns/op, 2 ns/op]"},
		{stats.Summary{}, "n/a"},
	}
	for _, tt := range tests {
		if got := FormatSummary(tt.s, "ns/op"); got != tt.want {
			t.Errorf("FormatSummary(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
