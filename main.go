// Command perfbench measures the optimizations of the agent/signal runtime
// in runtime/: for a toggle it runs a workload with the feature off and on,
// compares the two with confidence intervals, captures and diffs CPU, heap,
// allocs and wall-clock profiles, and writes everything a reviewer needs
// under profiles/. The command line itself is internal/command.
package main

import (
	"os"

	"github.com/perfbench/perfbench/internal/command"
)

func main() { os.Exit(command.Main(os.Args, os.Stdout, os.Stderr)) }
