package openloop

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseRate reads a --rate value: a positive number of operations per
// second, optionally with a k or M suffix and a "/s" unit: "1000",
// "1000/s", "100k/s", "1.5M".
func ParseRate(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "/s")
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"), strings.HasSuffix(t, "K"):
		mult, t = 1e3, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1e6, t[:len(t)-1]
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("invalid rate %q: want operations per second, e.g. 1000, 1000/s or 100k/s", s)
	}
	v *= mult
	if v <= 0 {
		return 0, fmt.Errorf("invalid rate %q: want a positive number of operations per second", s)
	}
	return v, nil
}
