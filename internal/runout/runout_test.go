package runout

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/perfbench/perfbench/internal/cmderr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type failed string

func (f failed) Failed() string { return string(f) }

func TestVerdict(t *testing.T) {
	for _, tt := range []struct {
		name      string
		run       any
		criterion bool
		msg       string
	}{
		{"no Failed method", struct{}{}, false, ""},
		{"passed", failed(""), false, ""},
		{"failed", failed("p99 above target"), true, "p99 above target"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Verdict(tt.run)
			if cmderr.IsCriterion(err) != tt.criterion {
				t.Fatalf("Verdict = %v, criterion %v, want %v", err, cmderr.IsCriterion(err), tt.criterion)
			}
			if err != nil && err.Error() != tt.msg {
				t.Errorf("Verdict = %q, want %q", err, tt.msg)
			}
		})
	}
}
