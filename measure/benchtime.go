package measure

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Benchtime is how much work one round does: a duration (the engine
// calibrates the operation count to fill it) or a fixed count ("5000x").
type Benchtime struct {
	D time.Duration
	N int
}

// ParseBenchtime reads "200ms", "1s" or "5000x", as `go test -benchtime`.
func ParseBenchtime(s string) (Benchtime, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 {
			return Benchtime{}, fmt.Errorf("invalid benchtime %q: a count must be a positive integer followed by x, e.g. 5000x", s)
		}
		return Benchtime{N: v}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Benchtime{}, fmt.Errorf("invalid benchtime %q: want a positive duration (200ms, 1s) or a count (5000x)", s)
	}
	return Benchtime{D: d}, nil
}

func (b Benchtime) String() string {
	if b.N > 0 {
		return fmt.Sprintf("%dx", b.N)
	}
	return b.D.String()
}
