package command

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input to cluster and node exits 2 with a message naming what is
// valid, before anything is started or written. (The full runs, with node
// processes, are tested in package cluster.)
func TestClusterBadInputExits2(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster", "--nodes", "1", "--out", out}, "invalid --nodes 1: want 2 to 32"},
		{[]string{"cluster", "--opt", "turbo", "--out", out}, "valid: xbatch, tree, all"},
		{[]string{"cluster", "--nats", "nats://127.0.0.1:1", "--out", out}, "cannot reach NATS"},
		{[]string{"cluster", "--fault", "disk:1", "--out", out}, "want node:ID"},
		{[]string{"cluster", "--duration", "2h", "--out", out}, "invalid --duration"},
		{[]string{"node", "--id", "1", "--nats", "nats://127.0.0.1:1"}, "cannot reach NATS"},
		{[]string{"node", "--id", "a.b", "--nats", "nats://127.0.0.1:1"}, "invalid node id"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"perfbench"}, tc.args...), &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(out, "*")); len(matches) > 0 {
		t.Errorf("bad input wrote %v", matches)
	}
}
