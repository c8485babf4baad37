//go:build !(linux || darwin)

package profiling

import (
	"io"
	"runtime/pprof"
)

// startCPUProfile starts the CPU profile; here the runtime's warning that
// StartCPUProfile could not set its own rate reaches stderr unfiltered.
func startCPUProfile(w io.Writer) error { return pprof.StartCPUProfile(w) }
