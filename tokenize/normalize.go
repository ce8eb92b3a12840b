package tokenize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalized is a text after NFC with a way back to the bytes of the
// original. Normalization works on segments (a starter and the combining
// marks that follow it); a segment left unchanged maps byte for byte, a
// changed one maps as a whole: every byte of its normalized form stands for
// the whole original segment. So "e\u0301" (3 bytes) becomes "é" (2 bytes),
// and a token holding that "é" spans all 3 original bytes.
type normalized struct {
	text string
	// start[p], end[p]: the original byte range that normalized byte p
	// stands for. Both nil when text is the original itself.
	start, end []int32
}

// normalizeNFC returns the NFC form of s (valid UTF-8) with its offset map.
func normalizeNFC(s string) normalized {
	if norm.NFC.IsNormalString(s) {
		return normalized{text: s}
	}
	out := make([]byte, 0, len(s)+8)
	start := make([]int32, 0, len(s)+8)
	end := make([]int32, 0, len(s)+8)
	var it norm.Iter
	it.InitString(norm.NFC, s)
	for !it.Done() {
		from := it.Pos()
		seg := it.Next()
		to := it.Pos()
		if string(seg) == s[from:to] {
			for k := from; k < to; k++ {
				start = append(start, int32(k))
				end = append(end, int32(k+1))
			}
		} else {
			for range seg {
				start = append(start, int32(from))
				end = append(end, int32(to))
			}
		}
		out = append(out, seg...)
	}
	return normalized{text: string(out), start: start, end: end}
}

// origSpan maps the normalized byte range [ns, ne) (ne > ns) to the
// original text: first widened to whole characters of the normalized text,
// then to whole changed segments.
func (n *normalized) origSpan(ns, ne int) (int, int) {
	for ns > 0 && !utf8.RuneStart(n.text[ns]) {
		ns--
	}
	for ne < len(n.text) && !utf8.RuneStart(n.text[ne]) {
		ne++
	}
	if n.start == nil {
		return ns, ne
	}
	return int(n.start[ns]), int(n.end[ne-1])
}
