package search

import (
	"context"
	"fmt"
)

// greedy decodes every sentence with its most likely token at each step,
// ending a sentence at its first EOS.
func (r *run) greedy(ctx context.Context) error {
	V := r.dims.Vocab
	cur := make([]*node, len(r.srcLens)) // the hypothesis of each live row
	live := make([]int, len(r.srcLens))  // the sentence of each live row
	for s := range live {
		live[s], cur[s] = s, &node{}
	}
	best := make([]int, len(r.srcLens)) // the token chosen for each live row
	for step := 0; len(live) > 0; step++ {
		logProbs, attn, err := r.step(ctx)
		if err != nil {
			return err
		}
		parallelRanges(len(live), V, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				lp := row(logProbs, i, V)
				r.procs.apply(lp, step, r.lims[live[i]])
				best[i] = argmax(lp)
			}
		})
		r.tokens, r.rows = r.tokens[:0], r.rows[:0]
		kept := 0
		for i, s := range live {
			lp := row(logProbs, i, V)
			tok := best[i]
			if tok < 0 {
				return fmt.Errorf("search: source %d: every token is masked or impossible at step %d", s, step)
			}
			n := r.ar.child(cur[s], tok, lp[tok], r.copyAttn(attn, i, s))
			cur[s] = n
			if tok == r.opts.EOS {
				r.finish(n)
				r.best[s] = []*node{n}
				r.emit(s, n, n.depth-1, true)
				continue
			}
			r.emit(s, n, n.depth-1, false)
			live[kept] = s
			kept++
			r.tokens = append(r.tokens, tok)
			r.rows = append(r.rows, i)
		}
		if len(r.rows) > 0 {
			r.reorder(len(live))
		}
		live = live[:kept]
	}
	return nil
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
