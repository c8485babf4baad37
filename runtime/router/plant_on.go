//go:build perfbench_plant || perfbench_plant5

package router

import "sync/atomic"

var plantCount atomic.Uint64

// planted is true for every PlantEvery-th lookup of the process.
func planted() bool { return plantCount.Add(1)%PlantEvery == 0 }
