package search

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopK compares the heap (with its float32 cut-off) with a full sort on
// rows full of ties, masked values and NaN.
func TestTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 500 {
		k := 1 + rng.IntN(10)
		rows := 1 + rng.IntN(4)
		v := 1 + rng.IntN(40)
		top := &topK{k: k}
		var all []cand
		for j := range rows {
			// The conversion rounds base here: without it Go may fuse the
			// multiplication into the addition below (arm64 does), and the
			// reference would differ from scan's sums in the last bit.
			base := float64(-rng.Float64() * 20)
			row := make([]float32, v)
			for i := range row {
				switch rng.IntN(6) {
				case 0:
					row[i] = negInf
				case 1:
					row[i] = float32(math.NaN())
				case 2:
					row[i] = -1 // many ties
				default:
					row[i] = -float32(rng.Float64() * 10)
				}
				if row[i] > negInf {
					all = append(all, cand{base + float64(row[i]), j*v + i})
				}
			}
			top.scan(row, base, j*v)
		}
		slices.SortFunc(all, func(x, y cand) int {
			return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.idx, y.idx))
		})
		want := all[:min(k, len(all))]
		if got := top.sorted(); !slices.Equal(got, want) {
			t.Fatalf("trial %d: top %d = %v, want %v", trial, k, got, want)
		}
	}
}
