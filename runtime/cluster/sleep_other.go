//go:build !linux

package cluster

import "time"

// sleepUntil blocks until the Unix time t (ns).
func sleepUntil(t int64) { time.Sleep(time.Until(time.Unix(0, t))) }
