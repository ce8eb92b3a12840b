package nmt

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a byte range [Start, End) of a text.
type span struct{ Start, End int }

// segment cuts text into the units translated one by one: its lines when
// wholeLines, else its sentences.
func segment(text string, wholeLines bool) []span {
	if wholeLines {
		return splitLines(text)
	}
	return splitSentences(text)
}

// splitLines returns the byte spans of the lines of text that are not blank,
// leading and trailing white space excluded. Lines end at '\n', '\r' and
// U+2029, as in splitSentences.
func splitLines(text string) []span {
	var out []span
	start := 0
	for i, r := range text + "\n" {
		if r != '\n' && r != '\r' && r != '\u2029' {
			continue
		}
		if line := text[start:min(i, len(text))]; strings.TrimSpace(line) != "" {
			a := start + len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
			b := start + len(strings.TrimRightFunc(line, unicode.IsSpace))
			out = append(out, span{a, b})
		}
		start = i + utf8.RuneLen(r)
	}
	return out
}

// splitSentences cuts text into sentences and returns their byte spans,
// leading and trailing white space excluded. A sentence ends at a line break,
// or after '.', '!', '?' or '…' (with any closing quotes and brackets that
// follow) when white space and then a letter, digit, opening quote, '¿' or
// '¡' comes next. A full stop after a single capital letter ("J. Smith") does
// not end a sentence. Text with no such boundary is one sentence; a text of
// only white space has none.
func splitSentences(text string) []span {
	var out []span
	start := -1 // start of the current sentence, -1 between sentences
	lastEnd := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n' || r == '\r' || r == '\u2029':
			if start >= 0 {
				out = append(out, span{start, lastEnd})
				start = -1
			}
		case unicode.IsSpace(r):
		default:
			if start < 0 {
				start = i
			}
			lastEnd = i + size
			if isTerminal(r) {
				j := skipClosers(text, i+size)
				lastEnd = j
				if endsSentence(text, start, i, j) {
					out = append(out, span{start, j})
					start = -1
				}
				i = j
				continue
			}
		}
		i += size
	}
	if start >= 0 {
		out = append(out, span{start, lastEnd})
	}
	return out
}

func isTerminal(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '…' || r == '。' }

// skipClosers returns the index after any closing quotes or brackets at i.
func skipClosers(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isTerminal(r) && !unicode.In(r, unicode.Pe, unicode.Pf) && r != '"' && r != '\'' {
			return i
		}
		i += size
	}
	return i
}

// endsSentence decides whether the terminal at term (with closers up to
// after) ends the sentence that began at start.
func endsSentence(text string, start, term, after int) bool {
	if after == len(text) {
		return false // the end of the text closes the sentence anyway
	}
	r, size := utf8.DecodeRuneInString(text[after:])
	if !unicode.IsSpace(r) {
		return false // "3.14", "e.g.x"
	}
	j := after + size
	for j < len(text) {
		r, size = utf8.DecodeRuneInString(text[j:])
		if !unicode.IsSpace(r) || r == '\n' {
			break
		}
		j += size
	}
	if j == len(text) || r == '\n' {
		return false // trailing space or a line break: handled by the caller
	}
	if !(unicode.IsUpper(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Ps, unicode.Pi) || r == '¿' || r == '¡' || r == '"' || r == '\'' || unicode.Is(unicode.Lo, r)) {
		return false // "etc. and so on" continues the sentence
	}
	if text[term] == '.' && term-start == 1 || (term >= 2 && text[term] == '.' && text[term-2] == ' ' && unicode.IsUpper(rune(text[term-1]))) {
		return false // an initial: "J. Smith"
	}
	return true
}
