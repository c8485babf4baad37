package suite

import (
	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/verdict"
)

// Decided is the stopping rule of a suite run measured sequentially
// (measure.Settings.Decided): the run may stop once every row the suite
// judges on it alone, assessed on the rounds so far at the look's level,
// is decided, i.e. none is INCONCLUSIVE. A run of all-vs-one is judged on
// its own single-toggle comparison, the part of the combined row it owns.
// A run that cannot be decided within its maximum goes the distance: no
// futility rule is applied (see stats.SequentialDesign).
func Decided(ts []toggles.Toggle, r catalog.Run) func(*measure.Result) bool {
	return func(m *measure.Result) bool {
		rows := Assess(ts, []catalog.Result{{Run: r, Measurement: m, Comparisons: m.Compare()}})
		for _, row := range rows {
			if row.Status == verdict.Inconclusive {
				return false
			}
		}
		return len(rows) > 0
	}
}
