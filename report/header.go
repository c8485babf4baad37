package report

import (
	"time"

	"github.com/perfbench/perfbench/machine"
)

// Header opens every results.json perfbench writes, embedded so its fields
// come first: which layout (a schema version per command), which command,
// when, and on what machine.
type Header struct {
	SchemaVersion int         `json:"schema_version"`
	Tool          string      `json:"tool"`
	Command       string      `json:"command"`
	Created       time.Time   `json:"created"`
	Env           machine.Env `json:"env"`
}

// NewHeader fills a Header for command, with its layout version, created
// at the given time on env.
func NewHeader(command string, version int, created time.Time, env machine.Env) Header {
	return Header{SchemaVersion: version, Tool: "perfbench", Command: command, Created: created, Env: env}
}
