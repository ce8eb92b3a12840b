package langid

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxRunes is how much of a text Detect reads: the first MaxRunes
// characters of its normalized form. A few paragraphs decide a language
// as well as a book does, and the bound keeps the work per call small.
const MaxRunes = 4096

// normalize returns the text the profiles are counted on: NFC, lower
// case, letters only, words separated by one space and padded by one
// space at each end (" qué hora es "). Digits, punctuation, symbols,
// emoji and invalid bytes separate words; URLs, e-mail addresses and
// @handles are dropped whole; an apostrophe between letters stays
// ("don't"); "¿" and "¡", which only Spanish writes, stand as words of
// their own. It returns "" when the text has no letter.
func normalize(text string) string {
	var b strings.Builder
	b.WriteByte(' ')
	runes, letters := 0, 0
	for _, field := range strings.Fields(norm.NFC.String(text)) {
		if isAddress(field) {
			continue
		}
		runes, letters = appendWords(&b, field, runes, letters)
		if runes >= MaxRunes {
			break
		}
	}
	if letters == 0 {
		return ""
	}
	return b.String()
}

// appendWords writes the words of one whitespace-free field to b, each
// followed by a space, and returns the counts of runes and of letters
// written so far.
func appendWords(b *strings.Builder, field string, runes, letters int) (int, int) {
	inWord := false
	end := func() {
		if inWord {
			b.WriteByte(' ')
			runes++
			inWord = false
		}
	}
	for i, r := range field {
		if runes >= MaxRunes {
			break
		}
		switch {
		case r == utf8.RuneError:
			end()
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
			runes++
			letters++
			inWord = true
		case unicode.Is(unicode.Mn, r) && inWord:
			// A combining mark NFC could not compose stays with its letter.
			b.WriteRune(r)
			runes++
		case isApostrophe(r) && inWord && letterAt(field, i+utf8.RuneLen(r)):
			b.WriteByte('\'')
			runes++
		case r == '¿' || r == '¡':
			end()
			b.WriteRune(r)
			b.WriteByte(' ')
			runes += 2
		default:
			end()
		}
	}
	end()
	return runes, letters
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// letterAt reports whether s has a letter at byte offset i.
func letterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && unicode.IsLetter(r)
}

// isAddress reports whether a whitespace-free field is a URL, an e-mail
// address or an @handle: names, not words of a language.
func isAddress(field string) bool {
	return strings.Contains(field, "://") || strings.Contains(field, "@") ||
		len(field) > 4 && strings.EqualFold(field[:4], "www.")
}
