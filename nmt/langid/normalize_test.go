package langid

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	want := []struct{ in, out string }{
		{"", ""},                                     // empty
		{" \t\n ", ""},                               // spaces only
		{"12,5 % — (3)!", ""},                        // digits and punctuation
		{"🙂👍🏽🇪🇸", ""},                                // emoji only
		{"HeLLo WORLD", " hello world "},             // mixed case
		{"H2O costs 3€", " h o costs "},              // digits split words
		{"Hola, ¿qué tal?", " hola ¿ qué tal "},      // punctuation
		{"¡Vamos!", " ¡ vamos "},                     // inverted exclamation
		{"don't 'quote' it’s", " don't quote it's "}, // apostrophe inside a word
		{"cafe\u0301 nin\u0303o", " café niño "},     // NFD accents compose
		{"q\u0301", " q\u0301 "},                     // uncomposable mark stays
		{"ÁRBOL ÑANDÚ", " árbol ñandú "},             // upper-case accents
		{"see https://ex.com/a?b=c or www.ex.org, mail a@b.es @handle now", " see or mail now "}, // URL and e-mail dropped
		{"ab\xffcd \xc3", " ab cd "},              // invalid UTF-8 separates
		{"te quiero❤️mucho", " te quiero mucho "}, // emoji between words
		{"שלום 日本語", " שלום 日本語 "},                // RTL and CJK are letters
		{"a\tb\nc", " a b c "},                    // tabs and newlines
	}
	for _, w := range want {
		if got := normalize(w.in); got != w.out {
			t.Errorf("normalize(%q) = %q, want %q", w.in, got, w.out)
		}
	}
}

func TestNormalizeReadsAtMostMaxRunes(t *testing.T) {
	got := normalize(strings.Repeat("palabra ", MaxRunes))
	if n := utf8.RuneCountInString(got); n > MaxRunes+2 {
		t.Errorf("normalized a long text to %d runes, want at most %d", n, MaxRunes+2)
	}
}

func TestEachNGram(t *testing.T) {
	var got []string
	eachNGram(" sí ", 3, func(g string) bool { got = append(got, g); return true })
	want := []string{"s", " s", "í", "sí", " sí", "í ", "sí "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("n-grams of %q = %q, want %q", " sí ", got, want)
	}
}

func TestEachNGramStopsAtARefusal(t *testing.T) {
	var got []string
	eachNGram("abc", 3, func(g string) bool { got = append(got, g); return g != "b" })
	want := []string{"a", "b", "c", "bc", "abc"} // "ab" ends in the refused "b"
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("n-grams = %q, want %q", got, want)
	}
}
