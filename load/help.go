package load

// Usage is the synopsis of `perfbench load`, with examples of each scenario.
const Usage = "perfbench load --scenario burst|sustained|mixed [--rate N/s] [--duration D] [--multiplier K] [--agents N] [--opt NAME|all] [--format text|markdown|json] [--out DIR]\n\n" +
	"Examples:\n" +
	"   perfbench load --scenario burst --opt all\n" +
	"   perfbench load --scenario sustained --duration 5s --opt batching\n" +
	"   perfbench load --scenario mixed --multiplier 10 --opt all --format markdown"

// Doc is the help of `perfbench load`: how load is generated and judged.
const Doc = "Open loop, the way wrk2 and k6 measure: every operation has a due time (burst: all at t0; sustained and mixed: start + i/rate) " +
	"and its latency counts from that due time, so a stall delays and counts against every operation due during it (no coordinated omission). " +
	"Response time is due → done (what a caller feels); service time is agent takes the signal → done. Latencies go into HdrHistograms. " +
	"Every run checks sent = delivered + errored exactly; a full mailbox is an error, counted, never retried.\n\n" +
	"Scenarios (the plan's):\n" +
	"   burst      10 000 signals due at once (× --multiplier); targets read service time, plus drain time < 50 ms\n" +
	"   sustained  1 000 signals/s (--rate) for 60 s (--duration), × --multiplier\n" +
	"   mixed      1 000 operations/s of a blend for 60 s: " + BlendDoc + "\n\n" +
	"Targets: response (burst: service) p50 < 10 µs and p99 < 100 µs, throughput ≥ the requested rate, errors < 0.1 %, nothing lost, " +
	"memory stable (no growth trend of the live heap). Exit 3 when one is missed.\n\n" +
	"Optimizations: by default the targets are judged with every one ON (what users ship), and a run with every one off is shown beside it, " +
	"not judged. --opt all runs once with all of them on; --opt NAME runs twice, all off and then only NAME on, judges both and shows them side by side.\n\n" +
	"The generator sleeps until shortly before each due time and spins the rest, yielding to the runtime at every turn; its own CPU (busy time) " +
	"and its schedule lag (actual send − due, aim p99 < 50 µs) are reported.\n\n" +
	"Writes results.json (histograms included), report.html (percentile plots, schedule lag, heap over time), summary.md and response.<side>.hgrm to --out (default profiles/load/<scenario>/)."
