//go:build usermod_prealloc

package usermod

import "strconv"

// Render writes items as a comma-separated line into a buffer sized once
// for numbers of up to eleven characters, so that for those it never grows.
func Render(items []int) []byte {
	buf := make([]byte, 0, len(items)*12)
	for i, v := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(v), 10)
	}
	return buf
}
