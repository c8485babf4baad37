// Package openloop holds what an open-loop generator needs: a pacer that
// sends each operation at its due time, and latency recorded in an
// HdrHistogram from that due time. load and monitor both drive their
// schedules with it, so neither depends on the other.
package openloop
