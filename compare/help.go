package compare

// Usage is the synopsis of `perfbench compare`, with an example.
const Usage = "perfbench compare --base REF [--head REF] [--opt NAME …] [--workload NAME …] [--rounds N] [--benchtime 50ms] " +
	"[--tags-base TAGS] [--tags-head TAGS] [--out DIR] [--format text|markdown|json] [--max-time D] [--trace-time]\n\nExample:\n" +
	"   perfbench compare --base main --opt jit --workload route-match"

// Doc is the help of `perfbench compare`: what it builds, how it measures
// and judges, and what it writes.
const Doc = "Builds perfbench at --base and at --head in temporary `git worktree add --detach` checkouts, with the go " +
	"command on PATH for both (GOTOOLCHAIN=local: a ref that wants another Go fails to build). Without --head the head is " +
	"the working tree as it is, uncommitted changes included; results record HEAD's commit and whether the tree was dirty. " +
	"--tags-base and --tags-head pass build tags to one side (e.g. perfbench_plant, a planted slowdown for measuring power). " +
	"Builds of commits (a ref, or a clean working tree) are cached by full commit hash, tags and toolchain in " +
	"$XDG_CACHE_HOME/perfbench/builds (os.UserCacheDir), so comparing against the same base again builds only head; a " +
	"dirty working tree is never cached. The cache holds at most 64 builds and PERFBENCH_BUILD_CACHE_MAX bytes (default " +
	"2GiB; e.g. 500MiB; 0 turns it off); the least recently used go first. Entries are verified by SHA-256 on use and " +
	"rebuilt when damaged. Base and head build at the same time, before any measuring.\n\n" +
	"Both builds run as worker processes (`perfbench worker`, a fresh process per round) driven through the engine's side " +
	"interface: for every run of the suite (or those --opt and --workload select), each feature set of the run is measured " +
	"on base and head in interleaved rounds, in ABBA order (base, head, head, base …), after calibration and a warm-up. " +
	"The warm-up, a tenth of a round, runs with no collection before it when both builds' workers can (a build from " +
	"before that: both sides collect first, and stderr says so); the measured round always starts from a collected heap. " +
	"Each metric is judged on the round-by-round ratios head/base: the median ratio, its 95 % CI (sign-test order " +
	"statistics of the log ratios) and the Wilcoxon signed-rank p-value. A regression is called only when p < 0.05 and " +
	"the whole 95 % CI of the ratio is worse than the tolerance: 10 % for time metrics (ns/op, ops/s, cpu-ns/op), 2 % for " +
	"allocation metrics (B/op, allocs/op); GC and heap metrics are shown, never a regression.\n\n" +
	"--rounds is the most a case takes. It is measured sequentially: after 10, 14 and 16 round pairs (of 20) it stops once " +
	"every gated metric is settled at that look's interval ([min, max] at 10, [x(3), x(12)] at 14, [x(4), x(13)] at 16; " +
	"the chance that any look's interval misses is computed exactly, 4.9 %, within the 5 % error): a regression as " +
	"above, or a whole interval on the side of the tolerance that is no regression. Otherwise it goes the distance and " +
	"is judged on every round, as without looks. Each case's rounds used and time breakdown are in results.json " +
	"(rounds_used, elapsed, time) and the tables; --trace-time prints the breakdown, with the time before the cases " +
	"(builds, worker probes) and the time writing the run directory. --max-time D splits D across the " +
	"cases; a case that reaches its share takes no more rounds and no profiles, and every gated metric of it is " +
	"INCONCLUSIVE, never a regression or a pass.\n\n" +
	"Before measuring, each build is asked which workloads and toggles it knows (`perfbench list --format json`). A " +
	"case whose workload or a toggle one build lacks (new in head, or gone from it) is not compared: it is listed under " +
	"the tables and in results.json (skipped: id and reason), and the exit code follows the compared cases only.\n\n" +
	"Writes DIR/results.json (schema version, environment, settings, both refs and commits, every raw sample, the " +
	"comparisons), DIR/summary.md for a pull request, DIR/report.html (one self-contained page: every round charted, CPU flame graphs; `perfbench report DIR` renders it again), and per case WORKLOAD@FEATURES.cpu.{base,head,diff}.pb.gz (every kind, " +
	"{cpu,heap,allocs,wall,block,mutex}, for a case that regressed: what the outputs show), so that `go tool pprof -diff_base BASE HEAD` shows where head got slower. All or nothing: an interrupted " +
	"run writes no file, and the worktrees and binaries are removed on every exit path, Ctrl-C included.\n\n" +
	"Exit codes: 0 no regression; 3 a regression; 2 bad input: no git repository, an unknown ref, a ref that does not " +
	"build, a build older than the worker protocol (no `perfbench worker` command) or that cannot list what it knows, " +
	"or no selected case that both builds can run; 1 an error while running.\n\n" +
	"Power, measured by `bash scripts/gate-power.sh route-match` (task gate-power) on a 2-core machine at default " +
	"settings, five times: a planted 20 % slowdown (-tags perfbench_plant) was flagged on time in 9, 10, 9, 8 and 10 of " +
	"10 compares (the goal is at least 9); A/A (HEAD against HEAD, one run per workload family) was bad in 0, 2, 0, 0 " +
	"and 0 of 20 by scripts/aacheck (a gated metric called better or worse, or its whole CI beyond half its tolerance; " +
	"the goal is at most 1); a 5 % plant (perfbench_plant5) was flagged on time in 0 of 10 each time. The third to " +
	"fifth runs are of the exact looks above. With --benchtime 30ms the plant was flagged in 10 of 10 but the A/A was " +
	"bad in 5 of 20, all on batch-throughput: 50 ms is the default for that. " +
	"The plants' extra lookups allocate, so both were also, rightly, flagged on allocations."
