package tokenize

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

var dropoutTexts = []string{
	"In the beginning God created the heaven and the earth.",
	"Y dijo Dios: Sea la luz: y fué la luz.",
	"  ¿Dónde está? ¡Aquí!\n\tJehová es mi pastor; nada me faltará.",
	"e\u0301\u0301 naïve café 你好 👩‍👩‍👧",
	"",
}

// TestEncodeDropoutEnds: p = 0 is Encode, and p = 1 leaves every word in
// its byte-level symbols.
func TestEncodeDropoutEnds(t *testing.T) {
	h, _ := sampleTokenizer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, text := range dropoutTexts {
		want, err := h.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.EncodeDropout(text, 0, rng)
		if err != nil {
			t.Fatal(err)
		}
		if !sameIDs(got, want) {
			t.Errorf("p = 0: %q gives %v, Encode %v", text, pieces(got), pieces(want))
		}
		bytes, err := h.EncodeDropout(text, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkTokens(t, h, text, bytes)
		for _, tk := range bytes {
			if utf8.RuneCountInString(tk.Piece) != 1 {
				t.Errorf("p = 1: %q has the merged piece %q", text, tk.Piece)
			}
		}
	}
}

// TestEncodeDropoutVaries: at p = 0.1 the text comes back whatever the
// segmentation; segmentations differ from run to run and are never
// coarser than Encode's, and the same seed gives the same tokens.
func TestEncodeDropoutVaries(t *testing.T) {
	h, _ := sampleTokenizer(t)
	text := strings.Join(dropoutTexts, " ")
	want, err := h.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	finer := 0
	for seed := uint64(0); seed < 20; seed++ {
		got, err := h.EncodeDropout(text, 0.1, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		checkTokens(t, h, text, got)
		if len(got) < len(want) {
			t.Errorf("seed %d: %d tokens, fewer than Encode's %d", seed, len(got), len(want))
		}
		if len(got) > len(want) {
			finer++
		}
		seen[strings.Join(pieces(got), " ")] = true
		again, _ := h.EncodeDropout(text, 0.1, rand.New(rand.NewPCG(seed, 0)))
		if !sameIDs(again, got) {
			t.Errorf("seed %d: two encodings differ", seed)
		}
	}
	if len(seen) < 10 || finer < 10 {
		t.Errorf("20 seeds gave %d segmentations, %d finer than Encode's", len(seen), finer)
	}
	// Encode's cache is untouched by dropout.
	if after, _ := h.Encode(text); !sameIDs(after, want) {
		t.Error("Encode changed after EncodeDropout")
	}
}

func TestEncodeDropoutErrors(t *testing.T) {
	h, _ := sampleTokenizer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range []float64{-0.1, 1.5} {
		if _, err := h.EncodeDropout("x", p, rng); err == nil || !strings.Contains(err.Error(), "between 0 and 1") {
			t.Errorf("p = %g: err = %v", p, err)
		}
	}
	if _, err := h.EncodeDropout("bad \xff", 0.1, rng); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func sameIDs(a, b []Token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Start != b[i].Start || a[i].End != b[i].End {
			return false
		}
	}
	return true
}

func pieces(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Piece
	}
	return out
}
