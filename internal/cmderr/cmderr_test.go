package cmderr

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestKinds(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		msg           string
		bad, criteria bool
	}{
		{"nil input", BadInput(nil), "", false, false},
		{"nil criterion", Criterion(nil), "", false, false},
		{"plain", errors.New("boom"), "boom", false, false},
		{"bad input", BadInputf("invalid --nodes %d: want 2 to %d", 0, 32), "invalid --nodes 0: want 2 to 32", true, false},
		{"bad input wrapped again", fmt.Errorf("open: %w", BadInput(fs.ErrNotExist)), "open: file does not exist", true, false},
		{"criterion", Criterionf("%d alert(s) fired", 2), "2 alert(s) fired", false, true},
		{"criterion wrapped again", fmt.Errorf("cluster: %w", Criterion(errors.New("missed"))), "cluster: missed", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.err == nil) != (tt.msg == "") {
				t.Fatalf("err = %v, want message %q", tt.err, tt.msg)
			}
			if tt.err != nil && tt.err.Error() != tt.msg {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.msg)
			}
			if got := IsBadInput(tt.err); got != tt.bad {
				t.Errorf("IsBadInput = %v, want %v", got, tt.bad)
			}
			if got := IsCriterion(tt.err); got != tt.criteria {
				t.Errorf("IsCriterion = %v, want %v", got, tt.criteria)
			}
		})
	}
	// The wrapped cause stays reachable.
	if err := BadInput(fs.ErrNotExist); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("BadInput(fs.ErrNotExist) does not wrap it: %v", err)
	}
}
