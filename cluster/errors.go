package cluster

import (
	"errors"
	"fmt"
)

// InputError is a problem with what the user asked for (flags, an
// unreachable --nats): the command exits 2 and nothing was started.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErrorf(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// ErrCriteria marks a run that completed with a target missed.
var ErrCriteria = errors.New("cluster: criteria failed")

func checkID(id string) error {
	if id == "" {
		return inputErrorf("--id is required: a node id made of letters, digits, '-' or '_'")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return inputErrorf("invalid node id %q: use letters, digits, '-' or '_'", id)
		}
	}
	return nil
}
