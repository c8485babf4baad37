package usermod

import (
	"os"
	"testing"
)

// BenchmarkFragile panics on the on side (USERMOD_BREAK=1): the runner must
// name the side and the benchmark.
func BenchmarkFragile(b *testing.B) {
	if os.Getenv("USERMOD_BREAK") == "1" {
		panic("usermod: broken on purpose")
	}
	for b.Loop() {
	}
}
