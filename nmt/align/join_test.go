package align

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenSpans(t *testing.T) {
	tests := []struct {
		text   string
		pieces []string
		want   [][2]int
	}{
		{"la casa del rey", []string{"la", " casa", " del", " re", "y"}, [][2]int{{0, 2}, {2, 7}, {7, 11}, {11, 14}, {14, 15}}},
		{"Hola mundo", []string{" Hola", " mundo"}, [][2]int{{0, 4}, {4, 10}}},
		{"a  b", []string{"a", " b"}, [][2]int{{0, 1}, {3, 4}}},
		{"¿Qué?", []string{"¿", "Qu", "é", "?"}, [][2]int{{0, 2}, {2, 4}, {4, 6}, {6, 7}}},
		{"abc", []string{"a", "zz", "", "bc"}, [][2]int{{0, 1}, {1, 1}, {1, 1}, {1, 3}}},
		{"", []string{"x"}, [][2]int{{0, 0}}},
		{"שלום עולם", []string{"שלום", " עולם"}, [][2]int{{0, 8}, {8, 17}}},
	}
	for _, tt := range tests {
		if got := TokenSpans(tt.text, tt.pieces); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("TokenSpans(%q, %q) = %v, want %v", tt.text, tt.pieces, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	k1, err := Extract(kingInput(t), Options{Selector: OneHead(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Extract(kingInput(t), Options{Selector: OneHead(1, 0), Symmetrize: Intersection})
	if err != nil {
		t.Fatal(err)
	}
	src := k1.Source.Text + "  " + k2.Source.Text
	tgt := k1.Target.Text + ". " + k2.Target.Text
	srcStarts := []int{0, len(k1.Source.Text) + 2}
	tgtStarts := []int{0, len(k1.Target.Text) + 2}
	a, err := Join(src, tgt, []*Alignment{k1, k2}, srcStarts, tgtStarts)
	if err != nil {
		t.Fatal(err)
	}
	// Words: 3 + 3 source; 4 + "." + 4 target.
	if len(a.Source.Words) != 6 || len(a.Target.Words) != 9 {
		t.Fatalf("%d source and %d target words", len(a.Source.Words), len(a.Target.Words))
	}
	want := []Link{{0, 0}, {0, 2}, {1, 3}, {2, 1}, {3, 5}, {4, 8}, {5, 6}}
	if !reflect.DeepEqual(a.Links, want) {
		t.Fatalf("links %v, want %v", a.Links, want)
	}
	if a.Subword.Rows != 10 || a.Subword.Cols != 8 || a.Subword.At(5, 4) != k2.Subword.At(0, 0) || a.Subword.At(5, 0) != 0 {
		t.Fatalf("subword matrix %d×%d not block-diagonal", a.Subword.Rows, a.Subword.Cols)
	}
	if a.Word.At(5, 3) != k2.Word.At(0, 0) || a.Word.At(4, 0) != 0 {
		t.Fatalf("word matrix not block-diagonal: row 4 (the full stop) %v", a.Word.Row(4))
	}
	if a.Score != -7 || len(a.TokenLogProbs) != 10 || len(a.SourceEOS) != 10 || a.Method != k1.Method {
		t.Fatalf("score %v, %d log-probs, %d eos, method %q", a.Score, len(a.TokenLogProbs), len(a.SourceEOS), a.Method)
	}
	if tok := a.Target.Tokens[5]; tok.Start != tgtStarts[1] || tok.Word != 5 || tok.CharStart != 17 {
		t.Fatalf("first token of the second part: %+v", tok)
	}

	ibm, err := TrainIBM1(toyPairs(), 0).Align("the house", "la casa", Intersection)
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := Join("the house the king’s house", "la casa la casa del rey", []*Alignment{ibm, k1}, []int{0, 10}, []int{0, 8})
	if err != nil {
		t.Fatal(err)
	}
	if mixed.Subword != nil || mixed.TokenLogProbs != nil || len(mixed.Source.Tokens) != 4 {
		t.Fatalf("a part without subwords must drop the joined subword matrix: %v %v", mixed.Subword, mixed.TokenLogProbs)
	}

	errs := []struct {
		src, tgt     string
		parts        []*Alignment
		srcAt, tgtAt []int
		wantErr      string
	}{
		{src, tgt, []*Alignment{k1, k2}, []int{0}, tgtStarts, "2 parts with 1 source"},
		{src, tgt, []*Alignment{k1, k2}, []int{0, 3}, tgtStarts, "part 1 source: its text does not appear at byte 3"},
		{src, tgt, []*Alignment{k1, k2}, srcStarts, []int{0, 1}, "part 1 target"},
		{"the king’shouse", "la casa del rey", []*Alignment{k1}, []int{0}, []int{0}, "does not appear"},
		{"xthe king’s house", "la casa del rey", []*Alignment{k1}, []int{1}, []int{0}, `word 0 "the" is not a word of the whole text`},
		{src, tgt, []*Alignment{k1, nil}, srcStarts, tgtStarts, "part 1 is nil"},
		{src, tgt, []*Alignment{k1, {Links: []Link{{5, 5}}}}, srcStarts, tgtStarts, "part 1: align: link 5-5 outside"},
	}
	for _, e := range errs {
		_, err := Join(e.src, e.tgt, e.parts, e.srcAt, e.tgtAt)
		if err == nil || !strings.Contains(err.Error(), e.wantErr) {
			t.Errorf("Join error %v, want one containing %q", err, e.wantErr)
		}
	}
	empty, err := Join("", "", nil, nil, nil)
	if err != nil || len(empty.Links) != 0 || empty.Subword != nil {
		t.Fatalf("empty join: %+v, %v", empty, err)
	}
}
