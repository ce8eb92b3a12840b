package langid

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"spaces only", " \t\n ", ""},
		{"digits and punctuation", "12,5 % — (3)!", ""},
		{"emoji only", "🙂👍🏽🇪🇸", ""},
		{"mixed case", "HeLLo WORLD", " hello world "},
		{"digits split words", "H2O costs 3€", " h o costs "},
		{"punctuation", "Hola, ¿qué tal?", " hola ¿ qué tal "},
		{"inverted exclamation", "¡Vamos!", " ¡ vamos "},
		{"apostrophe inside a word", "don't 'quote' it’s", " don't quote it's "},
		{"NFD accents compose", "cafe\u0301 nin\u0303o", " café niño "},
		{"uncomposable mark stays", "q\u0301", " q\u0301 "},
		{"upper-case accents", "ÁRBOL ÑANDÚ", " árbol ñandú "},
		{"URL and e-mail dropped", "see https://ex.com/a?b=c or www.ex.org, mail a@b.es @handle now", " see or mail now "},
		{"invalid UTF-8 separates", "ab\xffcd \xc3", " ab cd "},
		{"emoji between words", "te quiero❤️mucho", " te quiero mucho "},
		{"RTL and CJK are letters", "שלום 日本語", " שלום 日本語 "},
		{"tabs and newlines", "a\tb\nc", " a b c "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalize(tt.in); got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
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
