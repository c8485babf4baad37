package stats_test

import (
	"fmt"
	"os"

	"github.com/perfbench/perfbench/stats"

	"github.com/perfbench/perfbench/report"
)

func ExampleCompare() {
	nsPerOp := stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter, Noise: 0.02}
	off := []float64{1012, 1005, 1030, 998, 1021, 1040, 1009, 1017, 1001, 1026}
	on := []float64{812, 805, 821, 799, 830, 808, 815, 826, 802, 818}

	c := stats.Compare(nsPerOp, off, on)
	fmt.Printf("off median %.1f [%g, %g], on median %.1f [%g, %g]\n",
		c.Off.Center, c.Off.Lo, c.Off.Hi, c.On.Center, c.On.Lo, c.On.Hi)
	fmt.Printf("delta %.2f%% (change within [%.1f%%, %.1f%%]), p=%.5f: %s\n",
		c.DeltaPct, c.DeltaLoPct, c.DeltaHiPct, c.P, c.Change)

	if err := report.WriteComparisons(os.Stdout, report.Markdown, "", []stats.Comparison{c}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// off median 1014.5 [1001, 1030], on median 813.5 [802, 826]
	// delta -19.81% (change within [-22.5%, -17.2%]), p=0.00001: better
	// | metric |        off        |        on        | delta % [95% CI] |      p      | verdict |
	// |:-------|:------------------|:-----------------|:-----------------|:------------|:--------|
	// | ns/op  | 1.01 µs/op ± 1.5% | 814 ns/op ± 1.5% | -19.81%          | <0.001 n=10 | better  |
}

func ExampleComparePaired() {
	nsPerOp := stats.Metric{Name: "ns/op", Better: stats.LowerIsBetter}
	// Round i of each side ran back to back; the machine slowed down over
	// the rounds, which the per-round ratios divide out.
	base := []float64{1000, 1100, 1250, 1400, 1500, 1650, 1800, 1900, 2100, 2300}
	head := []float64{1190, 1320, 1500, 1690, 1790, 1990, 2150, 2290, 2510, 2770}

	c := stats.ComparePaired(nsPerOp, base, head, 0.10) // 10 % tolerance
	fmt.Printf("median ratio %.3f, 95%% CI [%.3f, %.3f], Wilcoxon p=%.4f: %s\n",
		c.Paired.Ratio, c.Paired.Lo, c.Paired.Hi, c.P, c.Change)
	// Output:
	// median ratio 1.200, 95% CI [1.193, 1.206], Wilcoxon p=0.0059: worse
}

// The looks of a run of at most 20 round pairs: the pairs after which it
// may stop, the ranks of each look's interval of the paired ratios, and
// the exact chance that any look's interval misses.
func ExampleSequentialDesign() {
	looks := stats.SequentialDesign(20, stats.Alpha)
	for _, l := range looks {
		if l.Rank == 0 {
			fmt.Printf("%2d pairs: no interval, cannot stop\n", l.Pairs)
			continue
		}
		fmt.Printf("%2d pairs: [x(%d), x(%d)], misses alone with %.4f\n", l.Pairs, l.Rank, l.Pairs+1-l.Rank, l.Alpha)
	}
	fmt.Printf("any look misses with %.4f\n", stats.AnyMiss(looks))
	// Output:
	//  6 pairs: no interval, cannot stop
	//  8 pairs: no interval, cannot stop
	// 10 pairs: [x(1), x(10)], misses alone with 0.0020
	// 14 pairs: [x(3), x(12)], misses alone with 0.0129
	// 16 pairs: [x(4), x(13)], misses alone with 0.0213
	// 20 pairs: [x(6), x(15)], misses alone with 0.0414
	// any look misses with 0.0493
}
