package model

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/translated/translated/nmt/tensor"
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
	// Sentence 0 left long ago: its keys and values are gone, and the
	// decoder keeps only the sentences from the first one read.
	if dec.firstSource != 1 || len(dec.sources) != 2 {
		t.Errorf("decoder keeps sentences %d.. (%d of them), want 1.. (2)", dec.firstSource, len(dec.sources))
	}
	dec.Reorder([]int{1}) // only sentence 2 goes on
	if dec.firstSource != 2 || dec.sources[0].kv == nil || dec.Source(0) != 2 {
		t.Errorf("after sentence 1 left: first kept %d, row 0 reads %d", dec.firstSource, dec.Source(0))
	}
	dec.Reorder(nil)
	srcs = append(srcs, srcs[2])
	if first, err := dec.Join(encode(srcs[3])); err != nil || first != 0 || dec.Source(0) != 3 || dec.Dims().SrcLen != len(srcs[2]) {
		t.Errorf("Join to an empty decoder: row %d reads %d with S %d, %v", first, dec.Source(0), dec.Dims().SrcLen, err)
	}
	history, sentence = [][]int{nil}, []int{3}
	feed(0)
	feed(5)
}

// TestShortlist checks that a shortlisted step gives the listed tokens the
// whole vocabulary's logits renormalised among themselves, −Inf to the
// others, and that nil brings the whole vocabulary back.
func TestShortlist(t *testing.T) {
	c := tinyConfig()
	for _, asInt8 := range []bool{false, true} {
		m := randomModel(t, c, 27)
		if asInt8 {
			var err error
			if m, err = Quantized(m); err != nil {
				t.Fatal(err)
			}
		}
		V := c.DecoderVocabSize
		srcs := [][]int{{5, 9, 1}, {7, 8, 4, 6, 1}}
		full, short := newDecoder(t, m, srcs), newDecoder(t, m, srcs)
		ids := []int{1, 2, 3, 5, 8, 13, 21, 34, 49}
		if err := short.SetShortlist(ids); err != nil {
			t.Fatal(err)
		}
		logits, lp := make([]float32, 2*V), make([]float32, 2*V)
		for step, tokens := range [][]int{{0, 0}, {5, 8}, {13, 1}} {
			if err := full.logits(context.Background(), tokens, logits, nil); err != nil {
				t.Fatal(err)
			}
			if err := short.Next(context.Background(), tokens, lp, nil); err != nil {
				t.Fatal(err)
			}
			for r := range tokens {
				sel := make([]float32, len(ids))
				for i, id := range ids {
					sel[i] = logits[r*V+id]
				}
				tensor.LogSoftmax(sel, nil)
				k := 0
				for id := 0; id < V; id++ {
					got := lp[r*V+id]
					if k < len(ids) && ids[k] == id {
						if got != sel[k] {
							t.Fatalf("int8 %v step %d row %d token %d: %g, want %g", asInt8, step, r, id, got, sel[k])
						}
						k++
					} else if !math.IsInf(float64(got), -1) {
						t.Fatalf("int8 %v step %d row %d: token %d off the shortlist has %g", asInt8, step, r, id, got)
					}
				}
			}
		}
	}
	m := randomModel(t, c, 27)
	dec := newDecoder(t, m, [][]int{{4, 1}})
	for _, bad := range [][]int{{}, {2, 3}, {1, 1, 2}, {3, 1}, {1, 50}} {
		if err := dec.SetShortlist(bad); err == nil {
			t.Errorf("shortlist %v accepted", bad)
		}
	}
	if err := dec.SetShortlist(nil); err != nil || dec.short.kept != 0 {
		t.Errorf("nil shortlist: %v", err)
	}
}

// TestEncodingPart: a part of an Encoding holds exactly what encoding its
// sentences alone gives, and a decoder joining it decodes them so.
func TestEncodingPart(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 22)
	ctx := context.Background()
	srcs := [][]int{{5, 9, 1}, {7, 8, 4, 6, 1}, {3, 1}, {4, 4, 4, 1}}
	all, err := m.Encode(ctx, srcs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int{{0, 4}, {1, 3}, {2, 3}, {3, 4}} {
		part := all.Part(r[0], r[1])
		alone, err := m.Encode(ctx, srcs[r[0]:r[1]])
		if err != nil {
			t.Fatal(err)
		}
		if part.Sentences() != alone.Sentences() || part.MaxLen() != alone.MaxLen() {
			t.Fatalf("part %v: %d sentences up to %d tokens, alone %d up to %d", r, part.Sentences(), part.MaxLen(), alone.Sentences(), alone.MaxLen())
		}
		for i := range part.Sentences() {
			if part.SourceLen(i) != alone.SourceLen(i) || !slices.Equal(part.Output(i), alone.Output(i)) {
				t.Fatalf("part %v, sentence %d differs from encoding it alone", r, i)
			}
		}
		dec, err := m.NewDecoder(part)
		if err != nil || dec.Rows() != r[1]-r[0] {
			t.Fatalf("part %v: decoder of %d rows, %v", r, dec.Rows(), err)
		}
	}
	for _, r := range [][2]int{{-1, 2}, {2, 2}, {3, 5}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Part(%d, %d) of 4 sentences did not panic", r[0], r[1])
				}
			}()
			all.Part(r[0], r[1])
		}()
	}
}
