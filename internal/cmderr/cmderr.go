// Package cmderr holds the two ways a command ends, besides success and a
// plain failure, that scripts and CI tell apart by exit code: bad input
// (exit 2: nothing was run or written, the user fixes the command line or
// a file) and a missed criterion (exit 3: the run worked and a target was
// not met). Every package returns these two types, so main maps exactly
// two types to exit codes and a new package needs no registration there.
package cmderr

import (
	"errors"
	"fmt"
)

// BadInputError is an error the user fixes by changing what was given:
// a flag, a name, a path or a file's content.
type BadInputError struct{ Err error }

func (e *BadInputError) Error() string { return e.Err.Error() }
func (e *BadInputError) Unwrap() error { return e.Err }

// BadInput marks err as bad input; nil stays nil.
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return &BadInputError{err}
}

// BadInputf is BadInput(fmt.Errorf(format, a...)).
func BadInputf(format string, a ...any) error {
	return &BadInputError{fmt.Errorf(format, a...)}
}

// CriterionError is a run that completed and missed a target, found a
// regression or fired an alert.
type CriterionError struct{ Err error }

func (e *CriterionError) Error() string { return e.Err.Error() }
func (e *CriterionError) Unwrap() error { return e.Err }

// Criterion marks err as a missed criterion; nil stays nil.
func Criterion(err error) error {
	if err == nil {
		return nil
	}
	return &CriterionError{err}
}

// Criterionf is Criterion(fmt.Errorf(format, a...)).
func Criterionf(format string, a ...any) error {
	return &CriterionError{fmt.Errorf(format, a...)}
}

// IsBadInput reports whether err, or an error it wraps, is bad input.
func IsBadInput(err error) bool { return errors.As(err, new(*BadInputError)) }

// IsCriterion reports whether err, or an error it wraps, is a missed
// criterion.
func IsCriterion(err error) bool { return errors.As(err, new(*CriterionError)) }
