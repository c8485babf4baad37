package workbench_test

import (
	"context"
	"crypto/sha256"
	"os"

	"github.com/perfbench/perfbench/workbench"
)

// sum is a workload's instance: each operation hashes a buffer, the first
// half of it only when the toggle "half-sum" is on.
type sum struct {
	buf  []byte
	half bool
}

func (s *sum) Run(_ context.Context, n int) (map[string]float64, error) {
	b := s.buf
	if s.half {
		b = b[:len(b)/2]
	}
	for range n {
		sha256.Sum256(b)
	}
	return nil, nil
}

func (s *sum) Close() error { return nil }

// A main.go of one's own: register a toggle and the workload it helps,
// then run perfbench. A real main passes b.Main() to os.Exit; this one
// runs `perfbench list`.
func Example() {
	b := workbench.New()
	b.RegisterToggle(workbench.Toggle{Name: "half-sum", Doc: "hash half the buffer", Workloads: []string{"checksum"},
		Primary: workbench.Criterion{Metric: "ns/op", Kind: workbench.Reduction, Target: 40, Text: "−40 % time per sum"}})
	b.RegisterWorkload(workbench.Workload{Name: "checksum", Doc: "SHA-256 of 4 KiB", Op: "one sum", Toggles: []string{"half-sum"}, MinOps: 100,
		New: func(s workbench.Set) (workbench.Instance, error) {
			on, err := s.Get("half-sum")
			return &sum{buf: make([]byte, 4096), half: on}, err
		}})
	b.Run(context.Background(), []string{"perfbench", "list", "--format", "markdown"}, os.Stdout, os.Stderr)
	// Output:
	// |  toggle  |     what it does     | primary workloads |  criteria   | where it costs: budget |
	// |:---------|:---------------------|:------------------|:------------|:-----------------------|
	// | half-sum | hash half the buffer | checksum          | ns/op −40 % |                        |
	//
	// | workload |   what it does   | one op  | toggles exercised |
	// |:---------|:-----------------|:--------|:------------------|
	// | checksum | SHA-256 of 4 KiB | one sum | half-sum          |
}
