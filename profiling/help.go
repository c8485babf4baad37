package profiling

// DiffUsage is the help of `perfbench diff`: its synopsis, an example, and
// what DiffFiles computes and refuses.
const DiffUsage = "perfbench diff BASE.pb.gz NEW.pb.gz [-o DIFF.pb.gz] [--top N] [--format text|markdown|json]\n\n" +
	"Example:\n" +
	"   perfbench diff profiles/jit/route-match/cpu.off.pb.gz profiles/jit/route-match/cpu.on.pb.gz -o cpu.diff.pb.gz\n\n" +
	"The diff is NEW minus BASE, as go tool pprof -diff_base BASE NEW computes it. Any two profiles whose sample types " +
	"match can be diffed (block and mutex profiles too); others are refused. It reads what go tool pprof reads: " +
	"protobuf profiles, gzipped or not, and pprof's legacy CPU, heap, contention and thread formats, of at most 64 MiB."
