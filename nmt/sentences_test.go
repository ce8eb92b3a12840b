package nmt

import (
	"testing"
	"unicode/utf8"
)

func TestSplitSentences(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"   \n\t ", nil},
		{"Hello world", []string{"Hello world"}},
		{"  Hello world.  ", []string{"Hello world."}},
		{"Jesus wept. Then he said: \"Come.\" They came!", []string{"Jesus wept.", "Then he said: \"Come.\"", "They came!"}},
		{"¿Dónde está? ¡Aquí! Bien.", []string{"¿Dónde está?", "¡Aquí!", "Bien."}},
		{"It costs 3.50 dollars. J. Smith paid.", []string{"It costs 3.50 dollars.", "J. Smith paid."}},
		{"apples, pears, etc. and plums", []string{"apples, pears, etc. and plums"}},
		{"line one\nline two\r\n\nline three", []string{"line one", "line two", "line three"}},
		{"Wait... (really?) Yes.", []string{"Wait...", "(really?)", "Yes."}},
		{"He said so.) Next one.", []string{"He said so.)", "Next one."}},
		{"第一句。第二句。", []string{"第一句。第二句。"}},
		{"שלום. עולם.", []string{"שלום.", "עולם."}},
	}
	for _, c := range cases {
		checkSpans(t, c.text, splitSentences(c.text), c.want)
	}
}

func TestSplitLines(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"", nil},
		{" \n\r\n ", nil},
		{"Jesus wept. Then he said: \"Come.\"", []string{"Jesus wept. Then he said: \"Come.\""}},
		{"  one. two.  \r\n\n\tthree ", []string{"one. two.", "three"}},
		{"a\u2029b\rc", []string{"a", "b", "c"}},
	}
	for _, c := range cases {
		checkSpans(t, c.text, splitLines(c.text), c.want)
		checkSpans(t, c.text, segment(c.text, true), c.want)
	}
}

// checkSpans compares the texts of spans got with want.
func checkSpans(t *testing.T, text string, got []span, want []string) {
	t.Helper()
	var texts []string
	for _, s := range got {
		texts = append(texts, text[s.Start:s.End])
	}
	if len(texts) != len(want) {
		t.Errorf("%q: got %q, want %q", text, texts, want)
		return
	}
	for i := range texts {
		if texts[i] != want[i] {
			t.Errorf("%q: span %d = %q, want %q", text, i, texts[i], want[i])
		}
	}
}

func FuzzSplitSentences(f *testing.F) {
	for _, s := range []string{"A. B. C.", "¿Qué? ¡No!", "x\n\ny", "\xff. \xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkFuzzSpans(t, text, splitSentences(text))
		checkFuzzSpans(t, text, splitLines(text))
	})
}

// checkFuzzSpans checks that spans are ordered, not empty, inside text and
// cut no character of valid UTF-8.
func checkFuzzSpans(t *testing.T, text string, spans []span) {
	t.Helper()
	prev := 0
	for _, s := range spans {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("bad span %v after %d in %q", s, prev, text)
		}
		if utf8.ValidString(text) && !utf8.ValidString(text[s.Start:s.End]) {
			t.Fatalf("span %v cuts a character in %q", s, text)
		}
		prev = s.End
	}
}
