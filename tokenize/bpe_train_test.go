package tokenize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleLines reads testdata/bible-sample.txt: 161 verse pairs (English,
// then Spanish) from Genesis 1–2, Psalm 23, Matthew 5 and John 1, training
// books of the corpus split (World English Bible 2015 and Reina-Valera
// 1909, both public domain).
func sampleLines(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "bible-sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// refEncode is a plain reference BPE encoder, independent of sugarme: in
// each word it repeatedly merges the adjacent pair of lowest rank (the
// leftmost one among equals) until no pair has a merge.
func refEncode(b *BPE, text string) []string {
	rank := make(map[[2]string]int, len(b.Merges))
	for i, m := range b.Merges {
		if _, ok := rank[m]; !ok {
			rank[m] = i
		}
	}
	if text == "" {
		return nil
	}
	text = " " + norm.NFC.String(text)
	var out []string
	for _, s := range preTokenize(text, nil) {
		var syms []string
		for i := s.start; i < s.end; i++ {
			syms = append(syms, byteSymbol[text[i]])
		}
		for {
			best, at := -1, -1
			for k := 0; k+1 < len(syms); k++ {
				if r, ok := rank[[2]string{syms[k], syms[k+1]}]; ok && (best < 0 || r < best) {
					best, at = r, k
				}
			}
			if at < 0 {
				break
			}
			syms[at] += syms[at+1]
			syms = append(syms[:at+1], syms[at+2:]...)
		}
		out = append(out, syms...)
	}
	return out
}

func TestTrainBPEHandWorked(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		opts   BPEOptions
		merges [][2]string
	}{
		{
			// " ab" ×3, " abc" ×1: (a,b) and (Ġ,a) both 4, "a" < "Ġ";
			// then (Ġ,ab) 4; then (Ġab,c) 1 is below MinFrequency 2.
			name:   "tie broken by piece bytes",
			lines:  []string{"ab ab ab", "abc"},
			merges: [][2]string{{"a", "b"}, {"Ġ", "ab"}},
		},
		{
			name:   "min frequency 1 takes the rare pair too",
			lines:  []string{"ab ab ab", "abc"},
			opts:   BPEOptions{MinFrequency: 1},
			merges: [][2]string{{"a", "b"}, {"Ġ", "ab"}, {"Ġab", "c"}},
		},
		{
			name:   "vocab size stops training",
			lines:  []string{"ab ab ab", "abc"},
			opts:   BPEOptions{VocabSize: 260},
			merges: [][2]string{{"a", "b"}},
		},
		{
			// " aaaa": (a,a) occurs 3 times; merged left to right it leaves
			// [Ġ aa aa] and no (a,a) at all.
			name:   "overlapping pair",
			lines:  []string{"aaaa"},
			opts:   BPEOptions{MinFrequency: 1},
			merges: [][2]string{{"a", "a"}, {"aa", "aa"}, {"Ġ", "aaaa"}},
		},
		{
			name:   "odd run",
			lines:  []string{"aaa"},
			opts:   BPEOptions{MinFrequency: 1},
			merges: [][2]string{{"a", "a"}, {"aa", "a"}, {"Ġ", "aaa"}},
		},
		{
			// Words: " the"×2, " then", " cat", ","; (Ġ,t), (t,h), (h,e)
			// all occur 3 times and "h" < "t" < "Ġ"; pairs of " cat" and
			// (he,n) occur once.
			name:  "counts weighted by word frequency",
			lines: []string{"the cat, the", "then"},
			merges: [][2]string{
				{"h", "e"}, {"t", "he"}, {"Ġ", "the"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := TrainBPE(tc.lines, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(b.Merges, tc.merges) {
				t.Errorf("merges = %q, want %q", b.Merges, tc.merges)
			}
			if got, want := len(b.Vocab), firstByteID+256+len(tc.merges); got != want {
				t.Errorf("vocab size %d, want %d", got, want)
			}
		})
	}
}

func TestTrainBPEBansSpecialPieces(t *testing.T) {
	// Words never hold "</s>" after pre-tokenization ("<", "/" and ">" are
	// split from "s"); feed the trainer such a word directly.
	tr := newTrainer(map[string]int64{"</s>": 5, "<pad>": 3})
	tr.run(1000, 1)
	b := &BPE{Vocab: tr.pieces, Merges: tr.merges}
	if err := b.validatePieces(); err != nil {
		t.Fatal(err)
	}
	for id, p := range b.Vocab[firstByteID:] {
		for _, s := range SpecialTokens {
			if p == s {
				t.Errorf("piece %d spells special token %q", id+firstByteID, s)
			}
		}
	}
	if len(b.Merges) == 0 {
		t.Fatal("no merges learned")
	}
}

func TestTrainBPEOptions(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		opts  BPEOptions
		want  string // substring of the error
	}{
		{"vocab too small", []string{"a"}, BPEOptions{VocabSize: 100}, "VocabSize 100 is below 259"},
		{"negative frequency", []string{"a"}, BPEOptions{MinFrequency: -1}, "MinFrequency -1"},
		{"no text", []string{"", ""}, BPEOptions{}, "no training text"},
		{"invalid utf-8", []string{"ok", "a\xffb"}, BPEOptions{}, "line 2 is not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TrainBPE(tc.lines, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// sampleVocab is small enough that the sample still has pairs to merge.
const sampleVocab = 1000

func TestTrainBPESample(t *testing.T) {
	lines := sampleLines(t)
	b, err := TrainBPE(lines, BPEOptions{VocabSize: sampleVocab})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Vocab) != sampleVocab {
		t.Fatalf("vocab has %d pieces, want %d", len(b.Vocab), sampleVocab)
	}
	for id, s := range SpecialTokens {
		if b.Vocab[id] != s {
			t.Errorf("id %d = %q, want %q", id, b.Vocab[id], s)
		}
	}
	for c := 0; c < 256; c++ {
		if b.Vocab[firstByteID+c] != byteSymbol[c] {
			t.Errorf("id %d = %q, want byte symbol %q", firstByteID+c, b.Vocab[firstByteID+c], byteSymbol[c])
		}
	}

	// " the" is one piece, alone and inside a sentence; so is " de".
	for _, text := range []string{"the", "In the beginning", "la tierra de"} {
		toks := refEncode(b, text)
		if !contains(toks, "Ġthe") && !contains(toks, "Ġde") {
			t.Errorf("%q → %q: no single piece for the article", text, toks)
		}
	}
	if toks := refEncode(b, "the"); len(toks) != 1 {
		t.Errorf(`"the" → %q, want one token`, toks)
	}

	// Tokens per whitespace-separated word on the training lines themselves.
	var nTok, nWord int
	for _, l := range lines {
		nTok += len(refEncode(b, l))
		nWord += len(strings.Fields(l))
	}
	ratio := float64(nTok) / float64(nWord)
	t.Logf("vocab %d: %.3f tokens/word on the sample (%d tokens, %d words)", sampleVocab, ratio, nTok, nWord)
	// Reference: 1.0 would be a whole-word vocabulary; bytes alone give
	// ≈ 5.6 (letters per word plus the space). A working BPE at 1k pieces
	// on its own 36 kB of training text gives ≈ 1.8.
	if ratio > 1.9 {
		t.Errorf("%.3f tokens/word, want ≤ 1.9", ratio)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestTrainBPEGolden trains on the sample and compares the tokenizer.json
// bytes with testdata/bible-sample-bpe.json (go test -update rewrites it).
// It pins determinism (map order, ties) and the file layout.
func TestTrainBPEGolden(t *testing.T) {
	b, err := TrainBPE(sampleLines(t), BPEOptions{VocabSize: sampleVocab})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "bible-sample-bpe.json")
	if *update {
		if err := b.WriteJSON(golden); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("tokenizer.json differs from %s (run go test -update if the change is intended)", golden)
	}
	checkTokenizerJSON(t, got, sampleVocab)
}

// checkTokenizerJSON checks the parts of tokenizer.json that other readers
// rely on: contiguous ids, specials marked special, the merges' pieces.
func checkTokenizerJSON(t *testing.T, data []byte, size int) {
	t.Helper()
	var f struct {
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
			Special bool   `json:"special"`
		} `json:"added_tokens"`
		Normalizer   map[string]any `json:"normalizer"`
		PreTokenizer map[string]any `json:"pre_tokenizer"`
		Decoder      map[string]any `json:"decoder"`
		Model        struct {
			Type   string         `json:"type"`
			Vocab  map[string]int `json:"vocab"`
			Merges []string       `json:"merges"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Model.Type != "BPE" || f.Normalizer["type"] != "NFC" ||
		f.PreTokenizer["type"] != "ByteLevel" || f.PreTokenizer["add_prefix_space"] != true ||
		f.Decoder["type"] != "ByteLevel" {
		t.Errorf("unexpected components: model %q normalizer %v pre_tokenizer %v decoder %v",
			f.Model.Type, f.Normalizer, f.PreTokenizer, f.Decoder)
	}
	if len(f.Model.Vocab) != size {
		t.Fatalf("vocab has %d entries, want %d", len(f.Model.Vocab), size)
	}
	byID := make([]string, size)
	for p, id := range f.Model.Vocab {
		if id < 0 || id >= size || byID[id] != "" {
			t.Fatalf("id %d of %q is out of range or repeated", id, p)
		}
		byID[id] = p
	}
	if len(f.AddedTokens) != len(SpecialTokens) {
		t.Fatalf("%d added tokens, want %d", len(f.AddedTokens), len(SpecialTokens))
	}
	for i, a := range f.AddedTokens {
		if a.ID != i || a.Content != SpecialTokens[i] || !a.Special || byID[i] != a.Content {
			t.Errorf("added token %d = %+v", i, a)
		}
	}
	for _, m := range f.Model.Merges {
		l, r, ok := strings.Cut(m, " ")
		_, okL := f.Model.Vocab[l]
		_, okR := f.Model.Vocab[r]
		_, okJ := f.Model.Vocab[l+r]
		if !ok || !okL || !okR || !okJ || strings.Contains(r, " ") {
			t.Errorf("merge %q: pieces missing from the vocabulary", m)
		}
	}
}
