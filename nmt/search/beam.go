package search

import (
	"context"
	"fmt"
)

// sentenceBeam is the beam search state of one sentence.
type sentenceBeam struct {
	live    []*node // live hypotheses, one scorer row each, in row order
	next    []*node // the live hypotheses being chosen for the next step
	emitted int     // tokens of the best hypothesis already streamed
}

// beam runs beam search on every sentence. At each step, every live
// hypothesis of a sentence is extended by every allowed token; the 2×BeamSize
// best extensions by raw score are taken in order: an EOS among the first
// BeamSize finishes a hypothesis, other tokens fill the BeamSize live slots,
// and the rest are dropped.
func (r *run) beam(ctx context.Context) error {
	B := r.opts.BeamSize
	beams := make([]sentenceBeam, len(r.srcLens))
	active := make([]int, len(r.srcLens)) // sentences still decoding, in row order
	for s := range beams {
		beams[s].live = append(make([]*node, 0, B), &node{})
		beams[s].next = make([]*node, 0, B)
		active[s] = s
	}
	tops := make([]topK, len(r.srcLens)) // each sentence's best extensions
	for s := range tops {
		tops[s] = topK{k: 2 * B, h: make([]cand, 0, 2*B)}
	}
	firsts := make([]int, len(r.srcLens)) // each active sentence's first scorer row
	parentAttn := make([][]float32, B)
	for step := 0; len(active) > 0; step++ {
		logProbs, attn, err := r.step(ctx)
		if err != nil {
			return err
		}
		first := 0
		for _, s := range active {
			firsts[s] = first
			first += len(beams[s].live)
		}
		// The scans of the sentences' rows, the bulk of the work, run in
		// parallel; choosing from them runs in order.
		parallelRanges(len(active), first*r.dims.Vocab/len(active), func(lo, hi int) {
			for _, s := range active[lo:hi] {
				r.scanSentence(&beams[s], s, step, firsts[s], logProbs, &tops[s])
			}
		})
		r.tokens, r.rows = r.tokens[:0], r.rows[:0]
		kept := 0 // sentences kept
		for _, s := range active {
			b := &beams[s]
			mark := len(r.rows)
			if err := r.expand(b, s, step, firsts[s], logProbs, attn, &tops[s], parentAttn); err != nil {
				return err
			}
			if r.sentenceDone(b, s) {
				r.rows, r.tokens = r.rows[:mark], r.tokens[:mark]
				r.emit(s, r.best[s][0], b.emitted, true)
				continue
			}
			r.streamPrefix(b, s)
			active[kept] = s
			kept++
		}
		if len(r.rows) > 0 {
			r.reorder(first)
		}
		active = active[:kept]
	}
	return nil
}

// scanSentence masks the scorer rows first, first+1, … of sentence s's
// live hypotheses and keeps their best extensions in top. It touches only
// those rows and top, so sentences scan in parallel.
func (r *run) scanSentence(b *sentenceBeam, s, step, first int, logProbs []float32, top *topK) {
	V := r.dims.Vocab
	top.h = top.h[:0]
	for j, n := range b.live {
		lp := row(logProbs, first+j, V)
		r.procs.apply(lp, step, r.lims[s])
		top.scan(lp, n.score, j*V)
	}
}

// expand chooses sentence s's next live hypotheses from the extensions
// scanSentence kept in top, appending their rows and tokens to r.rows and
// r.tokens, and records the hypotheses that finish.
func (r *run) expand(b *sentenceBeam, s, step, first int, logProbs, attn []float32, top *topK, parentAttn [][]float32) error {
	B, V, eos := r.opts.BeamSize, r.dims.Vocab, r.opts.EOS
	clear(parentAttn)
	cands := top.sorted()
	if len(cands) == 0 {
		return fmt.Errorf("search: source %d: every token is masked or impossible at step %d", s, step)
	}
	b.next = b.next[:0]
	for rank, c := range cands {
		if len(b.next) == B {
			break // every later rank is ≥ B, where an EOS no longer counts
		}
		j, tok := c.idx/V, c.idx%V
		if tok == eos && rank >= B {
			continue
		}
		lp := logProbs[(first+j)*V+tok]
		if lp > 0 {
			return fmt.Errorf("search: scorer gave token %d a log-probability of %g > 0 at step %d; Next must write log-softmax values", tok, lp, step)
		}
		if parentAttn[j] == nil {
			parentAttn[j] = r.copyAttn(attn, first+j, s)
		}
		n := r.ar.child(b.live[j], tok, lp, parentAttn[j])
		if tok == eos {
			r.finish(n)
			r.addFinished(s, n)
			continue
		}
		b.next = append(b.next, n)
		r.rows = append(r.rows, first+j)
		r.tokens = append(r.tokens, tok)
	}
	b.live, b.next = b.next, b.live
	return nil
}

// addFinished inserts n into sentence s's finished list, which is ordered by
// NormScore (earlier hypotheses first on ties) and holds at most NBest.
func (r *run) addFinished(s int, n *node) {
	fin := r.best[s]
	i := len(fin)
	for i > 0 && fin[i-1].norm < n.norm {
		i--
	}
	if i >= r.opts.NBest {
		return
	}
	if len(fin) < r.opts.NBest {
		fin = append(fin, nil)
	}
	copy(fin[i+1:], fin[i:])
	fin[i] = n
	r.best[s] = fin
}

// bound is the highest NormScore that any finished descendant of the live
// hypothesis n can reach: later tokens only lower its sum, and its length
// lies between the next step (or the minimum length) and the limit.
func (r *run) bound(n *node, s int) float64 {
	lim := r.lims[s]
	lo, hi := max(n.depth+1, lim.minLen+1), lim.maxLen
	return max(n.score/r.pow[lo], n.score/r.pow[hi])
}

// sentenceDone applies the stopping rule described at Options.EarlyStop.
func (r *run) sentenceDone(b *sentenceBeam, s int) bool {
	if len(b.live) == 0 {
		return true
	}
	fin := r.best[s]
	if len(fin) < r.opts.NBest {
		return false
	}
	if r.opts.EarlyStop {
		return true
	}
	worst := fin[r.opts.NBest-1].norm
	for _, n := range b.live {
		if r.opts.LikelyStop && n.score/r.pow[max(n.depth, 1)] > worst {
			return false
		}
		if !r.opts.LikelyStop && r.bound(n, s) > worst {
			return false
		}
	}
	return true
}

// streamPrefix streams the tokens of sentence s that have become final. The
// best hypothesis Decode will return is either the current best finished
// one or a descendant of a live hypothesis whose bound beats it (a later
// hypothesis replaces the best only with a strictly higher NormScore), so
// the common prefix of those can no longer change.
func (r *run) streamPrefix(b *sentenceBeam, s int) {
	if r.stream == nil {
		return
	}
	var prefix, best *node
	if len(r.best[s]) > 0 {
		best = r.best[s][0]
		prefix = best
	}
	for _, n := range b.live {
		switch {
		case best != nil && r.bound(n, s) <= best.norm:
		case prefix == nil:
			prefix = n
		default:
			prefix = commonPrefix(prefix, n)
		}
	}
	if prefix.depth > b.emitted {
		r.emit(s, prefix, b.emitted, false)
		b.emitted = prefix.depth
	}
}
