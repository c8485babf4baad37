// Package numfmt is the one place numbers become text: every value, percentage
// and change a user reads, in a table, a note or a flag's help, goes through
// it, so that the same number is spelt the same way everywhere.
package numfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Value prints v with three significant digits, scaling the unit's
// numerator (the part before the first "/") so a reader never counts zeros:
//
//	time  "ns", "us"/"µs", "ms", "s"/"sec":  1500 "ns/op"  -> "1.50 µs/op"
//	bytes "B" (binary prefixes):             1536 "B/op"   -> "1.50 KiB/op"
//	percentages (unit "%" or ending in "%"): 92.1 "hit-%"  -> "92.1%"
//	anything else counts (SI k, M, G, T):    657e3 "ops/s" -> "657k ops/s"
//
// Unscaled integers keep no decimals ("12 allocs/op"). NaN and ±Inf print
// as "n/a" because no table should show them.
func Value(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	num, denom, _ := strings.Cut(unit, "/")
	if denom != "" {
		denom = "/" + denom
	}
	switch {
	case unit == "%" || strings.HasSuffix(unit, "%"):
		return formatNumber(v, true) + "%"
	case timeUnits[num] != 0:
		return scaled(v*timeUnits[num], timeScale, denom)
	case num == "B":
		return scaled(v, byteScale, denom)
	}
	s, prefix := siScaled(v)
	if unit == "" {
		return s + prefix
	}
	return s + prefix + " " + unit
}

// timeUnits converts a numerator to nanoseconds.
var timeUnits = map[string]float64{"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "sec": 1e9}

type step struct {
	factor float64
	name   string
}

// Scales run from the largest step down; the first whose rounded value is
// at least 1 wins.
var (
	timeScale = []step{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	byteScale = []step{{1 << 40, "TiB"}, {1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}, {1, "B"}}
	siScale   = []step{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}}
)

func scaled(v float64, scale []step, denom string) string {
	st := pick(v, scale)
	return formatNumber(v/st.factor, st.factor == 1) + " " + st.name + denom
}

func siScaled(v float64) (number, prefix string) {
	st := pick(v, siScale)
	return formatNumber(v/st.factor, st.factor == 1), st.name
}

// pick rounds before choosing so that 999.9 ns becomes "1.00 µs", not
// "1000 ns".
func pick(v float64, scale []step) step {
	a := math.Abs(roundSig(v, 3))
	for _, st := range scale {
		if a >= st.factor {
			return st
		}
	}
	return scale[len(scale)-1]
}

// formatNumber keeps three significant digits, like benchstat. Unscaled
// integers stay bare ("12", not "12.0"); scaled ones keep their digits so a
// column of "1.00k", "1.50k" lines up.
func formatNumber(v float64, bareInt bool) string {
	a := math.Abs(v)
	switch {
	case bareInt && v == math.Trunc(v) && a < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.9995 || a == 0:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(roundSig(v, 3), 'g', -1, 64)
}

func roundSig(v float64, digits int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// Delta prints a signed change in percent with two decimals, the precision
// benchstat uses for deltas: "-19.81%".
func Delta(p float64) string {
	return fmt.Sprintf("%+.2f%%", p)
}

// Pct prints a percentage such as a tolerance, noise band or drift with up to
// four significant digits: 38.965542 -> "38.97 %", 10 -> "10 %".
func Pct(p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "n/a"
	}
	if math.Abs(p) >= 1000 {
		return strconv.FormatFloat(p, 'f', 0, 64) + " %"
	}
	return strconv.FormatFloat(roundSig(p, 4), 'g', -1, 64) + " %"
}
