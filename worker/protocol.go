// Package worker runs a workload side in a separate perfbench process, so
// that the engine (measure) can drive a build of another commit exactly as
// it drives a side in its own process: Serve is the worker end, behind the
// hidden `perfbench worker` command, and Target the parent's end, a
// measure.Target that starts a given perfbench binary as a worker. Every
// figure is measured inside the worker, where the workload lives, so the
// pipe between the two processes costs the measurement nothing.
//
// The protocol is JSON, one message per line: the worker says hello (with
// Protocol and its capabilities), then answers each request (open, run,
// run-profiled, warm, profile, close) with one response, in order.
package worker

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Protocol is the version of the messages below. A parent refuses a worker
// that speaks another version, since it cannot know what the worker means.
// A request added later is a capability (Hello.Caps), not a new version:
// a compare against an older commit runs that commit's worker, which must
// stay usable for everything it knows.
const Protocol = 1

// Capabilities a worker may advertise beyond the requests every worker of
// Protocol serves.
const (
	// CapRunProfiled: the worker serves OpRunProfiled.
	CapRunProfiled = "run-profiled"
	// CapWarm: the worker serves OpWarm.
	CapWarm = "warm"
)

// Caps are the capabilities this build's worker advertises.
func Caps() []string { return []string{CapRunProfiled, CapWarm} }

// Command is the perfbench command that serves the protocol.
const Command = "worker"

// Hello is the worker's first message.
type Hello struct {
	Protocol  int    `json:"protocol"`
	GoVersion string `json:"go_version"`
	// Build describes the worker's binary (VCS revision, modified flag,
	// build tags), as runtime/debug reports it.
	Build BuildInfo `json:"build"`
	// Caps are the requests beyond Protocol's first set that the worker
	// serves; a worker built before they existed sends none.
	Caps []string `json:"caps,omitempty"`
}

// Can says whether the worker advertised capability c.
func (h Hello) Can(c string) bool { return slices.Contains(h.Caps, c) }

// BuildInfo is what a binary knows about how it was built.
type BuildInfo struct {
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Tags     string `json:"tags,omitempty"`
}

// Ops a request may ask for.
const (
	OpOpen    = "open"
	OpRun     = "run"
	OpProfile = "profile"
	OpClose   = "close"
	// OpRunProfiled is a run inside a CPU capture: its response holds the
	// values of the run and the profile (CapRunProfiled).
	OpRunProfiled = "run-profiled"
	// OpWarm runs operations and measures nothing (measure.Warmer): its
	// response is empty (CapWarm).
	OpWarm = "warm"
)

// Request is one instruction from the parent.
type Request struct {
	Op       string `json:"op"`
	Workload string `json:"workload,omitempty"` // open
	Features string `json:"features,omitempty"` // open: features.Set.String
	N        int    `json:"n,omitempty"`        // run, run-profiled, warm, profile
	Kind     string `json:"kind,omitempty"`     // profile
}

// message is every line the worker writes: a hello, or the response to the
// request before it.
type message struct {
	Hello   *Hello           `json:"hello,omitempty"`
	Error   string           `json:"error,omitempty"`
	Values  map[string]Float `json:"values,omitempty"`  // run, run-profiled
	Profile []byte           `json:"profile,omitempty"` // profile, run-profiled: gzipped pprof protobuf
}

// Float carries a metric value through JSON, NaN and ±Inf included (which
// encoding/json refuses): a workload may report an undefined value, and the
// parent must see it as it was.
type Float float64

// MarshalJSON writes finite values as numbers, others as "NaN", "+Inf",
// "-Inf".
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return json.Marshal(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Float) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err == nil {
		*f = Float(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("worker: metric value %s: want a number, \"NaN\", \"+Inf\" or \"-Inf\"", b)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(math.IsNaN(v) || math.IsInf(v, 0)) {
		return fmt.Errorf("worker: metric value %q: want a number, \"NaN\", \"+Inf\" or \"-Inf\"", s)
	}
	*f = Float(v)
	return nil
}
