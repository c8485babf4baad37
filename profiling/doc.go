// Package profiling captures the profiles perfbench takes of each side of a
// comparison — CPU, heap, allocs, fgprof wall clock, and where goroutines
// wait (block, mutex) — makes them comparable and diffs them through the
// pprof library exactly as `go tool pprof -diff_base` does, so the top
// movers it reports are the ones a user finds when digging further. Each
// side is profiled by time and samples rather than by a shared operation
// count, so the faster side is not left with a handful of samples; Compare
// then scales both sides' profiles to one operation count (the larger, so
// integer values stay exact) and writes them that way: the files
// {cpu,heap,allocs,wall,block,mutex}.{off,on,diff}.pb.gz compare equal
// work, and `go tool pprof -diff_base cpu.off.pb.gz cpu.on.pb.gz` and
// cpu.diff.pb.gz show the same thing. Every mover of a CPU, memory or wall
// profile is tested against sampling noise on the raw sample counts (a
// conditional binomial test of the two rates per operation,
// Benjamini-Hochberg corrected), because a profile is a sample and a
// function seen a few times moves by chance.
package profiling
