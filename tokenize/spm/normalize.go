package spm

import (
	"strings"
	"unicode/utf8"
)

// spaceSymbol (U+2581 LOWER ONE EIGHTH BLOCK) stands for a space in pieces.
const spaceSymbol = "\u2581"

// normalizer applies a NormalizerSpec: the precompiled rules (longest
// match first), whitespace clean-up, the dummy prefix and the escaping of
// spaces as spaceSymbol. User-defined symbols pass through untouched.
type normalizer struct {
	spec        normalizerSpec
	rules       *charsMap // nil: no rewriting (the "identity" rule)
	userDefined *trie     // nil: no user-defined symbols
	wsAsSuffix  bool      // the dummy space goes at the end instead
}

// normalized is a normalized text with its alignment to the input it came
// from. The input is consumed in chunks (one rule match, one user-defined
// symbol or one character); every output byte belongs to one chunk.
type normalized struct {
	text string
	// start[i] is the input offset where the chunk of text[i] begins;
	// start[len(text)] is the input offset where the text ends.
	start []int
	// end[i] is the input offset where the chunk of text[i] ends. The dummy
	// prefix comes from no input: its chunk is empty.
	end []int
}

// prefix rewrites the start of s: it returns the replacement and how many
// bytes of s it consumed (at least one when s is not empty).
func (n *normalizer) prefix(s string) (string, int) {
	if n.userDefined != nil {
		if l := n.userDefined.longestPrefix(s); l > 0 {
			return s[:l], l
		}
	}
	if n.rules != nil {
		if l, repl := n.rules.longestMatch(s); l > 0 {
			return repl, l
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && size <= 1 {
		// A malformed byte stands for U+FFFD and is consumed alone.
		return "\uFFFD", 1
	}
	return s[:size], size
}

// normalize turns input into the text the segmenter sees. It follows the
// reference implementation step by step:
//
//  1. with remove_extra_whitespaces, chunks that normalize to a single
//     space at the start are dropped;
//  2. the dummy prefix (one escaped space) is added, unless whitespace is
//     treated as a suffix;
//  3. every chunk is rewritten by prefix(); with remove_extra_whitespaces,
//     spaces that follow a chunk ending in a space are dropped; spaces are
//     escaped as spaceSymbol when escape_whitespaces is set;
//  4. with remove_extra_whitespaces, trailing (escaped) spaces are removed;
//  5. with whitespace as suffix, the dummy space is added at the end.
func (n *normalizer) normalize(input string) normalized {
	if input == "" {
		return normalized{start: []int{0}}
	}
	consumed := 0
	if n.spec.removeExtraWhitespaces {
		for consumed < len(input) {
			repl, l := n.prefix(input[consumed:])
			if repl != " " {
				break
			}
			consumed += l
		}
		if consumed == len(input) {
			return normalized{start: []int{consumed}}
		}
	}

	space := " "
	if n.spec.escapeWhitespaces {
		space = spaceSymbol
	}
	var out strings.Builder
	out.Grow(len(input) * 3)
	start := make([]int, 0, len(input)*3+1)
	end := make([]int, 0, len(input)*3)
	emit := func(s string, from, to int) {
		out.WriteString(s)
		for range len(s) {
			start = append(start, from)
			end = append(end, to)
		}
	}

	if !n.wsAsSuffix && n.spec.addDummyPrefix {
		emit(space, consumed, consumed)
	}
	prevSpace := n.spec.removeExtraWhitespaces
	for consumed < len(input) {
		repl, l := n.prefix(input[consumed:])
		if prevSpace {
			repl = strings.TrimLeft(repl, " ")
		}
		if repl != "" {
			for i := 0; i < len(repl); i++ {
				if repl[i] == ' ' && n.spec.escapeWhitespaces {
					emit(spaceSymbol, consumed, consumed+l)
				} else {
					emit(repl[i:i+1], consumed, consumed+l)
				}
			}
			prevSpace = repl[len(repl)-1] == ' '
		}
		consumed += l
		if !n.spec.removeExtraWhitespaces {
			prevSpace = false
		}
	}

	text := out.String()
	if n.spec.removeExtraWhitespaces {
		for strings.HasSuffix(text, space) {
			cut := len(text) - len(space)
			consumed = start[cut]
			text, start, end = text[:cut], start[:cut], end[:cut]
		}
	}
	if n.wsAsSuffix && n.spec.addDummyPrefix {
		out.Reset()
		out.WriteString(text)
		emit(space, consumed, consumed)
		text = out.String()
	}
	start = append(start, consumed)
	return normalized{text: text, start: start, end: end}
}

// span maps the normalized bytes [b, e) back to input offsets. The span
// starts where the chunk of text[b] starts and ends where the next chunk
// starts, so input a rule deleted belongs to the token before it. When e
// falls inside a chunk (a rule's output split between two pieces, as "ﬁ"
// becoming "f" and "i"), the span runs to the end of that chunk, so that
// it never cuts an input character.
func (n *normalized) span(b, e int) (int, int) {
	from, to := n.start[b], n.start[e]
	if e > b && n.end[e-1] > to {
		to = n.end[e-1]
	}
	if to < from {
		to = from
	}
	return from, to
}
