package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// checkStream asserts the streaming contract: per sentence, events arrive
// with consecutive positions, exactly one has Done and it is the last, and
// their tokens, log-probabilities and attention rows (the same memory) make
// up the best hypothesis exactly.
func checkStream(t *testing.T, res [][]Hypothesis, events []Event) {
	t.Helper()
	got := make([]Hypothesis, len(res))
	done := make([]bool, len(res))
	for _, e := range events {
		s := e.Sentence
		if done[s] {
			t.Fatalf("sentence %d: event after Done", s)
		}
		if e.Pos != len(got[s].Tokens) {
			t.Fatalf("sentence %d: event at position %d after %d tokens", s, e.Pos, len(got[s].Tokens))
		}
		if len(e.LogProbs) != len(e.Tokens) || len(e.Attn) != len(e.Tokens) {
			t.Fatalf("sentence %d: event with %d tokens, %d log-probs, %d attention rows", s, len(e.Tokens), len(e.LogProbs), len(e.Attn))
		}
		got[s].Tokens = append(got[s].Tokens, e.Tokens...)
		got[s].LogProbs = append(got[s].LogProbs, e.LogProbs...)
		got[s].Attn = append(got[s].Attn, e.Attn...)
		done[s] = e.Done
	}
	for s, hyps := range res {
		best := hyps[0]
		if !done[s] {
			t.Fatalf("sentence %d: no Done event", s)
		}
		if !slices.Equal(got[s].Tokens, best.Tokens) || !slices.Equal(got[s].LogProbs, best.LogProbs) {
			t.Fatalf("sentence %d: streamed %v %v, best is %v %v", s, got[s].Tokens, got[s].LogProbs, best.Tokens, best.LogProbs)
		}
		for i, at := range best.Attn {
			for l := range at {
				for h := range at[l] {
					if !slices.Equal(got[s].Attn[i][l][h], at[l][h]) || &got[s].Attn[i][l][h][0] != &at[l][h][0] {
						t.Fatalf("sentence %d: streamed attention row [%d][%d][%d] is not the best hypothesis's", s, i, l, h)
					}
				}
			}
		}
	}
}

// TestStreamIsFinal sweeps random distributions, batches and settings.
func TestStreamIsFinal(t *testing.T) {
	keys, srcLens := []int{21, 22, 23, 24}, []int{2, 5, 1, 3}
	streamed := 0 // tokens streamed before their sentence was done
	for seed := range uint64(25) {
		for _, o := range randomOpts {
			t.Run(fmt.Sprintf("seed%d/beam%d", seed, o.BeamSize), func(t *testing.T) {
				var events []Event
				f := newFake(t, 9, keys, srcLens, randomDist(9, eos, seed))
				res, err := Decode(context.Background(), f, srcLens, withIDs(o), func(e Event) {
					events = append(events, e)
					if !e.Done {
						streamed += len(e.Tokens)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				checkStream(t, res, events)
			})
		}
	}
	if streamed == 0 {
		t.Error("no token was streamed before its sentence finished")
	}
}

// TestStreamEarly: beam 2 over "a (.5) or b (.45), five times, then EOS".
// After the second step the live beams are a a and a b (a b and b a tie at
// .225; the lower beam wins), so the first token, a, is final and streams
// then, long before the sentence ends.
func TestStreamEarly(t *testing.T) {
	dist := func(_ int, prefix []int) []float32 {
		if len(prefix) < 5 {
			return probs(vocab5, map[int]float64{a: .5, b: .45, eos: .03})
		}
		return probs(vocab5, map[int]float64{eos: .9})
	}
	f := newFake(t, vocab5, []int{0}, []int{3}, dist)
	var events []Event
	var calls []int
	res, err := Decode(context.Background(), f, []int{3}, handOpts(2), func(e Event) {
		events = append(events, e)
		calls = append(calls, f.calls)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, res, events)
	if len(events) < 2 || !slices.Equal(events[0].Tokens, []int{a}) || events[0].Done || calls[0] != 2 {
		t.Fatalf("first event %+v after %d steps; want token a, not done, after 2", events[0], calls[0])
	}
	if want := []int{a, a, a, a, a, eos}; !slices.Equal(res[0][0].Tokens, want) {
		t.Errorf("best %v, want %v", res[0][0].Tokens, want)
	}
}

// TestStreamGreedy: greedy streams every token at the step that chose it.
func TestStreamGreedy(t *testing.T) {
	f := newFake(t, vocab5, []int{0}, []int{3}, greedyTrap)
	var calls []int
	var events []Event
	res, err := Decode(context.Background(), f, []int{3}, handOpts(1), func(e Event) {
		events = append(events, e)
		calls = append(calls, f.calls)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, res, events)
	if !slices.Equal(calls, []int{1, 2, 3}) {
		t.Errorf("events after steps %v, want one per step 1, 2, 3", calls)
	}
	for i, e := range events {
		if len(e.Tokens) != 1 || e.Done != (i == 2) {
			t.Errorf("event %d: %+v", i, e)
		}
	}
}
