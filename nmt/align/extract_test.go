package align

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// tokensAt builds tokens for pieces found in order in text; a piece that
// starts with "▁" covers the preceding space too.
func tokensAt(t testing.TB, text string, pieces ...string) []Token {
	t.Helper()
	var toks []Token
	pos := 0
	for i, p := range pieces {
		surface := strings.TrimPrefix(p, "▁")
		k := strings.Index(text[pos:], surface)
		if k < 0 {
			t.Fatalf("piece %q not found in %q after byte %d", p, text, pos)
		}
		start := pos + k
		if surface != p && start > 0 && text[start-1] == ' ' {
			start--
		}
		end := pos + k + len(surface)
		toks = append(toks, Token{ID: 100 + i, Piece: p, Start: start, End: end})
		pos = end
	}
	return toks
}

// kingInput is "the king’s house" → "la casa del rey" with two layers of
// two heads. Head 1:0 carries a clear pattern; the others are uniform.
func kingInput(t testing.TB) Input {
	src := "the king’s house"
	tgt := "la casa del rey"
	pattern := [][]float32{ // [T][S]: 4 source tokens, eos, padding
		{0.6, 0, 0, 0.2, 0.2, 0},   // la
		{0, 0, 0, 0.5, 0.5, 0},     // casa
		{0.5, 0.25, 0.25, 0, 0, 0}, // del
		{0, 0.6, 0.2, 0, 0.2, 0},   // re
		{0, 0.2, 0.6, 0, 0.2, 0},   // y
		{0, 0, 0, 0, 1, 0},         // end-of-sentence step
	}
	uniform := []float32{0.2, 0.2, 0.2, 0.2, 0.2, 0}
	attn := make([][][][]float32, len(pattern))
	for s := range attn {
		attn[s] = [][][]float32{{uniform, uniform}, {pattern[s], uniform}}
	}
	return Input{
		ID:            "king",
		SourceText:    src,
		SourceTokens:  tokensAt(t, src, "▁the", "▁king", "’s", "▁house"),
		TargetText:    tgt,
		TargetTokens:  tokensAt(t, tgt, "▁la", "▁casa", "▁del", "▁re", "y"),
		Attention:     attn,
		Score:         -3.5,
		TokenLogProbs: []float32{-1, -0.5, -0.5, -1, -0.25, -0.25},
	}
}

func approxRows(t *testing.T, what string, m Matrix, want [][]float32) {
	t.Helper()
	if m.Rows != len(want) {
		t.Fatalf("%s has %d rows, want %d", what, m.Rows, len(want))
	}
	for r, row := range want {
		if m.Cols != len(row) {
			t.Fatalf("%s has %d columns, want %d", what, m.Cols, len(row))
		}
		for c, v := range row {
			if math.Abs(float64(m.At(r, c)-v)) > 1e-6 {
				t.Fatalf("%s[%d] = %v, want %v", what, r, m.Row(r), row)
			}
		}
	}
}

