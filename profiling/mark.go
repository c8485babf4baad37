package profiling

import "github.com/google/pprof/profile"

// MarkMutex marks a contention profile captured elsewhere (a test binary's
// -test.mutexprofile) as a mutex profile, which nothing in its content
// tells apart from a block profile (see KindOf).
func MarkMutex(p *profile.Profile) {
	p.Comments = append(p.Comments, mutexComment+" profile written by the program itself")
}
