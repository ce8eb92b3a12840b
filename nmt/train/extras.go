package train

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Two kinds of text in the Reina-Valera 1909 verses have nothing to match
// on the English side of the Bible corpus, so a model trained on them as
// they are learns to invent them:
//
//   - Psalm superscriptions ("Al Músico principal: sobre Neginoth: Salmo de
//     David."), printed inside verse 1 before the chapter's opening word,
//     which the edition sets in capitals ("JEHOVÁ, ¿ quién habitará…");
//     the English modules keep them out of the verse text;
//   - epistle subscriptions after the closing "Amén." ("Escrita de Roma á
//     los Efesios por Tichîco."), which the English verses lack.
//
// TrimBibleExtras cuts both out of every example whose other side has no
// such text, and sets the opening word that followed a superscription in
// ordinary case. It returns how many examples it changed. Only training
// examples should be trimmed: dev and test references stay as printed.
func TrimBibleExtras(ex []Example) int {
	n := 0
	for i := range ex {
		e := &ex[i]
		src, tgt := e.Source, e.Target
		if e.Book == "Ps" {
			src, tgt = trimSuperscription(src), trimSuperscription(tgt)
		}
		src, tgt = trimSubscription(src, tgt), trimSubscription(tgt, src)
		if src != e.Source || tgt != e.Target {
			e.Source, e.Target = src, tgt
			n++
		}
	}
	return n
}

// titleHead matches the words a Psalm title opens with.
var titleHead = regexp.MustCompile(`^(?:Salmo|Al Músico|Masquil|Mictam|Sigaión|Oración|Cántico|Canción|Para|Aleph)\b`)

// trimSuperscription removes a Psalm title from the start of text. The title
// ends at the first ". " or ": " that is followed (after an opening "¡ " or
// "¿ ") by the chapter's first word: a word in capitals, or, after ". ", a
// word in lower case where a corpus builder lower-cased it.
func trimSuperscription(text string) string {
	if !titleHead.MatchString(text) {
		return text
	}
	for i := 0; i+2 < len(text); i++ {
		c := text[i]
		if (c != '.' && c != ':') || text[i+1] != ' ' {
			continue
		}
		rest := text[i+2:]
		mark := ""
		if strings.HasPrefix(rest, "¡ ") || strings.HasPrefix(rest, "¿ ") {
			mark, rest = rest[:len("¡ ")], rest[len("¡ "):]
		}
		word := firstWord(rest)
		if word == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(word)
		capitals := utf8.RuneCountInString(word) > 1 && strings.ToUpper(word) == word
		if capitals || (c == '.' && unicode.IsLower(first)) {
			return mark + sentenceCase(rest)
		}
	}
	return text
}

// sentenceCase writes the first word of s with a capital and, when the whole
// word was in capitals, the rest of it in lower case.
func sentenceCase(s string) string {
	word := firstWord(s)
	if word == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(word)
	tail := word[size:]
	if strings.ToUpper(tail) == tail {
		tail = strings.ToLower(tail)
	}
	return string(unicode.ToUpper(r)) + tail + s[len(word):]
}

// firstWord is the run of letters s starts with ("" when it starts with
// something else).
func firstWord(s string) string {
	if end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }); end >= 0 {
		return s[:end]
	}
	return s
}

// amen matches "Amén." or "Amen." with any closing quotes after it.
var amen = regexp.MustCompile(`\bAm[eé]n\.[”’"]*`)

// trimSubscription cuts what text has after its last "Amén." when other
// ends right after its own "Amen.".
func trimSubscription(text, other string) string {
	if end, ok := afterLastAmen(other); !ok || strings.TrimSpace(other[end:]) != "" {
		return text
	}
	if end, ok := afterLastAmen(text); ok && strings.TrimSpace(text[end:]) != "" {
		return text[:end]
	}
	return text
}

// afterLastAmen is the byte offset just after text's last "Amen." (and its
// closing quotes), if it has one.
func afterLastAmen(text string) (int, bool) {
	locs := amen.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return 0, false
	}
	return locs[len(locs)-1][1], true
}
