package suite

// BenchUsage is the synopsis of `perfbench bench`, with an example of
// reading its bench.txt with benchstat.
const BenchUsage = "perfbench bench [--quick|--full] [--opt NAME …] [--format text|markdown|json] [--out DIR] [--strict]\n\n" +
	"Example:\n" +
	"   perfbench bench --quick\n" +
	"   benchstat -col toggle profiles/bench/bench.txt"

// BenchDoc is the help of `perfbench bench`: what the suite runs and how it judges.
const BenchDoc = "Runs each toggle off vs on on its primary workloads, its controls (workloads that show its criteria can fail), " +
	"its credit runs (off vs on with the other toggles on, so it is not credited with their work) and its cost workloads " +
	"(where it can only lose, judged against a stated budget; a cost the design accepts shows WARN), then all toggles on vs all " +
	"off on mixed, then all on vs each single toggle on mixed, then memory per signal (bytes allocated per signal processed: " +
	"dispatch-local B/op; bytes retained per live queued signal: signal-memory), each with profiles as `profile` takes them. " +
	"Prints one criteria table.\n\n" +
	"Verdicts use 95 % intervals: PASS when the whole interval meets the target, FAIL when the whole interval misses it, " +
	"INCONCLUSIVE (with the reason) when it straddles the target or there is not enough evidence. A reduction of X % needs the " +
	"interval of the change [on.Lo-off.Hi, on.Hi-off.Lo]/off at or below -X % (and p < 0.05); a speedup F needs " +
	"on.Lo/off.Hi ≥ F (and p < 0.05); at-most/at-least use the on side's CI. \"All on at least as good as the best single " +
	"toggle\" is checked against every single toggle on mixed: ns/op of all-on at most the noise band (3 %) worse than each. " +
	"Other metrics of a run that got significantly worse show as WARN.\n\n" +
	"Exit 3 when a criterion FAILs (with --strict also when one is INCONCLUSIVE). Writes DIR/results.json, DIR/summary.md, DIR/report.html, " +
	"DIR/bench.txt and, per run, DIR/OPT/WORKLOAD/ as `profile` does."
