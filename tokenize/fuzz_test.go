package tokenize

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzEncode: no panic; invalid UTF-8 is ErrInvalidUTF8; for valid text the
// spans are valid and cover the text, and Decode gives back NFC(text).
// Decode of arbitrary ids gives valid UTF-8.
func FuzzEncode(f *testing.F) {
	for _, tc := range hardTexts {
		if len(tc.text) < 200 {
			f.Add(tc.text)
		}
	}
	f.Add("ab\x80cd")
	f.Add("\xed\xa0\x80")
	f.Add("e\u0301\u0301\u0327 \u0300x")
	h, _ := sampleTokenizer(f)
	f.Fuzz(func(t *testing.T, text string) {
		toks, err := h.Encode(text)
		if !utf8.ValidString(text) {
			if !errors.Is(err, ErrInvalidUTF8) || toks != nil {
				t.Fatalf("Encode(%q) = %v, %v; want ErrInvalidUTF8", text, toks, err)
			}
		} else {
			if err != nil {
				t.Fatal(err)
			}
			if got := normalizeNFC(text).text; got != norm.NFC.String(text) {
				t.Fatalf("normalizeNFC(%q) = %q, want %q", text, got, norm.NFC.String(text))
			}
			checkTokens(t, h, text, toks)
		}
		ids := make([]int, 0, len(text))
		for i := 0; i+1 < len(text); i += 2 {
			ids = append(ids, int(text[i])<<8|int(text[i+1])-40)
		}
		if s := h.Decode(ids); !utf8.ValidString(s) {
			t.Fatalf("Decode(%v) = %q, not UTF-8", ids, s)
		}
	})
}

// FuzzLoad: Parse never panics (a panic in sugarme would show up as the
// recovered "unreadable" error, which fails here too), and a tokenizer it
// accepts encodes and decodes.
func FuzzLoad(f *testing.F) {
	small, err := TrainBPE([]string{"the earth, la tierra", "the heavens"}, BPEOptions{VocabSize: 270, MinFrequency: 1})
	if err != nil {
		f.Fatal(err)
	}
	data, err := small.JSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"Ġt"`, `["Ġ", "t"]`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"add_prefix_space": true`, `"add_prefix_space": false`, 1)))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}`))
	f.Add([]byte(`{"model": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse(data, "fuzz.json")
		if err != nil {
			if strings.Contains(err.Error(), "unreadable") {
				t.Fatalf("panic inside Parse: %v", err)
			}
			return
		}
		for _, text := range []string{"the earth, ¿la tierra?", " aaa  <pad> 👍🏽", ""} {
			toks, err := h.Encode(text)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int, len(toks))
			for i, tk := range toks {
				ids[i] = tk.ID
				if h.IsSpecial(tk.ID) {
					t.Fatalf("Encode(%q) gives special token %+v", text, tk)
				}
			}
			h.Decode(ids)
		}
	})
}

// FuzzEncodeDropout: no panic; for valid text the spans are valid, cover
// the text and decode to NFC(text), whatever merges were skipped.
func FuzzEncodeDropout(f *testing.F) {
	for _, text := range dropoutTexts {
		f.Add(text, uint8(25), uint64(1))
	}
	f.Add("ab\x80cd", uint8(0), uint64(2))
	h, _ := sampleTokenizer(f)
	f.Fuzz(func(t *testing.T, text string, p uint8, seed uint64) {
		toks, err := h.EncodeDropout(text, float64(p)/255, rand.New(rand.NewPCG(seed, 0)))
		if !utf8.ValidString(text) {
			if !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("EncodeDropout(%q) err = %v, want ErrInvalidUTF8", text, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkTokens(t, h, text, toks)
	})
}
