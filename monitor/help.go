package monitor

// Usage is the synopsis of `perfbench monitor`, live and --summary, with
// an example.
const Usage = "perfbench monitor [--interval 10s] [--workload mixed] [--opt NAME…|all] [--baseline FILE] [--threshold METRIC=VALUE…]\n" +
	"   [--alert-after 3] [--clear-after 3] [--listen 127.0.0.1:9464] [--webhook URL] [--for D] [--out DIR]\n" +
	"perfbench monitor --summary DIR/monitor/history.jsonl [--format text|markdown|json]\n\n" +
	"Example:\n   perfbench monitor --for 2m --interval 10s --threshold p99=1ms --threshold gc-cpu=5%"

// Doc is the help of `perfbench monitor`.
const Doc = "One workload instance lives for the whole run. Each --interval a probe sends --rate operations per second " +
	"(each --batch operations of the workload), open loop: latency counts from the due time, and an operation still unsent " +
	"when its interval ends is missed (an error, charged what it had waited). The Go runtime's metrics are read every interval " +
	"(GC cycles and CPU fraction, live heap and goal, GC pause and scheduler latency, goroutines).\n\n" +
	"Metrics for --threshold METRIC=VALUE: p50 and p99 (durations: 500us, 5ms), throughput (operations/s: 900, 1.5k), " +
	"error-rate (0.1%), heap-slope (live-heap slope over --window, bytes/s: 1MB, 2MiB/s), gc-cpu (10%). " +
	"Defaults: error-rate=0.1% (the plan's target) and throughput = 90% of the probe's schedule; --baseline FILE adds " +
	"p50 = the baseline's ns/op × --batch × 3. An alert fires after --alert-after breaching intervals in a row and clears " +
	"after --clear-after good ones.\n\n" +
	"Stderr carries one JSON object per line (event: start, alert, clear, capture, webhook, stop); --webhook URL receives each " +
	"alert and clear as a JSON POST (3 attempts, 2 s timeout each; a failing webhook never stops the monitor). " +
	"/metrics (Prometheus), /healthz and /debug/pprof/ are served on --listen.\n\n" +
	"Writes DIR/monitor/history.jsonl (one line per interval; a restart continues it) and, per alert, " +
	"DIR/monitor/<timestamp>/ with cpu.pb.gz, heap.pb.gz, goroutine.pb.gz, trace.out (flight recorder: the seconds before " +
	"the alert) and alert.json; the --keep newest are kept. --summary FILE prints the last hour of a history.\n\n" +
	"Runs until SIGINT or SIGTERM (exit 0); with --for, for that many intervals, and exits 3 if an alert fired."
