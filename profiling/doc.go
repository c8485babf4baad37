// Package profiling captures the profiles perfbench takes of each side of a
// comparison — CPU, heap, allocs, fgprof wall clock, and where goroutines
// wait (block, mutex) — and diffs them through the pprof library exactly as
// `go tool pprof -diff_base` does, so the top movers it reports are the ones
// a user finds when digging further.
//
// Files follow one naming contract,
// {cpu,heap,allocs,wall,block,mutex}.{off,on,diff}.pb.gz, so that
// `go tool pprof -diff_base cpu.off.pb.gz cpu.on.pb.gz` and opening
// cpu.diff.pb.gz show the same thing.
package profiling
