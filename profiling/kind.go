package profiling

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// Kind names one profile type. The string is also the file stem:
// cpu.off.pb.gz, heap.on.pb.gz, wall.diff.pb.gz …
type Kind string

// The profile kinds perfbench captures.
const (
	CPU    Kind = "cpu"
	Heap   Kind = "heap"
	Allocs Kind = "allocs"
	Wall   Kind = "wall"
	// Block and Mutex show where goroutines wait: blocked on channels,
	// selects, sync primitives (block), or holding up others on a contended
	// mutex (mutex). The runtime records them only while their rate is set,
	// which Capture does for their own pass alone.
	Block Kind = "block"
	Mutex Kind = "mutex"
)

// Kinds lists every kind in capture order.
func Kinds() []Kind { return []Kind{CPU, Heap, Allocs, Wall, Block, Mutex} }

// ParseKind accepts the file stem of a kind; the error lists the valid ones so
// a command line can report bad input as such.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown profile kind %q (valid: %v)", s, Kinds())
}

// Sample-type signatures ("type/unit,…", in the order the producers write
// them) and period types of the profiles each kind comes from.
const (
	cpuTypes    = "samples/count,cpu/nanoseconds"  // runtime/pprof CPU profile
	wallTypes   = "samples/count,time/nanoseconds" // fgprof FormatPprof
	memoryTypes = "alloc_objects/count,alloc_space/bytes,inuse_objects/count,inuse_space/bytes"
	// The runtime writes block and mutex profiles alike; only the comment
	// Capture adds (mutexComment) tells a mutex profile apart.
	contentionTypes = "contentions/count,delay/nanoseconds"

	cpuPeriod        = "cpu/nanoseconds"
	wallPeriod       = "wallclock/nanoseconds"
	memoryPeriod     = "space/bytes"
	contentionPeriod = "contentions/count"
)

// KindOf recognises which kind p is from its sample and period types. Heap
// and allocs profiles carry the same four sample types (they are one runtime
// profile); only the default sample type tells them apart, as it does for
// `go tool pprof`. Block and mutex profiles are alike too: a mutex profile
// is known by the comment Capture writes into it, and any other contention
// profile is taken for a block profile.
func KindOf(p *profile.Profile) (Kind, error) {
	if p == nil {
		return "", fmt.Errorf("kind of profile: nil profile")
	}
	types, period := sampleTypes(p), valueType(p.PeriodType)
	// A profile from elsewhere may omit its period type; the sample types
	// alone still identify it.
	periodIs := func(want string) bool { return p.PeriodType == nil || period == want }
	switch {
	case types == cpuTypes && periodIs(cpuPeriod):
		return CPU, nil
	case types == wallTypes && periodIs(wallPeriod):
		return Wall, nil
	case types == memoryTypes && periodIs(memoryPeriod):
		if strings.HasPrefix(p.DefaultSampleType, "alloc_") {
			return Allocs, nil
		}
		return Heap, nil
	case types == contentionTypes && periodIs(contentionPeriod):
		if slices.ContainsFunc(p.Comments, func(c string) bool { return strings.HasPrefix(c, mutexComment) }) {
			return Mutex, nil
		}
		return Block, nil
	}
	return "", fmt.Errorf("kind of profile: sample types [%s] period %q match none of %v", types, period, Kinds())
}

// sampleIndexName is the value column pprof shows by default for each kind,
// and the one perfbench ranks movers by.
func sampleIndexName(k Kind) string {
	switch k {
	case CPU:
		return "cpu"
	case Wall:
		return "time"
	case Allocs:
		return "alloc_space"
	case Block, Mutex:
		return "delay"
	default:
		return "inuse_space"
	}
}

// defaultSampleType is what a captured profile of kind k records as its
// default, so that KindOf and `go tool pprof` agree on what the file is.
func defaultSampleType(k Kind) string {
	switch k {
	case Heap, Allocs:
		return sampleIndexName(k)
	}
	return ""
}

func sampleTypes(p *profile.Profile) string {
	s := make([]string, len(p.SampleType))
	for i, t := range p.SampleType {
		s[i] = valueType(t)
	}
	return strings.Join(s, ",")
}

func valueType(t *profile.ValueType) string {
	if t == nil {
		return ""
	}
	return t.Type + "/" + t.Unit
}

// Derive returns a profile of kind k made from one of kind from already in
// set, or nil. Heap and allocs are one runtime profile (the same four
// columns of the same phase) presented with different default columns, so
// one memory pass serves both: a copy of the other with k's default sample
// type.
func Derive(set Set, k Kind) (from Kind, p *profile.Profile) {
	switch k {
	case Heap:
		from = Allocs
	case Allocs:
		from = Heap
	default:
		return "", nil
	}
	if set[from] == nil {
		return "", nil
	}
	p = set[from].Copy()
	p.DefaultSampleType = defaultSampleType(k)
	return from, p
}
