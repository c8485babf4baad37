package experiment

// Usage is the synopsis of `perfbench profile`, with an example.
const Usage = "perfbench profile --opt=NAME --workload=NAME [--rounds N] [--benchtime 200ms|5000x] [--profile-time 1s] [--out DIR] [--format text|markdown|json]\n\n" +
	"Example:\n" +
	"   perfbench profile --opt=zerocopy --workload=mixed\n" +
	"   go tool pprof -top -diff_base profiles/zerocopy/mixed/cpu.off.pb.gz profiles/zerocopy/mixed/cpu.on.pb.gz"

// Doc is the help of `perfbench profile`: how Run measures and profiles,
// and what Outcome.Write writes.
const Doc = "Both sides are calibrated, then measured in alternating rounds (off, on, off, on …); each round builds its side afresh and warms it up, so only one side's runtime is alive while it is measured. " +
	"CPU, heap+allocs, fgprof wall-clock, block and mutex profiles are taken afterwards, each in a pass of its own on each side (the block and mutex rates are on during their own pass only), sized by its samples: half of --profile-time, continued until 300 samples (cpu and wall up to twice --profile-time, memory up to once; block and mutex half). " +
	"Each kind's off and on files are scaled to one operation count, so -diff_base compares equal work; top movers are tested against sampling noise (~ when within it). " +
	"Writes DIR/OPT/WORKLOAD/{cpu,heap,allocs,wall,block,mutex}.{off,on,diff}.pb.gz, results.json, bench.txt, summary.md and report.html (one self-contained page: charts of every round, flame graphs of every diff)."
