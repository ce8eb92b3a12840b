package align

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func wordTexts(ws []Word) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Text)
	}
	return out
}

func TestSegment(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"spaces only", " \t\n\u00a0\u3000", nil},
		{"plain", "In the beginning God created", []string{"In", "the", "beginning", "God", "created"}},
		{"curly possessive", "the king’s house.", []string{"the", "king’s", "house", "."}},
		{"ascii apostrophe", "don't 'quote'", []string{"don't", "'", "quote", "'"}},
		{"hyphenated name", "Beth-el, and Kirjath-jearim;", []string{"Beth-el", ",", "and", "Kirjath-jearim", ";"}},
		{"dangling hyphen", "pre- and -post", []string{"pre", "-", "and", "-", "post"}},
		{"double dash", "well--known", []string{"well", "--", "known"}},
		{"spanish", "¿Qué es esto? ¡Fué así!", []string{"¿", "Qué", "es", "esto", "?", "¡", "Fué", "así", "!"}},
		{"decomposed accent", "Jose\u0301 fue", []string{"Jose\u0301", "fue"}},
		{"leading combining mark", "\u0301a b", []string{"\u0301a", "b"}},
		{"numbers", "3.14 and 1,000. 2:3", []string{"3.14", "and", "1,000", ".", "2", ":", "3"}},
		{"ellipsis", "...wait…", []string{"...", "wait", "…"}},
		{"hebrew with points", "שָׁלוֹם עוֹלָם.", []string{"שָׁלוֹם", "עוֹלָם", "."}},
		{"arabic", "مرحبا بالعالم؟", []string{"مرحبا", "بالعالم", "؟"}},
		{"han", "我爱你。", []string{"我", "爱", "你", "。"}},
		{"kana", "日本語テキスト", []string{"日", "本", "語", "テ", "キ", "ス", "ト"}},
		{"hangul has spaces", "안녕 세계", []string{"안녕", "세계"}},
		{"emoji", "I ❤️ you👍🏽 🇪🇸🇫🇷 👨\u200d👩\u200d👧!", []string{"I", "❤️", "you", "👍🏽", "🇪🇸", "🇫🇷", "👨\u200d👩\u200d👧", "!"}},
		{"keycap", "1️⃣ go", []string{"1️⃣", "go"}},
		{"invalid utf-8", "ab\x80cd \xff\xfe", []string{"ab", "\x80", "cd", "\xff", "\xfe"}},
		{"bidi marks separate", "a\u200eb", []string{"a", "b"}},
		{"zwnj inside word", "می\u200cخواهم", []string{"می\u200cخواهم"}},
		{"underscore", "snake_case x", []string{"snake_case", "x"}},
		{"pilcrow", "¶ And", []string{"¶", "And"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Segment(tt.text)
			if !reflect.DeepEqual(wordTexts(got), tt.want) {
				t.Fatalf("Segment(%q) = %q, want %q", tt.text, wordTexts(got), tt.want)
			}
			checkWords(t, tt.text, got)
		})
	}
}

func TestSegmentSpans(t *testing.T) {
	text := "¿Qué, José?"
	got := Segment(text)
	want := []Word{
		{"¿", 0, 2, 0, 1},
		{"Qué", 2, 6, 1, 4},
		{",", 6, 7, 4, 5},
		{"José", 8, 13, 6, 10},
		{"?", 13, 14, 10, 11},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Segment(%q) =\n%+v\nwant\n%+v", text, got, want)
	}
}

