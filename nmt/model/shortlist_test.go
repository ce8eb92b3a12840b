package model

import (
	"context"
	"math"
	"testing"

	"github.com/translated/translated/nmt/tensor"
)

// TestRestrictPerSentence runs two decoders in step through joins and
// leaves, one with the whole vocabulary and one whose sentences each have
// their own shortlist (one of them none): every row of the second gets
// the first's logits of its own list renormalised among themselves,
// exactly, and −Inf elsewhere, whichever sentences share the step, and
// the stale tokens of sentences gone are dropped from the output layer.
// It runs with a new buffer for every step and with one buffer for all
// steps that the caller masks between them (−Inf on listed tokens), where
// a step sets back to −Inf only what the step before left finite.
func TestRestrictPerSentence(t *testing.T) {
	c := tinyConfig()
	V := c.DecoderVocabSize
	ctx := context.Background()
	srcs := [][]int{{5, 9, 1}, {7, 8, 4, 6, 1}, {3, 1}, {4, 4, 4, 1}}
	lists := [][]int{{1, 2, 3, 5, 8, 13, 21, 34, 49}, {0, 1, 4, 9, 16, 25, 36}, nil, {1, 2, 40, 41, 42, 43, 44, 45, 46, 47, 48}}
	for _, mode := range []struct{ asInt8, reuse bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		asInt8 := mode.asInt8
		m := randomModel(t, c, 28)
		shared := make([]float32, 4*V)
		if asInt8 {
			var err error
			if m, err = Quantized(m); err != nil {
				t.Fatal(err)
			}
		}
		full, short := newDecoder(t, m, srcs[:1]), newDecoder(t, m, srcs[:1])
		if err := short.Restrict(0, lists[0]); err != nil {
			t.Fatal(err)
		}
		join := func(s int) {
			t.Helper()
			for _, d := range []*Decoder{full, short} {
				enc, err := m.Encode(ctx, srcs[s:s+1])
				if err != nil {
					t.Fatal(err)
				}
				first, err := d.Join(enc)
				if err != nil {
					t.Fatal(err)
				}
				if d == short && lists[s] != nil {
					if err := d.Restrict(d.Source(first), lists[s]); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		reorder := func(rows ...int) {
			full.Reorder(rows)
			short.Reorder(rows)
		}
		step := func(tokens ...int) {
			t.Helper()
			logits, lp := make([]float32, len(tokens)*V), make([]float32, len(tokens)*V)
			if mode.reuse {
				lp = shared[:len(tokens)*V]
			}
			if err := full.logits(ctx, tokens, logits, nil); err != nil {
				t.Fatal(err)
			}
			if err := short.Next(ctx, tokens, lp, nil); err != nil {
				t.Fatal(err)
			}
			for r := range tokens {
				checkRestricted(t, row(logits, r, V), row(lp, r, V), lists[short.Source(r)])
				lp[r*V+1], lp[r*V+40], lp[r*V+V-1] = negInf32, negInf32, negInf32 // the search's masking
			}
		}
		step(0)
		join(1)
		step(5, 0)
		join(2) // no list: the step computes the whole vocabulary
		step(8, 4, 0)
		reorder(0, 1) // back to the union of two lists
		step(13, 9)
		reorder(1)
		join(3)
		step(16, 0)
		if short.short.stale != 0 || len(short.short.ids) != 17 {
			t.Errorf("%+v: %d stale of %d slots after sentence 0 left, want 0 of 17", mode, short.short.stale, len(short.short.ids))
		}
		if err := short.Restrict(0, lists[0]); err == nil {
			t.Error("Restrict of a sentence gone accepted")
		}
	}
}

var negInf32 = float32(math.Inf(-1))

// checkRestricted compares a row of log-probabilities with the whole
// vocabulary's logits renormalised over keep (all of them when nil).
func checkRestricted(t *testing.T, logits, got []float32, keep []int) {
	t.Helper()
	if keep == nil {
		want := append([]float32(nil), logits...)
		tensor.LogSoftmax(want, nil)
		for id := range want {
			if got[id] != want[id] {
				t.Fatalf("unrestricted token %d: %g, want %g", id, got[id], want[id])
			}
		}
		return
	}
	sel := make([]float32, len(keep))
	for i, id := range keep {
		sel[i] = logits[id]
	}
	tensor.LogSoftmax(sel, nil)
	k := 0
	for id := range got {
		if k < len(keep) && keep[k] == id {
			if got[id] != sel[k] {
				t.Fatalf("token %d of the list: %g, want %g", id, got[id], sel[k])
			}
			k++
		} else if !math.IsInf(float64(got[id]), -1) {
			t.Fatalf("token %d off the list has %g", id, got[id])
		}
	}
}

// TestRestrictedNextAllocations: a step of sentences with shortlists
// allocates nothing once the decoder has reserved room, rows reordered
// between steps.
func TestRestrictedNextAllocations(t *testing.T) {
	c := tinyConfig()
	m := randomModel(t, c, 8)
	dec := newDecoder(t, m, [][]int{{5, 6, 7, 1}, {8, 1}})
	for s, ids := range [][]int{{1, 2, 3, 20, 30}, {1, 4, 5, 6, 21, 30, 31}} {
		if err := dec.Restrict(s, ids); err != nil {
			t.Fatal(err)
		}
	}
	dec.Reserve(4, c.MaxPositionEmbeddings)
	dims := dec.Dims()
	dec.Reorder([]int{0, 0, 1, 1})
	lp := make([]float32, 4*dims.Vocab)
	tokens := []int{3, 4, 5, 6}
	step := func() {
		dec.Reorder([]int{1, 0, 3, 2})
		if err := dec.Next(context.Background(), tokens, lp, nil); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}
