// Command perfbench measures the optimizations of the agent/signal runtime
// in runtime/: for a toggle it runs a workload with the feature off and on,
// compares the two with confidence intervals, captures and diffs CPU, heap,
// allocs and wall-clock profiles, and writes everything a reviewer needs
// under profiles/. It registers the runtime's tables through package
// workbench, as a team's own perfbench binary registers its own.
package main

import (
	"os"

	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workbench"
	"github.com/perfbench/perfbench/workloads"
)

func main() {
	b := workbench.New()
	b.RegisterToggle(toggles.All()...)
	b.RegisterWorkload(workloads.All()...)
	os.Exit(b.Main())
}
