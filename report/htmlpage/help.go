package htmlpage

import "strings"

// Usage is the synopsis of `perfbench report`, with an example.
const Usage = "perfbench report PATH [--format html|markdown|text|json] [-o FILE]\n\n" +
	"Example:\n   perfbench report profiles/zerocopy/mixed -o zerocopy.html"

// Doc is the help of `perfbench report`: what Rerender reads and what the
// page holds.
var Doc = "PATH is a run directory or its results.json, or a monitor's directory or its history.jsonl; nothing is rerun. " +
	"The HTML page has everything inline (tables, charts, pprof's flame graphs): it opens from disk and fetches nothing. Kinds: " +
	strings.Join(Kinds(), ", ") + "."
