// Package report renders what perfbench measured and judged: text and
// Markdown tables, JSON documents, the Go benchmark format and the number
// formatting they all share. It never runs a workload and never decides a
// verdict; it lays out values other packages computed.
package report

import "math"

// SchemaVersion is bumped whenever the JSON layout of WriteComparisons
// changes.
const SchemaVersion = 1

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
