package results

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/machine"
)

func TestReadHeader(t *testing.T) {
	good, err := json.Marshal(NewHeader(Load, "load", time.Unix(0, 0), machine.Env{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, doc string
		wantErr   string // "" for none
	}{
		{"today's layout", string(good), ""},
		{"not JSON", "{", "not a perfbench results document"},
		{"before kinds", `{"schema_version": 3, "tool": "perfbench", "command": "profile"}`, `has no "kind"`},
		{"unknown kind", `{"kind": "soak", "schema_version": 10, "tool": "perfbench"}`, `kind "soak", which this perfbench does not know (valid kinds: profile, bench, compare, load, cluster, monitor)`},
		{"older schema", `{"kind": "load", "schema_version": 9, "tool": "perfbench"}`, "has results schema 9; this perfbench reads schema 10"},
		{"another tool", `{"kind": "load", "schema_version": 10, "tool": "benchstat"}`, `written by "benchstat"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadHeader("r.json", []byte(tc.doc))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ReadHeader: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("ReadHeader error = %v, want one containing %q", err, tc.wantErr)
			case tc.wantErr != "" && !cmderr.IsBadInput(err):
				t.Fatalf("ReadHeader error %v is not bad input (exit 2)", err)
			}
		})
	}
}

func TestDecodeRefusesAnotherKind(t *testing.T) {
	doc, _ := json.Marshal(NewHeader(Cluster, "cluster", time.Unix(0, 0), machine.Env{}))
	var h Header
	if err := Decode("r.json", doc, Cluster, &h); err != nil || h.Kind != Cluster {
		t.Fatalf("Decode as cluster: %v, kind %q", err, h.Kind)
	}
	err := Decode("r.json", doc, Load, &h)
	if err == nil || !cmderr.IsBadInput(err) || !strings.Contains(err.Error(), "is a cluster run, not a load run") {
		t.Fatalf("Decode as load: %v, want bad input naming both kinds", err)
	}
}
