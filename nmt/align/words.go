package align

import (
	"unicode"
	"unicode/utf8"
)

// Word is one word of a text, as Segment cuts it.
type Word struct {
	Text      string `json:"text"`       // text[Start:End]
	Start     int    `json:"start"`      // byte offset of the word's first byte
	End       int    `json:"end"`        // byte offset just past its last byte
	CharStart int    `json:"char_start"` // code point offset of its first character
	CharEnd   int    `json:"char_end"`   // code point offset just past its last character
}

// Segment cuts text into words. It never fails and never drops a
// non-space character: every character that is not a separator belongs to
// exactly one word. The rules, in order:
//
//   - Separators (white space, control characters, and format characters
//     such as bidi marks outside a word) end a word and belong to none.
//   - A word is a run of letters and digits (Unicode L and N, and the
//     connector punctuation Pc such as "_"). Combining marks (M), zero-width
//     joiners and non-joiners, variation selectors and emoji modifiers
//     extend whatever precedes them, so decomposed accents stay in place.
//   - An apostrophe (' ’ ʼ) or hyphen (- ‐ ‑) between two letters or digits
//     stays inside the word ("king’s", "Beth-el"); so do "." and ","
//     between two digits ("3.14", "1,000").
//   - Characters of scripts written without spaces (Han, Hiragana,
//     Katakana) are one word each: no dictionary is used.
//   - Any other character (punctuation, symbols, emoji) is a word of its
//     own, together with repeats of the same character ("...", "——") and,
//     for emoji sequences, a zero-width joiner and the character after it.
//   - An invalid UTF-8 byte is a one-byte word of its own.
//
// Byte offsets index text; character offsets count code points, an invalid
// byte counting as one.
func Segment(text string) []Word {
	rs := decodeRunes(text)
	var words []Word
	for k := 0; k < len(rs); {
		c := rs[k].class()
		if c == classSpace {
			k++
			continue
		}
		start := k
		k = rs.wordEnd(k, c)
		words = append(words, Word{
			Text:      text[rs[start].off:rs[k-1].end()],
			Start:     rs[start].off,
			End:       rs[k-1].end(),
			CharStart: start,
			CharEnd:   k,
		})
	}
	return words
}

// charClass is the role a character plays in segmentation.
type charClass uint8

const (
	classSpace     charClass = iota // separates words, belongs to none
	classWord                       // letter, digit, connector punctuation
	classExtend                     // mark, joiner, variation selector, emoji modifier
	classIdeograph                  // one word per character
	classOther                      // punctuation, symbol, invalid byte
)

type runeAt struct {
	r    rune
	off  int // byte offset
	size int // bytes; 1 for an invalid byte
	bad  bool
}

func (ra runeAt) end() int { return ra.off + ra.size }

type runeSeq []runeAt

func decodeRunes(text string) runeSeq {
	rs := make(runeSeq, 0, len(text))
	for off := 0; off < len(text); {
		r, size := utf8.DecodeRuneInString(text[off:])
		rs = append(rs, runeAt{r: r, off: off, size: size, bad: r == utf8.RuneError && size == 1})
		off += size
	}
	return rs
}

func (ra runeAt) class() charClass {
	r := ra.r
	switch {
	case ra.bad:
		return classOther
	case r == zwj || r == zwnj || r == softHyphen || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) ||
		unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Variation_Selector, r) || isEmojiModifier(r):
		return classExtend
	case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) ||
		unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r):
		return classSpace
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
		return classIdeograph
	case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Pc, r):
		return classWord
	}
	return classOther
}

const (
	zwj        = '\u200d'
	zwnj       = '\u200c'
	softHyphen = '\u00ad'
)

func isEmojiModifier(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func isApostropheOrHyphen(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '-', '‐', '‑':
		return true
	}
	return false
}

// wordEnd returns the index just past the word that starts at k with class c.
func (rs runeSeq) wordEnd(k int, c charClass) int {
	first := rs[k]
	k++
	k = rs.skipExtend(k)
	switch c {
	case classWord, classExtend:
		for k < len(rs) {
			switch {
			case rs[k].class() == classWord:
				k = rs.skipExtend(k + 1)
			case rs.joins(k):
				k = rs.skipExtend(k + 2)
			default:
				return k
			}
		}
	case classOther:
		if isRegionalIndicator(first.r) {
			// A flag is a pair of regional indicators.
			if k < len(rs) && isRegionalIndicator(rs[k].r) {
				k = rs.skipExtend(k + 1)
			}
			return k
		}
		for k < len(rs) {
			switch {
			case !first.bad && !rs[k].bad && rs[k].r == first.r:
				k = rs.skipExtend(k + 1)
			case k > 0 && rs[k-1].r == zwj && rs[k].class() == classOther && !rs[k].bad:
				k = rs.skipExtend(k + 1)
			default:
				return k
			}
		}
	}
	return k
}

// skipExtend returns the first index at or after k that does not extend
// the preceding character.
func (rs runeSeq) skipExtend(k int) int {
	for k < len(rs) && rs[k].class() == classExtend {
		k++
	}
	return k
}

// joins reports whether the connector at k glues the word before it to the
// word character after it.
func (rs runeSeq) joins(k int) bool {
	if k+1 >= len(rs) || rs[k+1].class() != classWord {
		return false
	}
	prev := k - 1
	for prev >= 0 && rs[prev].class() == classExtend {
		prev--
	}
	if prev < 0 || rs[prev].class() != classWord {
		return false
	}
	r := rs[k].r
	if isApostropheOrHyphen(r) {
		return true
	}
	if r == '.' || r == ',' {
		return unicode.IsDigit(rs[prev].r) && unicode.IsDigit(rs[k+1].r)
	}
	return false
}

// charOffsets returns, for every code point index c of text (0..n), the
// byte offset where it starts; an invalid byte counts as one code point.
func charOffsets(text string) []int {
	offs := make([]int, 0, len(text)+1)
	for off := 0; off < len(text); {
		_, size := utf8.DecodeRuneInString(text[off:])
		offs = append(offs, off)
		off += size
	}
	return append(offs, len(text))
}
