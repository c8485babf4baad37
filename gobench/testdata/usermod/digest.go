// Package usermod is a sample of a user's module with three toggles of the
// kinds perfbench profiles: an environment variable, a build tag and one
// that changes nothing.
package usermod

import (
	"bytes"
	"crypto/sha256"
)

// Digest hashes every record and folds the digests into one. With dedup,
// a record equal to the one before it is not hashed again: its digest is
// the previous one, so the result is the same and only the work differs.
func Digest(records [][]byte, dedup bool) (sum [sha256.Size]byte, hashed int) {
	var prev []byte
	var d [sha256.Size]byte
	for _, r := range records {
		if !dedup || prev == nil || !bytes.Equal(r, prev) {
			d = sha256.Sum256(r)
			hashed++
		}
		for i := range sum {
			sum[i] ^= d[i]
		}
		prev = r
	}
	return sum, hashed
}

// Records makes n distinct records of size bytes, each present twice in a
// row, as a log with retried writes has them.
func Records(n, size int) [][]byte {
	out := make([][]byte, 0, 2*n)
	for i := range n {
		r := make([]byte, size)
		for j := range r {
			r[j] = byte(i*31 + j*7)
		}
		out = append(out, r, r)
	}
	return out
}
