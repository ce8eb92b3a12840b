package nmt

import (
	"math"
	"sort"

	"github.com/translated/translated/nmt/metrics"
)

// MaxMBR bounds Options.MBR: past it the weights are those of the best
// hypothesis alone, and minimum Bayes risk keeps the ranking as it is.
const MaxMBR = 1000

// mbrOrder sorts hs, a sentence's hypotheses, by their expected chrF2
// against all of them (Hypothesis.MBRScore), best first. Hypothesis j
// weighs exp(beta × (key_j − the largest key)), normalized to sum to 1; a
// hypothesis whose key is −Inf (one a second model could not score) weighs
// nothing. Ties keep the order hs came in.
func mbrOrder(hs []Hypothesis, key func(*Hypothesis) float64, beta float64) {
	if len(hs) == 0 {
		return
	}
	keys := make([]float64, len(hs))
	top := math.Inf(-1)
	for i := range hs {
		keys[i] = key(&hs[i])
		top = max(top, keys[i])
	}
	alike := math.IsInf(top, -1) // nothing to tell them apart: count them alike
	weights := make([]float64, len(hs))
	sum := 0.0
	for i, k := range keys {
		weights[i] = 1
		if !alike {
			weights[i] = math.Exp(beta * (k - top))
		}
		sum += weights[i]
	}
	grams := make([]metrics.CharNgrams, len(hs))
	for i := range hs {
		grams[i] = metrics.NewCharNgrams(hs[i].Text)
	}
	for i := range hs {
		expected := 0.0
		for j := range hs {
			if weights[j] == 0 {
				continue
			}
			expected += weights[j] / sum * metrics.SentenceCHRF(grams[i], grams[j])
		}
		hs[i].MBRScore = expected
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].MBRScore > hs[j].MBRScore })
}
