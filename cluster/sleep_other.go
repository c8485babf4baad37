//go:build !linux

package cluster

import "time"

// sleep blocks for d.
func sleep(d time.Duration) { time.Sleep(d) }
