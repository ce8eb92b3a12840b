package extract

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// checkBlocks fails unless every block has text, trimmed, single-spaced.
func checkBlocks(t *testing.T, bs []Block) {
	for _, b := range bs {
		if b.Text == "" || strings.TrimSpace(b.Text) != b.Text || strings.Contains(b.Text, "  ") {
			t.Fatalf("block %q is blank, untrimmed or double-spaced", b.Text)
		}
	}
}

func checkPairs(t *testing.T, ps []Pair) {
	for _, p := range ps {
		if p.En == "" || p.Es == "" || p.En == p.Es {
			t.Fatalf("pair %q has an empty side or is untranslated", p)
		}
	}
}

func seed(f *testing.F, paths ...string) {
	for _, p := range paths {
		data, err := os.ReadFile("testdata/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseMO: no panic; a parsed catalog survives WriteMO unchanged, and
// MOPairs has no empty side.
func FuzzParseMO(f *testing.F) {
	seed(f, "es.mo")
	f.Add(WriteMO([]Message{{Context: "c", ID: "a", Plural: "b", Translations: []string{"x", "y"}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := ParseMO(data)
		if err != nil {
			return
		}
		for _, p := range MOPairs(msgs) {
			if p.En == "" || p.Es == "" {
				t.Fatalf("MOPairs gave %q", p)
			}
		}
		again, err := ParseMO(WriteMO(msgs))
		if err != nil || !reflect.DeepEqual(again, msgs) {
			// A context or plural holding the separators cannot round-trip.
			for _, m := range msgs {
				if strings.ContainsAny(m.Context+m.ID, "\x00\x04") {
					return
				}
			}
			t.Fatalf("round trip: %v\n%q\n%q", err, again, msgs)
		}
	})
}

// FuzzBlocks: neither reader panics, blocks are trimmed text, and the
// pairings give no empty or untranslated pair.
func FuzzBlocks(f *testing.F) {
	seed(f, "lo/en-US/text/find.html", "gimp/es/create.html", "mallard/es/mouse.page", "anchors/es/manual.html")
	f.Add([]byte("<p>a<li>b</p></li><pre>c</pre>\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bs, err := HTMLBlocks(bytes.NewReader(data)); err == nil {
			checkBlocks(t, bs)
			checkPairs(t, PairByOrder(bs, bs[:len(bs)/2]))
			checkPairs(t, PairByAnchors(bs, bs[len(bs)/3:]))
		}
		if bs, err := XMLBlocks(bytes.NewReader(data)); err == nil {
			checkBlocks(t, bs)
			checkPairs(t, PairByID(bs, bs))
		}
	})
}

// FuzzDDTP: no panic, no empty or untranslated pair.
func FuzzDDTP(f *testing.F) {
	seed(f, "Translation-en", "Translation-es")
	f.Fuzz(func(t *testing.T, data []byte) {
		en, err1 := ReadTranslation(bytes.NewReader(data), "en")
		es, err2 := ReadTranslation(bytes.NewReader(bytes.ReplaceAll(data, []byte("-en:"), []byte("-es:"))), "es")
		if err1 == nil && err2 == nil {
			checkPairs(t, DDTPPairs(en, es))
		}
	})
}

// FuzzDEP11: no panic, no empty or untranslated pair.
func FuzzDEP11(f *testing.F) {
	seed(f, "Components.yml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if ps, err := DEP11Pairs(bytes.NewReader(data)); err == nil {
			checkPairs(t, ps)
		}
	})
}

// FuzzFreedict: no panic on any index against the fixture's dictionary.
func FuzzFreedict(f *testing.F) {
	seed(f, "freedict.index")
	dict, err := os.ReadFile("testdata/freedict.dict")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, index []byte) {
		if ps, err := FreedictPairs(bytes.NewReader(index), dict); err == nil {
			for _, p := range ps {
				if p.En == "" || p.Es == "" {
					t.Fatalf("pair %q has an empty side", p)
				}
			}
		}
	})
}

// FuzzDetokenizeMoses: single spaces, trimmed, and text without the
// tokenizer's escapes or spaces around punctuation comes back unchanged.
func FuzzDetokenizeMoses(f *testing.F) {
	seed(f, "europarl.en", "europarl.es")
	f.Fuzz(func(t *testing.T, data []byte) {
		s := string(data)
		got := DetokenizeMoses(s)
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Fatalf("DetokenizeMoses(%q) = %q", s, got)
		}
		if plain := strings.Join(strings.Fields(s), " "); !strings.ContainsAny(plain, "&\"'’«»¿¡([)]%,.;:?!…") && got != plain {
			t.Fatalf("DetokenizeMoses(%q) = %q, want it unchanged", plain, got)
		}
	})
}
