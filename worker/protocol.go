// Package worker runs a workload side in a separate perfbench process, so
// that the engine (measure) can drive a build of another commit exactly as
// it drives a side in its own process: Serve is the worker end, behind the
// hidden `perfbench worker` command, and Target the parent's end, a
// measure.Target that starts a given perfbench binary as a worker. Every
// figure is measured inside the worker, where the workload lives, so the
// pipe between the two processes costs the measurement nothing.
//
// The protocol is JSON, one message per line: the worker says hello (with
// Protocol), then answers each request (open, run, profile, close) with one
// response, in order.
package worker

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Protocol is the version of the messages below. A parent refuses a worker
// that speaks another version, since it cannot know what the worker means.
const Protocol = 1

// Command is the perfbench command that serves the protocol.
const Command = "worker"

// Hello is the worker's first message.
type Hello struct {
	Protocol  int    `json:"protocol"`
	GoVersion string `json:"go_version"`
	// Build describes the worker's binary (VCS revision, modified flag,
	// build tags), as runtime/debug reports it.
	Build BuildInfo `json:"build"`
}

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
)

// Request is one instruction from the parent.
type Request struct {
	Op       string `json:"op"`
	Workload string `json:"workload,omitempty"` // open
	Features string `json:"features,omitempty"` // open: features.Set.String
	N        int    `json:"n,omitempty"`        // run, profile
	Kind     string `json:"kind,omitempty"`     // profile
}

// message is every line the worker writes: a hello, or the response to the
// request before it.
type message struct {
	Hello   *Hello           `json:"hello,omitempty"`
	Error   string           `json:"error,omitempty"`
	Values  map[string]Float `json:"values,omitempty"`  // run
	Profile []byte           `json:"profile,omitempty"` // profile: gzipped pprof protobuf
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
