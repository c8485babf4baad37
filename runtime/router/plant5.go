//go:build perfbench_plant5

package router

// PlantEvery: every 20th lookup is repeated, about +5 % (see plant.go).
const PlantEvery = 20
