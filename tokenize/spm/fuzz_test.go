package spm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkRoundTrip checks that decoding undoes encoding up to normalization:
// Decode(Encode(text)) is the normalized text with "▁" read as a space and,
// when the model adds a dummy prefix or removes extra whitespace, its first
// "▁" dropped. This holds except in two cases the check skips: a token is
// unknown in a model without byte fallback (it decodes to " ⁇ "), or the
// normalized text starts with two "▁" where the decoder drops leading "▁"
// (how many go then depends on where the pieces break).
func checkRoundTrip(t *testing.T, m *Model, text string) {
	t.Helper()
	toks, err := m.Encode(text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	norm := m.Normalize(text)
	spec := m.norm.spec
	strips := spec.addDummyPrefix || spec.removeExtraWhitespaces
	if strips && strings.HasPrefix(norm, spaceSymbol+spaceSymbol) {
		return
	}
	ids := make([]int, len(toks))
	for i, tk := range toks {
		if m.IsUnknown(tk.ID) {
			return
		}
		ids[i] = tk.ID
	}
	want := norm
	if strips {
		want = strings.TrimPrefix(want, spaceSymbol)
	}
	want = strings.ReplaceAll(want, spaceSymbol, " ")
	if got := m.Decode(ids); got != want {
		t.Fatalf("%q: Decode(Encode) = %q, want %q", text, got, want)
	}
}

func addTextSeeds(f *testing.F) {
	for _, in := range goldenInputs {
		for i, line := range readLines(f, filepath.Join("testdata", in+".txt")) {
			if i < 60 {
				f.Add(line)
			}
		}
	}
	f.Add("ab\x80cd")
}

// FuzzEncode: any input either is refused as invalid UTF-8 or encodes with
// valid spans into pieces that spell the normalized text, and decoding
// gives the normalized text back (see checkRoundTrip).
func FuzzEncode(f *testing.F) {
	addTextSeeds(f)
	models := []*Model{loadTestModel(f, "nfkc"), loadTestModel(f, "bytes"), loadTestModel(f, "symbols")}
	f.Fuzz(func(t *testing.T, text string) {
		for _, m := range models {
			toks, err := m.Encode(text)
			if !utf8.ValidString(text) {
				if err == nil {
					t.Fatalf("invalid UTF-8 %q accepted", text)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			checkTokens(t, m, text, toks)
			checkRoundTrip(t, m, text)
		}
	})
}

// FuzzLoadModel: mutated model files load or fail with an error; a model
// that loads encodes and decodes without panicking.
func FuzzLoadModel(f *testing.F) {
	f.Add(encodeModel(basicPieces(), testSpec{}))
	f.Add(encodeModel(byteTestPieces(), testSpec{byteFallback: true}))
	f.Add(encodeModel(append(basicPieces(), testPiece{"bc", 0, typeUserDefined}), testSpec{keepWhitespace: true, wsAsSuffix: true}))
	b, err := os.ReadFile("testdata/identity.model")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	// A real precompiled map on a small vocabulary: the charsmap is where
	// the loader follows offsets.
	nfkc := loadTestModel(f, "nfkc")
	f.Add(encodeModel(basicPieces(), testSpec{charsMap: nfkc.norm.spec.charsMap}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, text := range []string{"", "abc", " a  b ", "ﬁ Ｘ 日本 é\u0301", "\u2581x\t"} {
			toks, err := m.Encode(text)
			if err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			ids := make([]int, len(toks))
			for i, tk := range toks {
				if tk.Start < 0 || tk.Start > tk.End || tk.End > len(text) {
					t.Fatalf("%q: bad span %+v", text, tk)
				}
				ids[i] = tk.ID
			}
			m.Decode(ids)
		}
	})
}
