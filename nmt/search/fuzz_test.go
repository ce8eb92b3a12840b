package search

import (
	"context"
	"slices"
	"testing"
)

// FuzzDecode runs the search with arbitrary settings on random
// distributions: invalid settings must give Validate's error, valid ones a
// result that keeps every documented promise.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(1), uint8(1), int8(0), uint8(10), uint8(0), uint8(0), uint8(0), false, uint8(0), uint64(1))
	f.Add(uint8(4), uint8(3), int8(20), uint8(0), uint8(3), uint8(2), uint8(1), false, uint8(5), uint64(2))
	f.Add(uint8(3), uint8(3), int8(-10), uint8(6), uint8(0), uint8(0), uint8(5), true, uint8(255), uint64(3))
	f.Add(uint8(5), uint8(6), int8(12), uint8(3), uint8(1), uint8(0), uint8(9), false, uint8(0), uint64(4))
	f.Fuzz(func(t *testing.T, beam, nbest uint8, alpha int8, maxLen, ratio, offset, minLen uint8, early bool, banned uint8, seed uint64) {
		const v = 8
		o := Options{
			BeamSize: int(beam % 7), NBest: int(nbest % 6), LengthPenalty: float64(alpha) / 20,
			MaxLength: 1 + int(maxLen%24), MaxLengthRatio: float64(ratio%8) / 2, MaxLengthOffset: int(offset % 5),
			MinLength: int(minLen % 12), EarlyStop: early, EOS: eos, Pad: pad, Start: pad,
		}
		for id := 2; id < v; id++ {
			if banned&(1<<id) != 0 && id != v-1 { // keep one token allowed besides EOS
				o.Banned = append(o.Banned, id)
			}
		}
		keys, srcLens := []int{1, 2, 3}, []int{1, 3, 2}
		var events []Event
		res, err := Decode(context.Background(), newFake(t, v, keys, srcLens, randomDist(v, eos, seed)), srcLens, o,
			func(e Event) { events = append(events, e) })
		if verr := o.Validate(); verr != nil {
			if err == nil || err.Error() != verr.Error() {
				t.Fatalf("%+v: Decode error %v, Validate error %v", o, err, verr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		r := o.withDefaults()
		for s, hyps := range res {
			lim := r.limitsFor(srcLens[s])
			if len(hyps) == 0 || len(hyps) > r.NBest || r.BeamSize == 1 && len(hyps) != 1 {
				t.Fatalf("%+v: sentence %d has %d hypotheses", o, s, len(hyps))
			}
			for i, h := range hyps {
				n := len(h.Tokens)
				if n == 0 || n > lim.maxLen || n-1 < lim.minLen || h.Tokens[n-1] != eos {
					t.Fatalf("%+v: sentence %d: %v breaks the limits %+v or does not end with EOS", o, s, h.Tokens, lim)
				}
				sum := 0.0
				for _, id := range h.Tokens[:n-1] {
					if id == eos || id == pad || slices.Contains(o.Banned, id) {
						t.Fatalf("%+v: sentence %d: %v holds EOS early, pad or a banned id", o, s, h.Tokens)
					}
				}
				for _, lp := range h.LogProbs {
					sum += float64(lp)
				}
				if sum != h.Score || i > 0 && h.NormScore > hyps[i-1].NormScore {
					t.Fatalf("%+v: sentence %d: score %v (sum %v) or order wrong", o, s, h.Score, sum)
				}
			}
		}
		checkStream(t, res, events)
	})
}
