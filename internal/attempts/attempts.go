// Package attempts runs a check that a loaded machine can disturb a
// bounded number of times, for tests that judge timing: an attempt the
// machine disturbed is logged and run again, and a check that was never
// judged is an error, not a silent skip.
package attempts

import "fmt"

// Max is how many attempts a timing check gets in all.
const Max = 3

// Judge calls try with attempt numbers 1, 2, … up to limit (at least 1)
// until one returns "" (it was judged: it has reported its own failures,
// if any). A non-empty return says why that attempt could not be judged;
// it is logged, and after the last such attempt Judge returns an error that
// names them all.
func Judge(limit int, logf func(format string, args ...any), try func(attempt int) (disturbed string)) error {
	limit = max(1, limit)
	var why []string
	for attempt := 1; attempt <= limit; attempt++ {
		d := try(attempt)
		if d == "" {
			logf("attempt %d of %d judged", attempt, limit)
			return nil
		}
		logf("attempt %d of %d disturbed, not judged: %s", attempt, limit, d)
		why = append(why, d)
	}
	return fmt.Errorf("the check was never judged: all %d attempts were disturbed by the machine (%q)", limit, why)
}
