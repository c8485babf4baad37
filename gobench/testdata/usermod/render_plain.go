//go:build !usermod_prealloc

package usermod

import "strconv"

// Render writes items as a comma-separated line, growing the buffer as it
// goes.
func Render(items []int) []byte {
	var buf []byte
	for i, v := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(v), 10)
	}
	return buf
}
