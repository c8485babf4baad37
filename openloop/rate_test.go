package openloop

import (
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{"1000", 1000, ""},
		{"1000/s", 1000, ""},
		{"100k/s", 100000, ""},
		{"2.5K", 2500, ""},
		{"1.5M", 1.5e6, ""},
		{"0", 0, "want a positive number"},
		{"-5", 0, "want a positive number"},
		{"fast", 0, `invalid rate "fast"`},
		{"NaN", 0, "invalid rate"},
		{"", 0, "invalid rate"},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRate(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
