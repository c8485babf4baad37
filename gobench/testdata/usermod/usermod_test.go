package usermod

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

// BenchmarkDigest reads its toggle from USERMOD_DEDUP.
func BenchmarkDigest(b *testing.B) {
	dedup := os.Getenv("USERMOD_DEDUP") == "1"
	recs := Records(64, 4096)
	hashed := 0
	for b.Loop() {
		_, n := Digest(recs, dedup)
		hashed += n
	}
	b.ReportMetric(float64(hashed)/float64(b.N), "hashes/op")
}

// BenchmarkRender's toggle is the usermod_prealloc build tag.
func BenchmarkRender(b *testing.B) {
	items := make([]int, 256)
	for i := range items {
		items[i] = i * 7919
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(items)
	}
}

// BenchmarkSort has no toggle: USERMOD_NOOP is read by nothing.
func BenchmarkSort(b *testing.B) {
	src := make([]int, 4096)
	for i := range src {
		src[i] = (i * 2654435761) % 10007
	}
	dst := make([]int, len(src))
	for b.Loop() {
		copy(dst, src)
		slices.Sort(dst)
	}
}

func TestDigestSameEitherWay(t *testing.T) {
	recs := Records(8, 64)
	a, na := Digest(recs, false)
	b, nb := Digest(recs, true)
	if a != b || na != 16 || nb != 8 {
		t.Fatalf("dedup changed the digest or the count: %x %d, %x %d", a, na, b, nb)
	}
}

func TestRender(t *testing.T) {
	if got := Render([]int{1, -2, 30}); !bytes.Equal(got, []byte("1,-2,30")) {
		t.Fatalf("Render = %q", got)
	}
}
