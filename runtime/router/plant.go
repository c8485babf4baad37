package router

// A planted slowdown, for measuring the power of `perfbench compare`: in a
// build with the tag perfbench_plant, every 5th route lookup (PlantEvery)
// is done twice — the same trie walk or compiled-plan lookup again, its
// result written over the first, identical — so route lookups cost about
// 20 % more (route-match spends nearly all its time in them). With
// perfbench_plant5 every 20th lookup is repeated: about 5 %. The default
// build has no plant: PlantEvery is 0 and planted() is a constant false
// that the compiler removes (plant_none.go).
