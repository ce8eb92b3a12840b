package main

import (
	"sort"
	"strings"
	"unicode"

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

// tokenSpans places the decoded text of each target token in the
// hypothesis text, left to right: a token's text is looked for at the
// current position, then (for detokenizers that move or drop spaces) with
// surrounding spaces trimmed. A token whose text cannot be placed gets an
// empty span at the current position. Spans are byte offsets.
func tokenSpans(text string, pieces []string) [][2]int {
	spans := make([][2]int, len(pieces))
	pos := 0
	for i, p := range pieces {
		switch {
		case p != "" && strings.HasPrefix(text[pos:], p):
			spans[i] = [2]int{pos, pos + len(p)}
		default:
			t := strings.TrimSpace(p)
			rest := strings.TrimLeftFunc(text[pos:], unicode.IsSpace)
			at := len(text) - len(rest)
			if t != "" && strings.HasPrefix(rest, t) {
				spans[i] = [2]int{at, at + len(t)}
			} else {
				spans[i] = [2]int{pos, pos}
			}
		}
		pos = spans[i][1]
	}
	return spans
}
