package langid

import (
	"math"
	"strings"
	"testing"
)

// checkGuesses fails unless guesses is empty or holds n languages once
// each, best first, with confidences in [0, 1] adding up to 1.
func checkGuesses(t *testing.T, guesses []Guess, n int) {
	t.Helper()
	if len(guesses) == 0 {
		return
	}
	if len(guesses) != n {
		t.Fatalf("%d guesses, want %d: %v", len(guesses), n, guesses)
	}
	seen := map[string]bool{}
	sum := 0.0
	for i, g := range guesses {
		if seen[g.Lang] {
			t.Fatalf("language %q guessed twice: %v", g.Lang, guesses)
		}
		seen[g.Lang] = true
		if !(g.Confidence >= 0 && g.Confidence <= 1) {
			t.Fatalf("confidence %v outside [0, 1]: %v", g.Confidence, guesses)
		}
		if i > 0 && g.Confidence > guesses[i-1].Confidence {
			t.Fatalf("guesses not best first: %v", guesses)
		}
		sum += g.Confidence
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("confidences add up to %v, want 1: %v", sum, guesses)
	}
}

func TestDetect(t *testing.T) {
	texts := map[string][]string{ // language → texts in it
		"en": {
			"Where is the station?",
			"I DO NOT WANT TO GO",                            // all capitals
			"Write to info@ejemplo.es before Monday",         // a Spanish address
			"The \xff\xfe weather is nice to\xc3day",         // invalid UTF-8
			"It’s what we’ve always wanted",                  // curly apostrophes
			"Ok, thanks!! 👍👍 See you at 8:30 p.m. (room 2B)", // emoji, times
			strings.Repeat("The committee approved the proposal after a long debate about its cost. ", 40),
		},
		"es": {
			"¿Dónde está la estación?",
			"donde esta la estacion",                                         // no accents, no ¿
			"NO QUIERO IR A LA ESCUELA",                                      // all capitals
			"El nin\u0303o comio\u0301 pan",                                  // decomposed accents (NFD)
			"Tengo 3 gatos y 2 perros de 10 kg",                              // digits and units
			"Mira esto 😂 https://example.com/the/english/words que gracioso", // URL, emoji
			"Mi amigo escribe 日本語 y עברית muy bien",                          // other scripts
			strings.Repeat("La comisión aprobó la propuesta después de un largo debate sobre su coste. ", 40),
		},
	}
	id := Default()
	for want, list := range texts {
		for _, text := range list {
			got := id.Detect(text)
			checkGuesses(t, got, len(id.Languages()))
			if len(got) == 0 || got[0].Lang != want {
				t.Errorf("Detect(%q) = %v, want %s first", text, got, want)
			}
		}
	}
}

func TestDetectWithoutEvidence(t *testing.T) {
	for _, text := range []string{"", "   ", "12345", "3.14 + 2 = 5.14", "🙂🙂🙂", "https://example.com/x", "\xff\xfe\xfd", "!!!¿?", "日本語です"} {
		if got := Default().Detect(text); got != nil {
			t.Errorf("Detect(%q) = %v, want nil (nothing to go on)", text, got)
		}
	}
}

func TestDetectCandidates(t *testing.T) {
	id := Default()
	tests := []struct {
		name       string
		candidates []string
		want       []string // languages in the answer, best first
	}{
		{"all by default", nil, []string{"es", "en"}},
		{"both", []string{"en", "es"}, []string{"es", "en"}},
		{"repeated", []string{"es", "en", "es"}, []string{"es", "en"}},
		{"only the wrong one", []string{"en"}, []string{"en"}},
		{"unknown ones left out", []string{"fr", "es", "zz"}, []string{"es"}},
		{"none known", []string{"fr", "de"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := id.Detect("Buenos días a todos", tt.candidates...)
			checkGuesses(t, got, len(tt.want))
			var langs []string
			for _, g := range got {
				langs = append(langs, g.Lang)
			}
			if strings.Join(langs, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Detect among %v = %v, want %v", tt.candidates, got, tt.want)
			}
			if len(got) == 1 && got[0].Confidence != 1 {
				t.Errorf("a lone candidate has confidence %v, want 1", got[0].Confidence)
			}
		})
	}
}

func TestConfidenceGrowsWithEvidence(t *testing.T) {
	id := Default()
	short := id.Detect("casa")[0]
	long := id.Detect("La casa de mis padres está cerca del río y tiene un jardín muy grande.")[0]
	if short.Lang != "es" || long.Lang != "es" || !(long.Confidence > short.Confidence) || long.Confidence < 0.99 {
		t.Errorf("one word: %v; a sentence: %v; want Spanish, surer with the sentence", short, long)
	}
}

func TestLanguagesIsACopy(t *testing.T) {
	id := Default()
	langs := id.Languages()
	langs[0] = "xx"
	if id.Languages()[0] == "xx" || id.Knows("xx") {
		t.Error("changing the slice Languages returned changed the Identifier")
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "Hola, ¿qué tal?", "The end.", "\xff\xfe", "🙂 a", "e\u0301\u0301\u0301", "don't'''", "¿¡¿¡", strings.Repeat("ab ", 3000)} {
		f.Add(s, "en,es")
	}
	f.Add("hola", "")
	f.Add("hola", "fr,,es")
	id := Default()
	f.Fuzz(func(t *testing.T, text, candidates string) {
		var cands []string
		if candidates != "" {
			cands = strings.Split(candidates, ",")
		}
		got := id.Detect(text, cands...)
		want := len(id.columns(cands))
		checkGuesses(t, got, want)
	})
}

// TestDetectConcurrently shares one Identifier between goroutines (run
// with -race).
func TestDetectConcurrently(t *testing.T) {
	id := Default()
	done := make(chan []Guess)
	for _, text := range []string{"Buenas noches", "Good night", "¿Qué hora es?", "What time is it?"} {
		go func() { done <- id.Detect(text, "en", "es") }()
	}
	for range 4 {
		if g := <-done; len(g) != 2 {
			t.Errorf("Detect = %v, want two guesses", g)
		}
	}
}
