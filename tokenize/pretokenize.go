package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// MaxWordBytes caps the length of one pre-tokenized word. A longer run of
// letters (a 10,000-character word, a line of CJK without spaces) is cut at
// character boundaries into pieces of at most this many bytes, each encoded
// on its own. Applying BPE merges is quadratic in the word length in the
// sugarme model; the cap keeps it linear in the text length. The trainer
// cuts words the same way, so training and encoding agree.
const MaxWordBytes = 128

// span is a byte range [start, end) of a string.
type span struct{ start, end int }

// preTokenize splits s into the words that BPE merges never cross, with the
// rules of the GPT-2 pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// tried in that order at each position: English contractions, a run of
// letters, of digits or of other characters, each with at most one leading
// space; a run of whitespace gives back its last character when a word
// follows. Whitespace is Unicode White_Space. Words longer than MaxWordBytes
// are cut (see MaxWordBytes). The spans cover s without gaps, in order.
func preTokenize(s string, dst []span) []span {
	for i := 0; i < len(s); {
		j := wordEnd(s, i)
		dst = appendCapped(dst, s, i, j)
		i = j
	}
	return dst
}

// appendCapped appends [i, j) cut into pieces of at most MaxWordBytes bytes
// at rune boundaries.
func appendCapped(dst []span, s string, i, j int) []span {
	for j-i > MaxWordBytes {
		k := i + MaxWordBytes
		for k > i && !utf8.RuneStart(s[k]) {
			k--
		}
		dst = append(dst, span{i, k})
		i = k
	}
	return append(dst, span{i, j})
}

// charClass groups runes as the pattern sees them.
type charClass uint8

const (
	classLetter charClass = iota
	classNumber
	classSpace
	classOther
)

func classOf(r rune) charClass {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return classLetter
		case '0' <= r && r <= '9':
			return classNumber
		case r == ' ', '\t' <= r && r <= '\r':
			return classSpace
		}
		return classOther
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// runAt returns the class of the rune at i and the end of the run of runes
// of that class starting at i.
func runAt(s string, i int) (charClass, int) {
	r, n := utf8.DecodeRuneInString(s[i:])
	c := classOf(r)
	j := i + n
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if classOf(r) != c {
			break
		}
		j += n
	}
	return c, j
}

// wordEnd returns the end of the word that starts at i (i < len(s)).
func wordEnd(s string, i int) int {
	if s[i] == '\'' {
		if n := contraction(s[i+1:]); n > 0 {
			return i + 1 + n
		}
	}
	if s[i] == ' ' && i+1 < len(s) {
		// " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" with the space.
		if c, j := runAt(s, i+1); c != classSpace {
			return j
		}
	}
	c, j := runAt(s, i)
	if c != classSpace {
		return j
	}
	// "\s+(?!\S)": the whole run at the end of the text, else all but its
	// last character; "\s+" for a single whitespace before a word.
	if j == len(s) {
		return j
	}
	_, last := utf8.DecodeLastRuneInString(s[i:j])
	if j-last > i {
		return j - last
	}
	return j
}

// contraction returns the length of 's, 't, 're, 've, 'm, 'll or 'd after
// the apostrophe (rest is the text after it), or 0.
func contraction(rest string) int {
	if len(rest) >= 2 {
		switch rest[:2] {
		case "re", "ve", "ll":
			return 2
		}
	}
	if len(rest) >= 1 {
		switch rest[0] {
		case 's', 't', 'm', 'd':
			return 1
		}
	}
	return 0
}
