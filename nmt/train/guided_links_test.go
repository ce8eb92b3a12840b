package train

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/tokenize"
)

// pieces cuts text into tokens at the given pieces (which must spell it).
func pieces(t *testing.T, text string, parts ...string) []tokenize.Token {
	t.Helper()
	if strings.Join(parts, "") != text {
		t.Fatalf("pieces %q do not spell %q", parts, text)
	}
	var toks []tokenize.Token
	off := 0
	for _, p := range parts {
		toks = append(toks, tokenize.Token{ID: len(toks) + 3, Piece: p, Start: off, End: off + len(p)})
		off += len(p)
	}
	return toks
}

func links(s string) []align.Link {
	ls, err := align.ParsePharaoh(s)
	if err != nil {
		panic(err)
	}
	return ls
}

// TestTokenLinksHardUnicode maps word links to token links through byte
// spans: decomposed accents cut between tokens, a zero-width space token,
// byte tokens inside an emoji sequence, a token spanning two CJK words,
// Hebrew with points, and tokens inside one character.
func TestTokenLinksHardUnicode(t *testing.T) {
	emoji := "👨\u200d👩\u200d👧" // one word of 18 bytes
	cases := []struct {
		name           string
		src            string
		srcToks        []tokenize.Token
		tgt            string
		tgtToks        []tokenize.Token
		words, want    string // Pharaoh: word links; token links
		wantErrContain string
	}{
		{name: "decomposed accent cut between two tokens",
			src: "I believe", srcToks: pieces(t, "I believe", "I", " be", "lieve"),
			tgt: "cre\u0301o", tgtToks: pieces(t, "cre\u0301o", "cre", "\u0301o"),
			words: "1-0", want: "1-0 1-1 2-0 2-1"},
		{name: "zero-width space token and punctuation words",
			src: "Lord!", srcToks: pieces(t, "Lord!", "Lo", "rd", "!"),
			tgt:     "¡Señor!",
			tgtToks: append([]tokenize.Token{{ID: 3, Piece: "Ġ", Start: 0, End: 0}}, pieces(t, "¡Señor!", "¡", "Señor", "!")...),
			words:   "0-1 1-2", want: "0-2 1-2 2-3"},
		{name: "emoji sequence in byte tokens, a token over two Han words",
			src: "神爱" + emoji,
			srcToks: []tokenize.Token{{Start: 0, End: 6}, {Start: 6, End: 10}, {Start: 10, End: 13}, {Start: 13, End: 17},
				{Start: 17, End: 20}, {Start: 20, End: 24}},
			tgt: "Dios ama familia", tgtToks: pieces(t, "Dios ama familia", "Dios", " ama", " famil", "ia"),
			// 爱 (word 1) has no token of its own: the shared token goes to 神, the first on a tie
			words: "0-0 1-1 2-2", want: "0-0 1-2 1-3 2-2 2-3 3-2 3-3 4-2 4-3 5-2 5-3"},
		{name: "Hebrew with points, right to left",
			src: "בְּרֵאשִׁית בָּרָא", srcToks: pieces(t, "בְּרֵאשִׁית בָּרָא", "בְּרֵא", "שִׁית", " בָּרָא"),
			tgt: "En el principio creó", tgtToks: pieces(t, "En el principio creó", "En", " el", " princ", "ipio", " cre", "ó"),
			words: "0-2 1-3", want: "0-2 0-3 1-2 1-3 2-4 2-5"},
		{name: "two byte tokens inside one character",
			src: "é", srcToks: []tokenize.Token{{Start: 0, End: 2}, {Start: 0, End: 2}},
			tgt: "e\u0301", tgtToks: []tokenize.Token{{Start: 0, End: 1}, {Start: 1, End: 3}},
			words: "0-0", want: "0-0 0-1 1-0 1-1"},
		{name: "no words, no links", src: "  ", srcToks: nil, tgt: "\u200f", tgtToks: nil, words: "", want: ""},
		{name: "word link outside the words", src: "a", srcToks: pieces(t, "a", "a"), tgt: "b", tgtToks: pieces(t, "b", "b"),
			words: "1-0", wantErrContain: "outside"},
		{name: "token span outside the text", src: "a", srcToks: []tokenize.Token{{Start: 0, End: 4}}, tgt: "b", tgtToks: pieces(t, "b", "b"),
			words: "0-0", wantErrContain: "source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := TokenLinks(c.src, c.srcToks, c.tgt, c.tgtToks, links(c.words))
			if c.wantErrContain != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErrContain) {
					t.Fatalf("error %v, want one mentioning %q", err, c.wantErrContain)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := align.PharaohString(got); s != c.want {
				t.Errorf("token links %q, want %q", s, c.want)
			}
		})
	}
}

