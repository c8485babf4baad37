//go:build !perfbench_plant && !perfbench_plant5

package router

// PlantEvery is 0: this build has no planted slowdown (see plant.go).
const PlantEvery = 0

func planted() bool { return false }
