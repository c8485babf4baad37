// Command loopref times a fixed piece of CPU work, so that absolute times
// measured on a shared machine can be read against how fast the machine
// ran at the time. On the 2-core VM the README's times come from, the same
// binary read 65 ms at one hour and 75 ms at another on the same day: the
// host, not the code, moved every absolute time by that much. A time
// quoted beside its loopref median can be compared across sessions; one
// quoted alone cannot.
//
//	go run ./scripts/loopref
//
// It prints the median, fastest and slowest of 21 runs of the loop (one
// goroutine: integer multiply-adds, no memory traffic, no allocation).
package main

import (
	"fmt"
	"os"
	"slices"
	"time"
)

// iterations is fixed, not calibrated: the point is the time it takes.
const (
	iterations = 1 << 26
	runs       = 21
)

var sink uint64

// work runs n steps of a linear congruential generator, which the
// compiler cannot fold away since the result is kept.
func work(n int) {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink += x
}

// Summary is the median, fastest and slowest of a set of times.
type Summary struct{ Median, Min, Max time.Duration }

// Summarize summarizes ds (at least one); the median of an even count is
// the lower middle one, a time that was measured.
func Summarize(ds []time.Duration) Summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	return Summary{Median: s[(len(s)-1)/2], Min: s[0], Max: s[len(s)-1]}
}

func main() {
	work(iterations) // page in the code, settle the frequency
	ds := make([]time.Duration, runs)
	for i := range ds {
		start := time.Now()
		work(iterations)
		ds[i] = time.Since(start)
	}
	s := Summarize(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if _, err := fmt.Printf("loopref: %d runs of %d steps: median %.1f ms (fastest %.1f, slowest %.1f)\n",
		runs, iterations, ms(s.Median), ms(s.Min), ms(s.Max)); err != nil {
		os.Exit(1)
	}
}
