//go:build perfbench_plant && !perfbench_plant5

package router

// PlantEvery: every 5th lookup is repeated, about +20 % (see plant.go).
const PlantEvery = 5
