package attempts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		disturbed []string // what attempt i returns; "" = judged
		calls     int
		logs      []string
		err       string // substring; "" = no error
	}{
		{"judged at once", 3, []string{""}, 1, []string{"attempt 1 of 3 judged"}, ""},
		{"judged on the second", 3, []string{"lag 80ms", ""}, 2,
			[]string{"attempt 1 of 3 disturbed, not judged: lag 80ms", "attempt 2 of 3 judged"}, ""},
		{"judged on the last", 3, []string{"a", "b", ""}, 3,
			[]string{"attempt 1 of 3 disturbed, not judged: a", "attempt 2 of 3 disturbed, not judged: b", "attempt 3 of 3 judged"}, ""},
		{"never judged", 3, []string{"a", "b", "c"}, 3,
			[]string{"attempt 1 of 3 disturbed, not judged: a", "attempt 2 of 3 disturbed, not judged: b", "attempt 3 of 3 disturbed, not judged: c"},
			`the check was never judged: all 3 attempts were disturbed by the machine (["a" "b" "c"])`},
		{"zero means one", 0, []string{"a"}, 1, []string{"attempt 1 of 1 disturbed, not judged: a"},
			`all 1 attempts were disturbed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs []string
			calls := 0
			err := Judge(tt.max, func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }, func(attempt int) string {
				calls++
				if attempt != calls {
					t.Errorf("attempt %d on call %d", attempt, calls)
				}
				return tt.disturbed[attempt-1]
			})
			if calls != tt.calls || !slices.Equal(logs, tt.logs) {
				t.Errorf("%d calls, logs %q; want %d, %q", calls, logs, tt.calls, tt.logs)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}
