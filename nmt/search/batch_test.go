package search

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// TestBatchJoinAndDrop runs a continuous batch: sentences join at different
// steps while others decode, one is dropped half-way, and every other
// sentence ends with exactly the hypotheses Decode gives it alone, and
// streams them as Decode does.
func TestBatchJoinAndDrop(t *testing.T) {
	keys, srcLens := []int{31, 32, 33, 34, 35}, []int{2, 5, 1, 3, 4}
	joinAt := []int{0, 0, 1, 3, 6} // the step before which each sentence joins
	const dropped, dropAt = 1, 2
	for seed := range uint64(10) {
		for _, o := range randomOpts {
			t.Run(fmt.Sprintf("seed%d/beam%d", seed, o.BeamSize), func(t *testing.T) {
				o := withIDs(o)
				dist := randomDist(10, eos, seed)
				f := newFake(t, 10, keys, srcLens, dist)
				f.rows = f.rows[:0]
				b, err := NewBatch(f, o)
				if err != nil {
					t.Fatal(err)
				}
				var events []Event
				stream := func(e Event) { events = append(events, e) }
				ss := make([]*Sentence, len(keys))
				for step := 0; step < 100; step++ {
					for i, at := range joinAt {
						if at == step {
							f.rows = append(f.rows, fakeRow{src: i})
							if ss[i], err = b.Add(srcLens[i], i, stream); err != nil {
								t.Fatal(err)
							}
						}
					}
					if step == dropAt {
						b.Drop(ss[dropped])
					}
					if b.Len() == 0 && step > joinAt[len(joinAt)-1] {
						break
					}
					done, err := b.Step(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range done {
						if s == ss[dropped] || s.Err() != nil {
							t.Fatalf("sentence %d finished: %v", s.Tag(), s.Err())
						}
					}
				}
				var kept []Event
				for _, e := range events {
					if e.Sentence != dropped {
						kept = append(kept, e)
					}
				}
				res := make([][]Hypothesis, len(keys))
				for i, s := range ss {
					if i == dropped {
						if b.Results(s) != nil {
							t.Fatal("the dropped sentence has results")
						}
						res[i] = []Hypothesis{{}}
						continue
					}
					alone, err := Decode(context.Background(), newFake(t, 10, keys[i:i+1], srcLens[i:i+1], dist), srcLens[i:i+1], o, nil)
					if err != nil {
						t.Fatal(err)
					}
					res[i] = b.Results(s)
					if !reflect.DeepEqual(res[i], alone[0]) {
						t.Fatalf("sentence %d: batched %+v\nalone %+v", i, res[i], alone[0])
					}
				}
				checkStream(t, res[:dropped], eventsOf(kept, 0, dropped))
				checkStream(t, res[dropped+1:], eventsOf(kept, dropped+1, len(keys)))
			})
		}
	}
}

// eventsOf keeps the events of sentences [lo, hi), renumbered from 0.
func eventsOf(events []Event, lo, hi int) []Event {
	var out []Event
	for _, e := range events {
		if e.Sentence >= lo && e.Sentence < hi {
			e.Sentence -= lo
			out = append(out, e)
		}
	}
	return out
}

// TestBatchAddChecks refuses a sentence whose row the scorer does not hold.
func TestBatchAddChecks(t *testing.T) {
	f := newFake(t, 10, []int{1}, []int{3}, randomDist(10, eos, 1))
	b, err := NewBatch(f, withIDs(Options{BeamSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add(9, 0, nil); err == nil {
		t.Error("a source longer than the scorer's was accepted")
	}
	if _, err := b.Add(3, 0, nil); err != nil {
		t.Error(err)
	}
}
