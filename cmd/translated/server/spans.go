package server

import (
	"sort"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// charIndex converts byte offsets of one text into code point offsets.
type charIndex struct {
	starts []int // byte offset of every code point, then len(text)
}

func newCharIndex(text string) charIndex {
	starts := make([]int, 0, len(text)+1)
	for i := range text {
		starts = append(starts, i)
	}
	return charIndex{starts: append(starts, len(text))}
}

// char returns the index of the code point holding byte off (off clamped
// to the text).
func (c charIndex) char(off int) int {
	// the largest k with starts[k] <= off
	k := sort.SearchInts(c.starts, off+1) - 1
	return max(k, 0)
}

// span returns the proto span of bytes [start, end), clamped to the text.
func (c charIndex) span(start, end int) *translatev1.Span {
	n := c.starts[len(c.starts)-1]
	start = min(max(start, 0), n)
	end = min(max(end, start), n)
	cs, ce := c.char(start), c.char(end)
	if c.starts[ce] < end { // end inside a code point: cover all of it
		ce++
	}
	return &translatev1.Span{Start: uint32(cs), End: uint32(ce), ByteStart: uint32(start), ByteEnd: uint32(end)}
}
