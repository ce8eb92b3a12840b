package nmt

import (
	"strings"
	"unicode/utf8"
)

// Marks that take no space on their inner side: an opening mark is
// written against the word after it ("¿Dónde", "(see"), a closing mark
// against the word before it ("end)", "«así»"). closerOf maps each
// closing mark to the opening mark it ends; a question or exclamation
// mark closes a Spanish ¿ or ¡.
var closerOf = map[rune]rune{')': '(', ']': '[', '»': '«', '”': '“', '’': '‘', '?': '¿', '!': '¡'}

// alwaysOpen are the opening marks that never follow a word: Spanish's
// inverted question and exclamation marks.
const alwaysOpen = "¿¡"

// tidySpacing removes the spaces a model puts on the inner side of
// punctuation: after ¿ ¡ « “ ‘ ( [ and before » ” ’ ) ], and before the ?
// or ! that ends a ¿ or ¡. The shipped
// models learned "¿ Dónde está...?" from the Reina-Valera 1909, whose
// SWORD text spaces its inverted marks; tidySpacing makes it "¿Dónde está...?".
//
// Text where a space is right is left alone. A bracket or quote opens only
// at the start of the text or after a space, a dash, another opening mark
// or a straight quote (so ":(" in "sad :( but" stays as it is), and a
// closing mark loses the space before it only while a mark of its kind is
// open (so "1) one 2) two" and "rock ’n’ roll" keep theirs). Only
// U+0020 spaces are removed, never line breaks.
//
// The decision for every space depends only on the text before it and on
// the mark right after it, so the tidied text of a prefix is a prefix of
// the tidied whole text once its trailing spaces are held back
// (pieceWriter relies on that to stream).
func tidySpacing(s string) string {
	if !strings.ContainsAny(s, "¿¡«“‘([") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	open := map[rune]int{}
	prev := ' ' // the rune before the current one; a text starts as after a space
	afterOpener := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == ' ' && afterOpener:
			i += n
			continue // drop the space after an opening mark
		case r == ' ':
			// A run of spaces: drop it if a closing mark whose opener is
			// open comes next and a word comes before.
			j := i
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if next, _ := utf8.DecodeRuneInString(s[j:]); j < len(s) && prev != ' ' && open[closerOf[next]] > 0 && closerOf[next] != 0 {
				i = j
				continue
			}
			b.WriteString(s[i:j])
			i, prev, afterOpener = j, ' ', false
			continue
		}
		afterOpener = false
		switch {
		case strings.ContainsRune(alwaysOpen, r):
			afterOpener = true
			open[r]++
		case strings.ContainsRune("«“‘([", r) && opensAfter(prev):
			afterOpener = true
			open[r]++
		case closerOf[r] != 0 && open[closerOf[r]] > 0:
			open[closerOf[r]]--
		}
		b.WriteString(s[i : i+n])
		i += n
		prev = r
	}
	return b.String()
}

// opensAfter reports whether a bracket or quote after prev is an opening
// one: after white space, a dash, a straight quote or another opening mark.
func opensAfter(prev rune) bool {
	return prev == ' ' || prev == '\n' || prev == '\t' || strings.ContainsRune("—–-\"'¿¡«“‘([", prev)
}
