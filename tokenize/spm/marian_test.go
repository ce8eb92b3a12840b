package spm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testMarian pairs nfkc.model (source) and nfkccf.model (target) with
// testdata/marian.vocab.json, made by scripts/spm/make_testdata.sh: </s> 0,
// <unk> 1, the pieces of both models minus every 10th, >>eng<<, >>spa<<,
// <pad> last.
func testMarian(t testing.TB) (*Marian, map[string]int) {
	t.Helper()
	b, err := os.ReadFile("testdata/marian.vocab.json")
	if err != nil {
		t.Fatal(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(b, &vocab); err != nil {
		t.Fatal(err)
	}
	m, err := NewMarian(loadTestModel(t, "nfkc"), loadTestModel(t, "nfkccf"), b)
	if err != nil {
		t.Fatal(err)
	}
	return m, vocab
}

// The ids of Marian.Encode are the spm_encode pieces (hard.nfkc.piece)
// looked up in vocab.json, <unk> for the missing ones.
func TestMarianEncodeGolden(t *testing.T) {
	m, vocab := testMarian(t)
	src := loadTestModel(t, "nfkc")
	input := readLines(t, "testdata/hard.txt")
	golden := readLines(t, "testdata/hard.nfkc.piece")
	unknown := 0
	for i, line := range input {
		toks, err := m.Encode(line)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := src.Encode(line)
		var want []string
		if golden[i] != "" {
			want = strings.Split(golden[i], " ")
		}
		if len(toks) != len(want) || len(plain) != len(want) {
			t.Fatalf("line %d: %d tokens, want %d", i+1, len(toks), len(want))
		}
		for j, tk := range toks {
			id, ok := vocab[want[j]]
			if !ok {
				id = 1
				unknown++
			}
			if tk.ID != id || tk.Piece != want[j] || tk.Start != plain[j].Start || tk.End != plain[j].End {
				t.Errorf("line %d token %d: got %+v, want id %d piece %q span [%d,%d)", i+1, j, tk, id, want[j], plain[j].Start, plain[j].End)
			}
		}
	}
	if unknown == 0 {
		t.Error("no piece missing from vocab.json: the <unk> path went untested")
	}
}

func TestMarianLanguages(t *testing.T) {
	m, vocab := testMarian(t)
	if got := m.Languages(); !reflect.DeepEqual(got, []string{"eng", "spa"}) {
		t.Errorf("Languages = %v", got)
	}
	dios := vocab["▁Dios"]
	toks, err := m.EncodeFor("spa", "Dios")
	if err != nil {
		t.Fatal(err)
	}
	want := []tok{{ID: vocab[">>spa<<"], Piece: ">>spa<<"}, {ID: dios, Piece: "▁Dios", Start: 0, End: 4}}
	if !reflect.DeepEqual(toks, want) {
		t.Errorf("EncodeFor(spa) = %v, want %v", toks, want)
	}
	if toks, err = m.EncodeFor(">>eng<<", "Dios"); err != nil || toks[0].ID != vocab[">>eng<<"] {
		t.Errorf("EncodeFor(>>eng<<) = %v, %v", toks, err)
	}
	if _, err := m.EncodeFor("fra", "Dios"); err == nil || !strings.Contains(err.Error(), ">>fra<<") {
		t.Errorf("EncodeFor(fra): error %v", err)
	}
	// A language token typed at the start is one token over its bytes.
	toks, err = m.Encode(">>spa<< Dios")
	want = []tok{{ID: vocab[">>spa<<"], Piece: ">>spa<<", Start: 0, End: 7}, {ID: dios, Piece: "▁Dios", Start: 8, End: 12}}
	if err != nil || !reflect.DeepEqual(toks, want) {
		t.Errorf("Encode(>>spa<< Dios) = %v, %v; want %v", toks, err, want)
	}
	// One the vocabulary lacks is text.
	toks, err = m.Encode(">>fra<< Dios")
	if err != nil || len(toks) < 3 || toks[0].Piece == ">>fra<<" || toks[len(toks)-1].Piece != "▁Dios" {
		t.Errorf("Encode(>>fra<< Dios) = %v, %v", toks, err)
	}
}

func TestMarianDecode(t *testing.T) {
	m, vocab := testMarian(t)
	ids := func(pieces ...string) []int {
		var out []int
		for _, p := range pieces {
			id, ok := vocab[p]
			if !ok {
				t.Fatalf("%q is not in vocab.json", p)
			}
			out = append(out, id)
		}
		return out
	}
	// A piece of vocab.json that target.spm (nfkccf) does not have: the
	// target model copies it as it is, "▁" included.
	var foreign string
	for p := range vocab {
		if _, ok := m.target.ID(p); !ok && strings.HasPrefix(p, "▁") && len(p) > len("▁") && !isLanguageToken(p) {
			foreign = p
			break
		}
	}
	if foreign == "" {
		t.Fatal("every vocab.json piece is in target.spm")
	}
	cases := []struct {
		ids  []int
		want string
	}{
		{ids("▁Dios", "</s>", "<pad>"), "Dios"},
		{ids(">>spa<<", "▁Y", "▁Dios", "<unk>", "</s>"), "Y Dios"},
		{ids("▁Y", foreign), "Y " + strings.TrimPrefix(foreign, "▁")},
		{append(ids("▁Dios"), -1, 5000), "Dios"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := m.Decode(c.ids); got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
	if m.EOSID() != 0 || m.UnkID() != 1 || m.PadID() != vocab["<pad>"] || m.VocabSize() != len(vocab) {
		t.Errorf("eos %d unk %d pad %d size %d", m.EOSID(), m.UnkID(), m.PadID(), m.VocabSize())
	}
	if id, ok := m.ID("▁Dios"); !ok || m.Piece(id) != "▁Dios" || m.Piece(-1) != "" || m.Piece(len(vocab)) != "" {
		t.Errorf("ID/Piece disagree: %d %v", id, ok)
	}
}

func TestMarianEncodeTarget(t *testing.T) {
	m, vocab := testMarian(t)
	target := loadTestModel(t, "nfkccf")
	text := "Y dijo Dios: Sea la luz."
	toks, err := m.EncodeTarget(text)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := target.Encode(text)
	if len(toks) != len(plain) {
		t.Fatalf("%d tokens, target.spm gives %d", len(toks), len(plain))
	}
	for i, tk := range toks {
		id, ok := vocab[plain[i].Piece]
		if !ok {
			id = 1
		}
		if tk.ID != id || tk.Piece != plain[i].Piece {
			t.Errorf("token %d: %+v, want id %d piece %q", i, tk, id, plain[i].Piece)
		}
	}
}

func TestNewMarianErrors(t *testing.T) {
	src := loadTestModel(t, "nfkc")
	cases := []struct{ vocab, want string }{
		{`["a"]`, "not an object"},
		{`{"</s>": 0}`, "no <unk>"},
		{`{"<unk>": 0}`, "no </s>"},
		{`{"</s>": 0, "<unk>": 0}`, "both"},
		{`{"</s>": 0, "<unk>": -1}`, "outside"},
		{`{"</s>": 0, "<unk>": 1.5}`, "not an object"},
	}
	for _, c := range cases {
		_, err := NewMarian(src, src, []byte(c.vocab))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.vocab, err, c.want)
		}
	}
	if _, err := NewMarian(nil, src, []byte(`{"</s>": 0, "<unk>": 1}`)); err == nil {
		t.Error("a nil model was accepted")
	}
}

func TestLoadMarian(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("testdata/nfkc.model", "source.spm")
	copyFile("testdata/identity.model", "target.spm")
	copyFile("testdata/marian.vocab.json", "vocab.json")
	m, err := LoadMarian(dir)
	if err != nil {
		t.Fatal(err)
	}
	if toks, err := m.Encode("Dios"); err != nil || len(toks) != 1 || toks[0].Piece != "▁Dios" {
		t.Errorf("Encode(Dios) = %v, %v", toks, err)
	}
	copyFile("testdata/marian.vocab.json", "target_vocab.json")
	if _, err := LoadMarian(dir); err == nil || !strings.Contains(err.Error(), "target_vocab.json") {
		t.Errorf("separate vocabularies: error %v", err)
	}
	if _, err := LoadMarian(t.TempDir()); err == nil {
		t.Error("an empty directory loaded")
	}
}

// FuzzNewMarian: any vocab.json loads or fails with an error, and what
// loads encodes and decodes.
func FuzzNewMarian(f *testing.F) {
	b, err := os.ReadFile("testdata/marian.vocab.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"</s>": 0, "<unk>": 1, ">>x<<": 2, "": 3}`))
	src := loadTestModel(f, "nfkc")
	f.Fuzz(func(t *testing.T, vocab []byte) {
		m, err := NewMarian(src, src, vocab)
		if err != nil {
			return
		}
		for _, text := range []string{"", "Dios es luz", ">>x<< y", ">><<"} {
			toks, err := m.Encode(text)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int{-1, m.VocabSize()}
			for _, tk := range toks {
				ids = append(ids, tk.ID)
			}
			m.Decode(ids)
		}
		for _, lang := range m.Languages() {
			if _, err := m.EncodeFor(lang, "x"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
