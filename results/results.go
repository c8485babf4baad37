// Package results holds the layout of results.json, the one document every
// perfbench run leaves behind, for every kind of run. Writers fill these
// types and readers (perfbench report, the HTML page, scripts) decode the
// same types, so a field cannot mean one thing to the writer and another
// to the reader, and a reader tells the kind of a document from its "kind"
// field instead of guessing it from the keys it happens to hold.
package results

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/machine"
)

// File is the name of the document in every run directory.
const File = "results.json"

// SchemaVersion is the layout of every kind's document. It is bumped on
// any change a reader would notice, for all kinds at once, so that one
// number says which perfbench can read a file.
const SchemaVersion = 10

// Kind is what a document records, and so which Go type it decodes into.
type Kind string

// The kinds of run.
const (
	Profile Kind = "profile" // one workload, one toggle off and on
	Bench   Kind = "bench"   // the whole suite, judged against the plan
	Compare Kind = "compare" // two commits, base against head
	Load    Kind = "load"    // open-loop load, all off against all on
	Cluster Kind = "cluster" // node processes on NATS
	Monitor Kind = "monitor" // a monitor's samples and alerts
)

// Kinds lists every kind a reader must handle.
var Kinds = []Kind{Profile, Bench, Compare, Load, Cluster, Monitor}

// Header opens every document, embedded so its fields come first: what
// kind of run, in which layout, by which command, when, and on what
// machine.
type Header struct {
	Kind          Kind        `json:"kind"`
	SchemaVersion int         `json:"schema_version"`
	Tool          string      `json:"tool"`
	Command       string      `json:"command"`
	Created       time.Time   `json:"created"`
	Env           machine.Env `json:"env"`
}

// NewHeader fills a Header for a document of kind, written by command at
// created on env, in today's layout.
func NewHeader(kind Kind, command string, created time.Time, env machine.Env) Header {
	return Header{Kind: kind, SchemaVersion: SchemaVersion, Tool: "perfbench", Command: command, Created: created, Env: env}
}

// ReadHeader reads the header of a document and checks that this perfbench
// can read the rest: a known kind in today's layout. Anything else is bad
// input (exit 2) whose message says what was found and what to do; name
// says which file, for the message.
func ReadHeader(name string, doc []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(doc, &h); err != nil {
		return h, cmderr.BadInputf("%s is not a perfbench results document: %w", name, err)
	}
	valid := make([]string, len(Kinds))
	for i, k := range Kinds {
		valid[i] = string(k)
	}
	switch {
	case h.Tool != "" && h.Tool != "perfbench":
		return h, cmderr.BadInputf("%s was written by %q, not perfbench", name, h.Tool)
	case h.Kind == "":
		return h, cmderr.BadInputf("%s has no \"kind\": it was written by a perfbench older than results schema %d (it says schema %d); run the command again with this perfbench to get a file it can read",
			name, SchemaVersion, h.SchemaVersion)
	case !slices.Contains(Kinds, h.Kind):
		return h, cmderr.BadInputf("%s is of kind %q, which this perfbench does not know (valid kinds: %s)", name, h.Kind, strings.Join(valid, ", "))
	case h.SchemaVersion != SchemaVersion:
		return h, cmderr.BadInputf("%s has results schema %d; this perfbench reads schema %d: run the command again with this perfbench", name, h.SchemaVersion, SchemaVersion)
	}
	return h, nil
}

// Decode reads a whole document of the kind want into v (a pointer to that
// kind's type), after ReadHeader's checks; a document of another kind is
// bad input.
func Decode(name string, doc []byte, want Kind, v any) error {
	h, err := ReadHeader(name, doc)
	if err != nil {
		return err
	}
	if h.Kind != want {
		return cmderr.BadInputf("%s is a %s run, not a %s run", name, h.Kind, want)
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return cmderr.BadInputf("%s: %w", name, err)
	}
	return nil
}

func (k Kind) String() string { return string(k) }

// Validate reports whether k is a known kind.
func (k Kind) Validate() error {
	if !slices.Contains(Kinds, k) {
		return fmt.Errorf("unknown kind %q", k)
	}
	return nil
}
