package cluster

import "time"

// broadcastModel is the closed-form cost model of one broadcast over links
// that each carry a copy in t (size over bandwidth) with one-way latency
// lat, a node spending hop between receiving a copy and relaying it. The
// j-th copy a node publishes (1-based) has crossed its uplink j·t after
// the node had the broadcast, reaches the receiver's downlink lat later
// and has crossed it t after that (the servers store and forward whole
// messages): arrival(child) = arrival(parent) + hop + j·t + lat + t, with
// no hop at the root (it encodes once on both sides). Fanout k = 0 is the
// direct broadcast, where the root's N−1 copies queue on its uplink. It
// returns when the last of the n nodes has its copy.
//
// Closed forms: direct, T = (N−1)·t + t + lat; a full k-ary tree of depth
// D, T = D·((k+1)·t + lat) + (D−1)·hop, so the tree wins once its depth
// times the k copies per level costs less than the root's N−1.
func broadcastModel(n, k int, t, lat, hop time.Duration) time.Duration {
	at := make([]time.Duration, n)
	var last time.Duration
	for p := 0; p < n; p++ {
		kids := k
		if k == 0 {
			if p > 0 {
				break
			}
			kids = n - 1
		}
		start := at[p]
		if p > 0 {
			start += hop
		}
		for j := 1; j <= kids && p*kids+j < n; j++ {
			c := p*kids + j
			at[c] = start + time.Duration(j)*t + lat + t
			last = max(last, at[c])
		}
	}
	return last
}
