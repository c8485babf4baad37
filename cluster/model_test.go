package cluster

import (
	"testing"
	"time"
)

// The model against the closed forms, and by hand where the tree is not
// full: with t = 1, lat = 0, hop = 0, a ternary tree of 8 reaches node 6
// (the third child of node 1) at 2 + 4 = 6, against 8 direct.
func TestBroadcastModel(t *testing.T) {
	const u = time.Microsecond
	for _, c := range []struct {
		n, k        int
		t, lat, hop time.Duration
		want        time.Duration
	}{
		{2, 0, u, 0, 0, 2 * u},
		{4, 0, u, 10 * u, 0, 4*u + 10*u},
		{32, 0, u, 0, 0, 32 * u},
		{4, 3, u, 0, 0, 4 * u},                        // flat: the root's three copies, as direct
		{8, 3, u, 0, 0, 6 * u},                        // 2 to node 1, then 4 more to node 6
		{13, 3, u, 10 * u, 5 * u, 2*(4*u+10*u) + 5*u}, // full, depth 2: D((k+1)t+lat) + (D−1)hop
		{40, 3, u, 10 * u, 5 * u, 3*(4*u+10*u) + 2*5*u},
		{4, 1, u, 0, 3 * u, 3*2*u + 2*3*u}, // a chain: 2t per link, hop at each relay
	} {
		if got := broadcastModel(c.n, c.k, c.t, c.lat, c.hop); got != c.want {
			t.Errorf("n=%d k=%d t=%v lat=%v hop=%v: %v, want %v", c.n, c.k, c.t, c.lat, c.hop, got, c.want)
		}
	}
}
