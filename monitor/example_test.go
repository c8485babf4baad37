package monitor_test

import (
	"fmt"

	"github.com/perfbench/perfbench/monitor"
)

func ExampleParseThreshold() {
	for _, arg := range []string{"p99=1ms", "throughput=1.5k/s", "gc-cpu=10%", "heap-slope=1MB/s", "latency=1ms"} {
		t, err := monitor.ParseThreshold(arg)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %s %g\n", t.Metric, t.Op(), t.Value)
	}
	// Output:
	// p99 > 0.001
	// throughput < 1500
	// gc-cpu > 0.1
	// heap-slope > 1e+06
	// invalid threshold "latency=1ms": unknown metric "latency" (valid: p50, p99, throughput, error-rate, heap-slope, gc-cpu)
}
