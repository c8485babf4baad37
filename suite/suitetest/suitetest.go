// Package suitetest provides workloads with a known, adjustable cost, for
// tests of the suite and of the baseline gate: raising the cost by 20 %
// must be seen as a 20 % regression, keeping it must not.
package suitetest

import (
	"context"
	"fmt"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/stats"
	"github.com/perfbench/perfbench/workloads"
)

// UnitBytes is what one unit of cost allocates.
const UnitBytes = 64

// spinPerUnit is how many hash steps one unit of cost spins.
const spinPerUnit = 64

// Costly returns a workload named name whose every operation does units()
// units of work: each unit allocates UnitBytes bytes (one object) and spins
// a few dozen arithmetic steps. units is read when an instance is built, so
// a test can change the cost between a baseline and a check. B/op is
// exactly units()·UnitBytes plus the engine's own noise, allocs/op
// units(), ns/op and cpu-ns/op roughly proportional. The features switch
// nothing: both sides of a pair do the same work.
func Costly(name string, units func() int) workloads.Workload {
	return workloads.Workload{
		Name:    name,
		Doc:     "a test workload with a known cost per operation",
		Op:      "units of allocation and spinning",
		Metrics: []stats.Metric{{Name: "units/op", Better: stats.LowerIsBetter, Noise: 0}},
		New: func(features.Set) (workloads.Instance, error) {
			k := units()
			if k < 1 {
				return nil, fmt.Errorf("suitetest: cost %d < 1", k)
			}
			return &costly{units: k, keep: make([][]byte, k)}, nil
		},
	}
}

type costly struct {
	units int
	keep  [][]byte // makes every allocation escape
	sum   uint64
}

func (c *costly) Run(ctx context.Context, n int) (map[string]float64, error) {
	for i := 0; i < n; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for u := 0; u < c.units; u++ {
			b := make([]byte, UnitBytes)
			x := c.sum + uint64(u)
			for s := 0; s < spinPerUnit; s++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
			b[0] = byte(x)
			c.keep[u] = b
			c.sum = x
		}
	}
	return map[string]float64{"units/op": float64(c.units)}, nil
}

func (c *costly) Close() error { return nil }

// Lookup resolves the given workloads by name, and nothing else.
func Lookup(ws ...workloads.Workload) func(string) (workloads.Workload, error) {
	return func(name string) (workloads.Workload, error) {
		for _, w := range ws {
			if w.Name == name {
				return w, nil
			}
		}
		return workloads.Workload{}, fmt.Errorf("unknown workload %q", name)
	}
}
