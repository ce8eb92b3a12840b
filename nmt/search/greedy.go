package search

import "fmt"

// greedy extends every sentence with its most likely token, ending a
// sentence at its first EOS. Every sentence has one row.
func (b *Batch) greedy(logProbs, attn []float32) {
	V := b.dims.Vocab
	parallelRanges(len(b.live), V, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := b.live[i]
			lp := row(logProbs, i, V)
			b.procs.apply(lp, s.live[0].depth, s.lim)
			s.choice = argmax(lp)
		}
	})
	kept := 0
	for i, s := range b.live {
		tok := s.choice
		if tok < 0 {
			b.fail(s, fmt.Errorf("search: source %d: every token is masked or impossible at step %d", s.tag, s.live[0].depth))
			continue
		}
		n := b.ar.child(s.live[0], tok, row(logProbs, i, V)[tok], b.copyAttn(attn, i, s))
		s.live[0] = n
		if tok == b.opts.EOS {
			b.finish(n)
			s.best = []*node{n}
			b.emit(s, n, n.depth-1, true)
			b.done = append(b.done, s)
			continue
		}
		b.emit(s, n, n.depth-1, false)
		b.live[kept] = s
		kept++
		b.tokens = append(b.tokens, tok)
		b.rows = append(b.rows, i)
	}
	b.live = b.live[:kept]
}

// argmax returns the index of the largest value of row, the lowest index on
// ties, or −1 when every value is −Inf or NaN.
func argmax(row []float32) int {
	best, bv := -1, negInf
	for i, v := range row {
		if v > bv {
			best, bv = i, v
		}
	}
	return best
}
