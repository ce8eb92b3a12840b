package metrics

import "strings"

// chrF settings: sacreBLEU's defaults.
const (
	chrfOrder = 6 // character n-grams of orders 1..6
	chrfBeta  = 2 // recall counts beta² = 4 times as much as precision
)

// chrfStats holds, per character n-gram order, the n-grams of the
// hypothesis, of the reference, and of both (clipped counts).
type chrfStats [chrfOrder]struct{ hyp, ref, match int }

// CHRF returns the corpus chrF2 of hyps against refs (refs[i] translates
// the same sentence as hyps[i]) on a 0–100 scale, as sacreBLEU's default
// chrF computes it.
func CHRF(hyps, refs []string) float64 {
	return corpusCHRF(hyps, [][]string{refs}, chrfBeta, false)
}

// corpusCHRF scores hyps against one or more reference streams, summing
// each sentence's statistics against its best-scoring reference. With
// epsSmoothing the score is the mean of the per-order F-scores, as in
// chrF++.py (sacreBLEU's eps_smoothing option); without it, the F-score
// of the mean precision and recall over the orders present (the default).
func corpusCHRF(hyps []string, refStreams [][]string, beta float64, epsSmoothing bool) float64 {
	var total chrfStats
	for i, hyp := range hyps {
		refs, ok := sentenceRefs(refStreams, i)
		if !ok {
			break
		}
		h := charNgrams(hyp)
		var best chrfStats
		bestF := -1.0
		for _, r := range refs {
			st := matchCharNgrams(h, charNgrams(r))
			if f := chrfScore(st, beta, epsSmoothing); f > bestF {
				best, bestF = st, f
			}
		}
		for n := range total {
			total[n].hyp += best[n].hyp
			total[n].ref += best[n].ref
			total[n].match += best[n].match
		}
	}
	return chrfScore(total, beta, epsSmoothing)
}

// charNgrams counts the character n-grams (n = 1..6) of s with all
// whitespace removed. Characters are Unicode code points.
func charNgrams(s string) [chrfOrder]map[string]int {
	s = strings.ToValidUTF8(s, "\uFFFD")
	chars := []rune(strings.Join(strings.FieldsFunc(s, isPySpace), ""))
	var counts [chrfOrder]map[string]int
	for n := 1; n <= chrfOrder; n++ {
		counts[n-1] = map[string]int{}
		for i := 0; i+n <= len(chars); i++ {
			counts[n-1][string(chars[i:i+n])]++
		}
	}
	return counts
}

// matchCharNgrams compares a hypothesis with one reference. As in
// sacreBLEU, the hypothesis n-grams of an order count only when the
// reference has n-grams of that order (it is at least n characters long).
func matchCharNgrams(hyp, ref [chrfOrder]map[string]int) chrfStats {
	var st chrfStats
	for n := range st {
		hypCount := 0
		for g, c := range hyp[n] {
			hypCount += c
			st[n].match += min(c, ref[n][g])
		}
		for _, c := range ref[n] {
			st[n].ref += c
		}
		if len(ref[n]) > 0 {
			st[n].hyp = hypCount
		}
	}
	return st
}

// chrfScore turns summed statistics into a 0–100 score.
func chrfScore(st chrfStats, beta float64, epsSmoothing bool) float64 {
	const eps = 1e-16
	factor := beta * beta
	sumF, sumP, sumR := 0.0, 0.0, 0.0
	orders := 0
	for _, o := range st {
		p, r := eps, eps
		if o.hyp > 0 {
			p = float64(o.match) / float64(o.hyp)
		}
		if o.ref > 0 {
			r = float64(o.match) / float64(o.ref)
		}
		if d := factor*p + r; d > 0 {
			sumF += (1 + factor) * p * r / d
		} else {
			sumF += eps
		}
		if o.hyp > 0 && o.ref > 0 {
			sumP += p
			sumR += r
			orders++
		}
	}
	if epsSmoothing {
		return 100 * sumF / chrfOrder
	}
	if orders == 0 {
		return 0
	}
	p, r := sumP/float64(orders), sumR/float64(orders)
	if p+r == 0 {
		return 0
	}
	return 100 * (1 + factor) * p * r / (factor*p + r)
}

// CharNgrams holds a text's character n-gram counts, computed once so that
// the text can be scored against many others (SentenceCHRF), as minimum
// Bayes risk decoding does with every pair of a beam's hypotheses.
type CharNgrams struct{ counts [chrfOrder]map[string]int }

// NewCharNgrams counts the character n-grams of s as chrF reads them.
func NewCharNgrams(s string) CharNgrams { return CharNgrams{charNgrams(s)} }

// SentenceCHRF is the chrF2 (0–100) of one hypothesis against one
// reference: the corpus chrF2 of a corpus of that one pair.
func SentenceCHRF(hyp, ref CharNgrams) float64 {
	return chrfScore(matchCharNgrams(hyp.counts, ref.counts), chrfBeta, false)
}
