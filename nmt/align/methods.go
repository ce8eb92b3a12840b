package align

// Symmetrizations returns every symmetrization, in the order reports list
// them: intersection, grow-diag, grow-diag-final-and, grow-diag-final,
// union.
func Symmetrizations() []Symmetrization {
	return []Symmetrization{Intersection, GrowDiag, GrowDiagFinalAnd, GrowDiagFinal, Union}
}

// ScanSelectors lists the selectors worth scoring on a model of the given
// decoder layers and heads: avg, every layer mean and every single head,
// each plain and shifted.
func ScanSelectors(layers, heads int) []Selector {
	plain := []Selector{AllHeads()}
	for l := range layers {
		plain = append(plain, LayerMean(l))
	}
	for l := range layers {
		for h := range heads {
			plain = append(plain, OneHead(l, h))
		}
	}
	out := make([]Selector, 0, 2*len(plain))
	for _, s := range plain {
		out = append(out, s, s.WithShift(true))
	}
	return out
}

// MethodScore is how well one way of drawing links from cross-attention
// matches the gold links.
type MethodScore struct {
	Options Options // the selector and the symmetrization
	Counts  Counts
}

// ScoreMethods scores every selector with every symmetrization (selectors
// outer) against gold: extract returns the alignment of gold[k] drawn
// with opt, of the gold texts themselves (see Evaluate).
func ScoreMethods(gold []GoldPair, sels []Selector, syms []Symmetrization, extract func(k int, opt Options) (*Alignment, error)) ([]MethodScore, error) {
	out := make([]MethodScore, 0, len(sels)*len(syms))
	for _, sel := range sels {
		for _, sym := range syms {
			opt := Options{Selector: sel, Symmetrize: sym}
			k := 0
			c, err := Evaluate(gold, func(GoldPair) (*Alignment, error) {
				k++
				return extract(k-1, opt)
			})
			if err != nil {
				return nil, err
			}
			out = append(out, MethodScore{Options: opt, Counts: c})
		}
	}
	return out, nil
}

// BestMethod returns the score of lowest AER, the first of equals; scores
// must not be empty.
func BestMethod(scores []MethodScore) MethodScore {
	best := scores[0]
	for _, s := range scores[1:] {
		if s.Counts.AER() < best.Counts.AER() {
			best = s
		}
	}
	return best
}

// Evaluate aligns every gold pair with m and the symmetrization sym and
// sums the counts of GoldWords.Score.
func (m *IBM1) Evaluate(gold []GoldPair, sym Symmetrization) (Counts, error) {
	return Evaluate(gold, func(g GoldPair) (*Alignment, error) {
		return m.Align(g.Source, g.Target, sym)
	})
}
