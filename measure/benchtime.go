package measure

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits of the measurement knobs. Past them a run takes hours and tells
// nothing the defaults do not: they are 10× to 100× what the presets use.
const (
	MaxRounds         = 100              // per side; the presets use 10 and 20
	MaxBenchtime      = 10 * time.Second // per round; the presets use 50 and 150 ms
	MaxBenchtimeCount = 10_000_000       // operations per round: seconds for the cheapest operations
	MaxProfileTime    = 10 * time.Second // per profiling pass; the presets use 100 and 300 ms
)

// Benchtime is how much work one round does: a duration (the engine
// calibrates the operation count to fill it) or a fixed count ("5000x").
type Benchtime struct {
	D time.Duration
	N int
}

// ParseBenchtime reads "200ms", "1s" or "5000x", as `go test -benchtime`,
// up to MaxBenchtime or MaxBenchtimeCount.
func ParseBenchtime(s string) (Benchtime, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		v, err := strconv.Atoi(n)
		if errors.Is(err, strconv.ErrRange) || err == nil && v > MaxBenchtimeCount {
			return Benchtime{}, fmt.Errorf("invalid benchtime %q: a count may be at most %dx operations per round", s, MaxBenchtimeCount)
		}
		if err != nil || v <= 0 {
			return Benchtime{}, fmt.Errorf("invalid benchtime %q: a count must be a positive integer followed by x, e.g. 5000x (at most %dx)", s, MaxBenchtimeCount)
		}
		return Benchtime{N: v}, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d > MaxBenchtime {
		return Benchtime{}, fmt.Errorf("invalid benchtime %q: a round may take at most %s", s, MaxBenchtime)
	}
	if err != nil || d <= 0 {
		return Benchtime{}, fmt.Errorf("invalid benchtime %q: want a positive duration (200ms, 1s; at most %s) or a count (5000x)", s, MaxBenchtime)
	}
	return Benchtime{D: d}, nil
}

func (b Benchtime) String() string {
	if b.N > 0 {
		return fmt.Sprintf("%dx", b.N)
	}
	return b.D.String()
}

// CheckRounds is the one rule for a rounds setting, wherever it comes
// from (a flag, a baseline file): at least least per side — MinRounds to
// compare at all, CIRounds where a 95 % confidence interval is needed — and
// at most MaxRounds.
func CheckRounds(n, least int) error {
	if n >= least && n <= MaxRounds {
		return nil
	}
	why := fmt.Sprintf("fewer than %d cannot compare anything", MinRounds)
	if least >= CIRounds {
		why = fmt.Sprintf("a 95 %% confidence interval needs %d", CIRounds)
	}
	return fmt.Errorf("invalid rounds %d: want %d to %d per side (%s; %d recommended)", n, least, MaxRounds, why, DefaultRounds)
}

// CheckProfileTime bounds how long one profiling pass runs.
func CheckProfileTime(d time.Duration) error {
	if d <= 0 || d > MaxProfileTime {
		return fmt.Errorf("invalid --profile-time %s: want a positive duration of at most %s", d, MaxProfileTime)
	}
	return nil
}