// checkWords verifies the invariants every segmentation keeps: spans
// ordered and matching the text, character offsets consistent with bytes,
// and nothing but separators left between words.
func checkWords(t *testing.T, text string, words []Word) {
	t.Helper()
	offs := charOffsets(text)
	prevEnd := 0
	for i, w := range words {
		if w.Start < prevEnd || w.End <= w.Start || w.End > len(text) {
			t.Fatalf("word %d %q: bad span [%d,%d) after %d", i, w.Text, w.Start, w.End, prevEnd)
		}
		if text[w.Start:w.End] != w.Text {
			t.Fatalf("word %d: text %q, span holds %q", i, w.Text, text[w.Start:w.End])
		}
		if offs[w.CharStart] != w.Start || offs[w.CharEnd] != w.End {
			t.Fatalf("word %d %q: char span [%d,%d) is bytes [%d,%d), want [%d,%d)", i, w.Text, w.CharStart, w.CharEnd, offs[w.CharStart], offs[w.CharEnd], w.Start, w.End)
		}
		for _, ra := range decodeRunes(text[prevEnd:w.Start]) {
			if ra.class() != classSpace {
				t.Fatalf("non-separator %q dropped before word %d", ra.r, i)
			}
		}
		prevEnd = w.End
	}
	for _, ra := range decodeRunes(text[prevEnd:]) {
		if ra.class() != classSpace {
			t.Fatalf("non-separator %q dropped at the end", ra.r)
		}
	}
}

func FuzzSegment(f *testing.F) {
	for _, s := range []string{"", "the king’s house.", "¿Qué?", "ab\x80cd", "👨\u200d👩\u200d👧", "שָׁלוֹם", "3.14", "a-", "-a", "\u0301", "🇪🇸🇫"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		words := Segment(text)
		checkWords(t, text, words)
		if utf8.ValidString(text) {
			if _, err := NewText(text, nil); err != nil {
				t.Fatalf("NewText(%q): %v", text, err)
			}
		}
		// Segmenting the words again, joined by spaces, gives the same words
		// unless a connector or repeat joined across the new space.
		joined := strings.Join(wordTexts(words), " ")
		if again := Segment(joined); len(again) < len(words) {
			t.Fatalf("re-segmenting %q gave %d words, want ≥ %d", joined, len(again), len(words))
		}
	})
}

func TestNewTextTokens(t *testing.T) {
	// A SentencePiece-like segmentation of "¿Qué, José?" with a lone space
	// marker and a piece that straddles a word and a comma.
	text := "¿Qué, José?"
	toks := []Token{
		{ID: 1, Piece: "▁¿", Start: 0, End: 2},
		{ID: 2, Piece: "Qu", Start: 2, End: 4},
		{ID: 3, Piece: "é,", Start: 4, End: 7},
		{ID: 4, Piece: "▁", Start: 7, End: 8},
		{ID: 5, Piece: "José", Start: 8, End: 13},
		{ID: 6, Piece: "?", Start: 13, End: 14},
		{ID: 7, Piece: "", Start: 14, End: 14},
	}
	got, err := NewText(text, toks)
	if err != nil {
		t.Fatal(err)
	}
	wantWord := []int{0, 1, 1, -1, 3, 4, -1}
	wantChars := [][2]int{{0, 1}, {1, 3}, {3, 5}, {5, 6}, {6, 10}, {10, 11}, {11, 11}}
	for i, tok := range got.Tokens {
		if tok.Word != wantWord[i] || tok.CharStart != wantChars[i][0] || tok.CharEnd != wantChars[i][1] {
			t.Errorf("token %d %q: word %d chars [%d,%d), want word %d chars %v", i, tok.Piece, tok.Word, tok.CharStart, tok.CharEnd, wantWord[i], wantChars[i])
		}
	}
	for _, bad := range []struct {
		text string
		toks []Token
	}{
		{"ab\x80", nil},
		{"abc", []Token{{Start: 2, End: 4}}},
		{"abc", []Token{{Start: -1, End: 1}}},
		{"abc", []Token{{Start: 2, End: 1}}},
	} {
		if _, err := NewText(bad.text, bad.toks); err == nil {
			t.Errorf("NewText(%q, %v) succeeded, want an error", bad.text, bad.toks)
		}
	}
}
