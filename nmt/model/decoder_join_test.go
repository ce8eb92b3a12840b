package model

import (
	"context"
	"testing"
)

// TestJoin runs rows at different positions in one decoder, as continuous
// batching does: a sentence joins while another is half-way, a row leaves
// when its sentence is done, and a third joins later; every row's
// log-probabilities equal those of a decoder fed its history alone (within
// float32 rounding, as for any batch).
func TestJoin(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 21)
	ctx := context.Background()
	V := c.DecoderVocabSize
	srcs := [][]int{{5, 9, 1}, {7, 8, 4, 6, 1}, {3, 1}}
	encode := func(s []int) *Encoding {
		enc, err := m.Encode(ctx, [][]int{s})
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	dec, err := m.NewDecoder(encode(srcs[0]))
	if err != nil {
		t.Fatal(err)
	}
	history := [][]int{nil} // tokens fed to each row; the row's sentence is its index in srcs
	sentence := []int{0}
	feed := func(tokens ...int) {
		t.Helper()
		dims := dec.Dims()
		lp := make([]float32, len(tokens)*V)
		attn := make([]float32, len(tokens)*dims.Layers*dims.Heads*dims.SrcLen)
		if err := dec.Next(ctx, tokens, lp, attn); err != nil {
			t.Fatal(err)
		}
		for r, tok := range tokens {
			history[r] = append(history[r], tok)
			if dec.Source(r) != sentence[r] || dec.Position(r) != len(history[r]) {
				t.Fatalf("row %d reads sentence %d at position %d, want %d at %d", r, dec.Source(r), dec.Position(r), sentence[r], len(history[r]))
			}
			assertClose(t, "joined row's log-probs", row(lp, r, V), replay(t, m, srcs[sentence[r]], history[r]), 1e-5)
		}
	}
	feed(0)
	feed(4)
	if first, err := dec.Join(encode(srcs[1])); err != nil || first != 1 {
		t.Fatalf("Join: row %d, %v", first, err)
	}
	history, sentence = append(history, nil), append(sentence, 1)
	feed(7, 0)
	feed(3, 5)
	dec.Reorder([]int{1}) // sentence 0 is done
	history, sentence = history[1:], sentence[1:]
	feed(6)
	if _, err := dec.Join(encode(srcs[2])); err != nil {
		t.Fatal(err)
	}
	history, sentence = append(history, nil), append(sentence, 2)
	for i := 0; i < 40-len(history[0])-1; i++ { // past the cache's first growths
		feed(9, 0)
	}
	if _, err := dec.Join(nil); err == nil {
		t.Error("joining a nil encoding did not fail")
	}
}
