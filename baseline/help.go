package baseline

import "github.com/perfbench/perfbench/workloads"

// Usage is the synopsis of `perfbench baseline`, with the way CI uses it.
const Usage = "perfbench baseline save [--file perf/baseline.json] [--quick|--full]\n" +
	"perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--format text|markdown|json]\n\n" +
	"Example (CI):\n" +
	"   perfbench baseline save && git add perf/baseline.json   # on the reference commit\n" +
	"   perfbench baseline check                                # on every change: exit 3 on a regression"

// SaveUsage and CheckUsage are the synopses of the two subcommands.
const (
	SaveUsage  = "perfbench baseline save [--file perf/baseline.json] [--quick|--full] [--opt NAME …] [--rounds N] [--benchtime D]"
	CheckUsage = "perfbench baseline check [--file perf/baseline.json] [--tolerance 10%] [--alloc-tolerance 2%] " +
		"[--metric-tolerance NAME=PCT|off …] [--format text|markdown|json] [--all]"
)

// SaveDoc is the help of `perfbench baseline save`: what the file holds and how passes measure drift.
const SaveDoc = "Stores, per run (toggle and workload), side (off, on) and metric, the raw samples and their summary, with the " +
	"environment (Go version, OS/arch, CPU model, cores, GOMAXPROCS, git commit). The file is versioned, indented JSON, written " +
	"atomically, meant to be committed. `baseline check` reruns exactly what it holds, with the same settings.\n\n" +
	"The suite runs --passes times (default 2), one pass after the other; samples are pooled and each pass's median kept. " +
	"How far the passes drift apart is this machine's drift over minutes, which one pass's rounds cannot show; the check " +
	"widens each metric's tolerance by it (by the larger of the metric's own drift and the drift 90 % of the suite's runs stay within)."

// CheckDoc is the help of `perfbench baseline check` over the workloads ws:
// the method of the regression gate.
func CheckDoc(ws []workloads.Workload) string {
	return TimeAcrossSessions + " Allocation metrics are stable and gate well from a stored baseline.\n\n" +
		"Reruns every run of the baseline with its settings and compares each metric of each side with the baseline's " +
		"samples. A regression is called only when both hold: the Mann-Whitney U test gives p < 0.05, and the change is worse " +
		"than the metric's tolerance (plus the baseline's drift) with 95 % confidence — the change of the medians less the " +
		"uncertainty of both measurements, not just the medians. Prints what moved (worse, better; ~ is unchanged or within tolerance) and exits 3 on any regression, 0 otherwise.\n\n" +
		"Tolerances by metric: " + DefaultTolerances().Describe(Metrics(ws)) + ".\n\n" +
		"A missing, truncated, corrupt or wrong-version baseline is exit 2. A different environment (Go version, CPU, cores, " +
		"GOMAXPROCS) is warned about on stderr; a different git commit is expected and only noted. A CPU probe taken before " +
		"every run warns when the machine itself runs faster or slower than when the baseline was saved.\n\n" +
		"Time metrics move between measurements taken at different moments more than between the rounds of one measurement: " +
		"on a shared 2-core machine an A/A check (same binary, minutes apart) found ns/op of some runs up to 32 % worse with " +
		"p < 0.05, while B/op and allocs/op stayed within 2 %. So every run with a regression is measured again " +
		"(--confirm, on by default) and only regressions that repeat fail the gate; the others are shown as unconfirmed. " +
		"Drift that lasts minutes repeats, so each tolerance is also widened by the drift between the baseline's passes " +
		"(see baseline save --passes): on a wandering machine the time tolerance widens and the allocation metrics stay the " +
		"tight part of the gate."
}

// TimeAcrossSessions is what check says, in its help and on every run,
// about time metrics compared with a stored baseline.
const TimeAcrossSessions = "time metrics across sessions are only indicative: ns/op, ops/s and cpu-ns/op measured " +
	"minutes or days apart on a shared machine move by tens of percent, so a stored baseline cannot gate time at 10 %. " +
	"To judge a change in time, run `perfbench compare --base REF`: it runs both builds interleaved and judges the paired ratios."