func TestExtractOneHead(t *testing.T) {
	in := kingInput(t)
	a, err := Extract(in, Options{Selector: OneHead(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	approxRows(t, "subword", *a.Subword, [][]float32{
		{0.75, 0, 0, 0.25},
		{0, 0, 0, 1},
		{0.5, 0.25, 0.25, 0},
		{0, 0.75, 0.25, 0},
		{0, 0.25, 0.75, 0},
	})
	wantEOS := []float32{0.2, 0.5, 0, 0.2, 0.2}
	for i, v := range wantEOS {
		if math.Abs(float64(a.SourceEOS[i]-v)) > 1e-6 {
			t.Fatalf("SourceEOS = %v, want %v", a.SourceEOS, wantEOS)
		}
	}
	if got := wordTexts(a.Source.Words); !reflect.DeepEqual(got, []string{"the", "king’s", "house"}) {
		t.Fatalf("source words %q", got)
	}
	approxRows(t, "word", a.Word, [][]float32{
		{0.75, 0, 0.25},
		{0, 0, 1},
		{0.5, 0.5, 0},
		{0, 1, 0},
	})
	want := []Link{{0, 0}, {0, 2}, {1, 3}, {2, 1}}
	if !reflect.DeepEqual(a.Links, want) {
		t.Fatalf("links %v, want %v", a.Links, want)
	}
	if a.Method != "attention layer=1,head=0" || a.ID != "king" || a.Score != -3.5 {
		t.Fatalf("method %q id %q score %v", a.Method, a.ID, a.Score)
	}
	if len(a.TokenLogProbs) != 5 {
		t.Fatalf("token log-probs %v, want the 5 of the real tokens", a.TokenLogProbs)
	}
	a, err = Extract(in, Options{Selector: OneHead(1, 0), Symmetrize: Intersection})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Link{{0, 0}, {1, 3}, {2, 1}}; !reflect.DeepEqual(a.Links, want) {
		t.Fatalf("intersection links %v, want %v", a.Links, want)
	}
}

func TestExtractShiftAndMean(t *testing.T) {
	in := kingInput(t)
	a, err := Extract(in, Options{Selector: OneHead(-1, 0).WithShift(true)})
	if err != nil {
		t.Fatal(err)
	}
	approxRows(t, "shifted subword", *a.Subword, [][]float32{
		{0, 0, 0, 1},
		{0.5, 0.25, 0.25, 0},
		{0, 0.75, 0.25, 0},
		{0, 0.25, 0.75, 0},
		{0, 0, 0, 0}, // the end-of-sentence step looks only at the source end
	})
	if a.SourceEOS[4] != 1 {
		t.Fatalf("last SourceEOS %v, want 1", a.SourceEOS[4])
	}
	// Without the end-of-sentence step, the last token keeps its own step.
	in.Attention = in.Attention[:5]
	in.TokenLogProbs = in.TokenLogProbs[:5]
	a, err = Extract(in, Options{Selector: OneHead(1, 0).WithShift(true)})
	if err != nil {
		t.Fatal(err)
	}
	approxRows(t, "shifted, no eos step", *a.Subword, [][]float32{
		{0, 0, 0, 1}, {0.5, 0.25, 0.25, 0}, {0, 0.75, 0.25, 0}, {0, 0.25, 0.75, 0}, {0, 0.25, 0.75, 0},
	})
	// layer=1 averages the pattern head with a uniform one: for "la",
	// (0.6+0.2)/2, 0.1, 0.1, (0.2+0.2)/2 over the real tokens, eos (0.2+0.2)/2.
	a, err = Extract(in, Options{Selector: LayerMean(1)})
	if err != nil {
		t.Fatal(err)
	}
	approxRows(t, "layer mean", Matrix{Rows: 1, Cols: 4, Data: a.Subword.Row(0)}, [][]float32{{0.4 / 0.8, 0.1 / 0.8, 0.1 / 0.8, 0.2 / 0.8}})
	if math.Abs(float64(a.SourceEOS[0])-0.2) > 1e-6 {
		t.Fatalf("eos share %v, want 0.2", a.SourceEOS[0])
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Input, *Options)
		wantErr string
	}{
		{"too few steps", func(in *Input, _ *Options) { in.Attention = in.Attention[:3] }, "attention has 3 steps for 5 target tokens"},
		{"ragged layers", func(in *Input, _ *Options) { in.Attention[2] = in.Attention[2][:1] }, "step 2 has 1 layers, step 0 has 2"},
		{"ragged heads", func(in *Input, _ *Options) { in.Attention[1][1] = in.Attention[1][1][:1] }, "step 1 layer 1 has 1 heads, want 2"},
		{"short source", func(in *Input, _ *Options) { in.Attention[0][0][0] = []float32{1, 0, 0, 0} }, "covers 4 source positions, want at least 5"},
		{"nan", func(in *Input, _ *Options) { in.Attention[0][1][0] = []float32{float32(math.NaN()), 0, 0, 0, 1, 0} }, "holds NaN"},
		{"negative", func(in *Input, _ *Options) { in.Attention[3][1][0] = []float32{-1, 0, 0, 0, 1, 0} }, "target token 3 (step 3): layer 1 head 0 position 0 holds -1"},
		{"selector range", func(_ *Input, o *Options) { o.Selector = OneHead(0, 5) }, "head 5 out of range"},
		{"bad source span", func(in *Input, _ *Options) { in.SourceTokens[0].End = 99 }, "source: align: token 0"},
		{"invalid target", func(in *Input, _ *Options) { in.TargetText = "la casa del re\xff" }, "target: align: text is not valid UTF-8"},
		{"log-probs", func(in *Input, _ *Options) { in.TokenLogProbs = []float32{1} }, "1 token log-probabilities for 5 target tokens"},
		{"no heads", func(in *Input, _ *Options) { in.Attention[0] = [][][]float32{{}} }, "step 0 has no layers or no heads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := kingInput(t)
			opt := Options{Selector: OneHead(1, 0)}
			tt.edit(&in, &opt)
			_, err := Extract(in, opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestExtractEmpty(t *testing.T) {
	a, err := Extract(Input{SourceText: "", TargetText: ""}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Word.Rows != 0 || a.Word.Cols != 0 || len(a.Links) != 0 {
		t.Fatalf("empty pair gave %+v", a)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	// With no step at all there is nothing to check a selector against.
	if _, err := Extract(Input{SourceText: "a"}, Options{Selector: OneHead(7, 7)}); err != nil {
		t.Fatal(err)
	}
}

func TestWordMatrixUnassignedTokens(t *testing.T) {
	// The lone space marker (no word) takes half the mass of the first row;
	// the word row is renormalized over real words.
	src, err := NewText("a b", []Token{{Start: 0, End: 1}, {Start: 1, End: 2}, {Start: 2, End: 3}})
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := NewText("x", []Token{{Start: 0, End: 1}})
	if err != nil {
		t.Fatal(err)
	}
	sub := Matrix{Rows: 1, Cols: 3, Data: []float32{0.25, 0.5, 0.25}}
	approxRows(t, "word", WordMatrix(sub, src, tgt), [][]float32{{0.5, 0.5}})
}