// TestTokenLinksBPE uses a real byte-level BPE vocabulary, whose pieces
// carry the space before a word: every linked token overlaps the word it
// is linked through, and every linked word with tokens gets links.
func TestTokenLinksBPE(t *testing.T) {
	lines := []string{
		"In the beginning, God created the heavens and the earth.",
		"En el principio crió Dios los cielos y la tierra.",
		"¿Dónde estás? —dijo Jehová Dios al hombre.",
		"Él respondió: «Oí tu voz en el huerto, y tuve miedo».",
	}
	bpe, err := tokenize.TrainBPE(append(lines, lines...), tokenize.BPEOptions{VocabSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	js, err := bpe.JSON()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenize.Parse(js, "tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	src, tgt := lines[3], lines[2]
	srcToks, err := tok.Encode(src)
	if err != nil {
		t.Fatal(err)
	}
	tgtToks, err := tok.Encode(tgt)
	if err != nil {
		t.Fatal(err)
	}
	sw, tw := align.Segment(src), align.Segment(tgt)
	word := links("0-0 1-1 3-4 8-6 12-8") // arbitrary word pairs inside both texts
	got, err := TokenLinks(src, srcToks, tgt, tgtToks, word)
	if err != nil {
		t.Fatal(err)
	}
	overlaps := func(tk tokenize.Token, w align.Word) bool { return tk.Start < w.End && tk.End > w.Start }
	covered := map[align.Link]bool{}
	for _, l := range got {
		s, d := srcToks[l.Source], tgtToks[l.Target]
		ok := false
		for _, w := range word {
			if overlaps(s, sw[w.Source]) && overlaps(d, tw[w.Target]) {
				ok, covered[w] = true, true
			}
		}
		if !ok {
			t.Errorf("token link %s (%q → %q) matches no word link", l, src[s.Start:s.End], tgt[d.Start:d.End])
		}
	}
	for _, w := range word {
		if !covered[w] {
			t.Errorf("word link %s (%q → %q) gave no token link", w, sw[w.Source].Text, tw[w.Target].Text)
		}
	}
}

// TestWordLinker: a target word takes its gold links when it has any and
// IBM1's otherwise; a Spanish→English pair reads the gold the other way.
func TestWordLinker(t *testing.T) {
	gold, err := readGoldFile(filepath.Join("testdata", "links-tiny.jsonl"), []string{"Col"})
	if err != nil {
		t.Fatal(err)
	}
	if len(gold) != 25 {
		t.Fatalf("%d gold verses outside Col, want 25", len(gold))
	}
	ex := tinyExamples(t)
	var words [][2][]string
	for _, e := range ex {
		words = append(words, [2][]string{align.IBM1Words(e.Source), align.IBM1Words(e.Target)})
	}
	ibm := align.TrainIBM1(words, 0)
	wl := &WordLinker{Gold: gold, IBM1: ibm, IBM1Method: align.GrowDiag}
	e := ex[0] // Gen.1.1, which has gold links
	got, fromGold, fromIBM1, matched, err := wl.Words(e.Source, e.Target)
	if err != nil || !matched || fromGold == 0 || fromIBM1 == 0 {
		t.Fatalf("Gen.1.1: matched %v, %d gold and %d IBM1 links, error %v", matched, fromGold, fromIBM1, err)
	}
	g := gold[0].Words()
	ia, err := ibm.Align(e.Source, e.Target, align.GrowDiag)
	if err != nil {
		t.Fatal(err)
	}
	for j := range g.Target {
		want := filterTarget(g.Possible, j)
		if len(want) == 0 {
			want = filterTarget(ia.Links, j)
		}
		if have := filterTarget(got, j); !slices.Equal(have, want) {
			t.Errorf("target word %d (%s): links %v, want %v", j, g.Target[j].Text, have, want)
		}
	}
	// the other direction: the same links, sides swapped
	back, _, _, matched, err := (&WordLinker{Gold: gold}).Words(e.Target, e.Source)
	if err != nil || !matched {
		t.Fatalf("Spanish→English: matched %v, error %v", matched, err)
	}
	for _, l := range g.Possible {
		if !slices.Contains(back, align.Link{Source: l.Target, Target: l.Source}) {
			t.Errorf("Spanish→English lacks %d-%d", l.Target, l.Source)
		}
	}
	if len(back) != len(g.Possible) {
		t.Errorf("Spanish→English has %d links, want %d", len(back), len(g.Possible))
	}
	if _, _, _, matched, _ := wl.Words(e.Source, e.Target+" "); matched {
		t.Error("a pair with other texts matched a gold verse")
	}
}

func filterTarget(ls []align.Link, j int) []align.Link {
	var out []align.Link
	for _, l := range ls {
		if l.Target == j {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b align.Link) int { return a.Source - b.Source })
	return out
}

// TestLoadGuideLinksCache: links are computed once and read back from the
// run directory; another recipe is refused; a gzip gold file gives the
// same links; held-out books are never read, even when their texts match
// a training pair.
func TestLoadGuideLinksCache(t *testing.T) {
	ex := tinyExamples(t)
	pairs, err := Encode(ex, byteEncode, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var log bytes.Buffer
	first, st, err := LoadGuideLinks(dir, tinyLinkOptions, ex, pairs, byteSpans, &log)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pairs != 36 || st.GoldPairs != 24 || st.LinkedPairs != 36 || st.SupervisedTokens == 0 || st.IBM1WordLinks == 0 {
		t.Errorf("stats %+v: want 36 pairs, 24 from gold, all linked", st)
	}
	if !strings.Contains(log.String(), "computed and cached") {
		t.Errorf("log %q", log.String())
	}
	for _, f := range []string{GuideLinksFile, GuideRecipeFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	log.Reset()
	again, st2, err := LoadGuideLinks(dir, tinyLinkOptions, ex, pairs, byteSpans, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "read from") || st2 != st || !equalLinks(first, again) {
		t.Errorf("second load: log %q, stats %+v; links equal %v", log.String(), st2, equalLinks(first, again))
	}
	other := tinyLinkOptions
	other.IBM1 = "intersection"
	if _, _, err := LoadGuideLinks(dir, other, ex, pairs, byteSpans, nil); err == nil || !strings.Contains(err.Error(), "remove") {
		t.Errorf("another recipe on the cache: %v", err)
	}
	if _, _, err := LoadGuideLinks(dir, tinyLinkOptions, ex[:30], pairs[:30], byteSpans, nil); err == nil {
		t.Error("the cache was used for other pairs")
	}

	// gzip and a held-out verse with a training pair's texts, listed first
	plain, err := os.ReadFile(filepath.Join("testdata", "links-tiny.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	decoy, err := os.ReadFile(filepath.Join("testdata", "links-tiny.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := bytes.Cut(decoy, []byte("\n"))
	line = bytes.Replace(line, []byte(`"ref": "Gen.1.1"`), []byte(`"ref": "Col.9.9"`), 1)
	line = bytes.Replace(line, []byte(`"links": [`), []byte(`"links": [[4, 7, 0, 2, "H0000", 1], `), 1)
	var gz bytes.Buffer
	z := gzip.NewWriter(&gz)
	z.Write(append(append(line, '\n'), plain...))
	z.Close()
	gzPath := filepath.Join(t.TempDir(), "links.jsonl.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := tinyLinkOptions
	opts.Gold = []string{gzPath}
	viaGzip, _, err := LoadGuideLinks(t.TempDir(), opts, ex, pairs, byteSpans, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !equalLinks(first, viaGzip) {
		t.Error("the gzip gold file with a held-out verse first gave other links")
	}
	opts.HeldOutBooks = nil
	leaked, _, err := LoadGuideLinks(t.TempDir(), opts, ex, pairs, byteSpans, nil)
	if err != nil {
		t.Fatal(err)
	}
	if equalLinks(first, leaked) {
		t.Error("the decoy verse changed nothing even when its book is not held out: the test proves nothing")
	}
}

func equalLinks(a, b [][]align.Link) bool {
	return slices.EqualFunc(a, b, func(x, y []align.Link) bool { return slices.Equal(x, y) })
}

// FuzzTokenLinks: any texts, token spans and word links give links or an
// error, never a panic, and every link is inside the tokens.
func FuzzTokenLinks(f *testing.F) {
	f.Add("In the beginning", "En el principio", []byte{0, 2, 2, 6, 6, 16}, []byte{0, 2, 2, 5, 5, 15}, []byte{0, 0, 2, 2})
	f.Add("cre\u0301o", "¡é!", []byte{0, 3, 3, 6}, []byte{0, 0, 0, 2, 2, 4, 4, 5}, []byte{0, 1})
	f.Fuzz(func(t *testing.T, src, tgt string, srcSpans, tgtSpans, words []byte) {
		spans := func(b []byte) []tokenize.Token {
			var out []tokenize.Token
			for i := 0; i+1 < len(b); i += 2 {
				out = append(out, tokenize.Token{Start: int(b[i]), End: int(b[i+1])})
			}
			return out
		}
		st, tt := spans(srcSpans), spans(tgtSpans)
		var wl []align.Link
		for i := 0; i+1 < len(words); i += 2 {
			wl = append(wl, align.Link{Source: int(words[i]), Target: int(words[i+1])})
		}
		got, err := TokenLinks(src, st, tgt, tt, wl)
		if err != nil {
			return
		}
		for _, l := range got {
			if l.Source < 0 || l.Source >= len(st) || l.Target < 0 || l.Target >= len(tt) {
				t.Fatalf("link %s outside %d×%d tokens", l, len(st), len(tt))
			}
		}
	})
}
