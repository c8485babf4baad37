package verdict

import (
	"fmt"
	"testing"
)

func TestWorst(t *testing.T) {
	for _, tc := range []struct {
		in   []Status
		want Status
	}{
		{nil, Info},
		{[]Status{Info}, Info},
		{[]Status{Pass, Info}, Pass},
		{[]Status{Pass, Warn}, Warn},
		{[]Status{Warn, Inconclusive, Pass}, Inconclusive},
		{[]Status{Inconclusive, Fail, Warn}, Fail},
		{[]Status{"bogus", Pass}, Pass},
	} {
		var vs []Verdict
		for _, s := range tc.in {
			vs = append(vs, Verdict{Status: s})
		}
		if got := Worst(vs); got != tc.want {
			t.Errorf("Worst(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestCountAndFailed(t *testing.T) {
	vs := []Verdict{{Criterion: "a", Status: Fail}, {Criterion: "b", Status: Pass}, {Criterion: "c", Status: Fail}}
	if n := Count(vs, Fail); n != 2 {
		t.Errorf("Count(Fail) = %d, want 2", n)
	}
	f := Failed(vs)
	if len(f) != 2 || f[0].Criterion != "a" || f[1].Criterion != "c" {
		t.Errorf("Failed = %+v, want a and c", f)
	}
	if !Pass.Decided() || !Fail.Decided() || Inconclusive.Decided() || Warn.Decided() || Info.Decided() {
		t.Error("Decided: only PASS and FAIL settle a criterion")
	}
}

func ExampleWorst() {
	vs := []Verdict{
		{Criterion: "ns/op −50 %", Metric: "ns/op", Target: -50, Unit: "%", Estimate: -62, CI: &Interval{-70, -55}, P: PValue(0.002), Status: Pass},
		{Criterion: "writers ≤ 10 % slower", Metric: "ns/op", Target: 10, Unit: "%", Estimate: 4, CI: &Interval{-3, 14}, Status: Inconclusive, Reason: "the interval straddles +10 %"},
	}
	fmt.Println(Worst(vs))
	// Output: INCONCLUSIVE
}
