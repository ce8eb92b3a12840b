package search

import (
	"fmt"
)

// beam extends every sentence's live hypotheses by every allowed token;
// the 2×BeamSize best extensions of a sentence by raw score are taken in
// order: an EOS among the first BeamSize finishes a hypothesis, other
// tokens fill the BeamSize live slots, and the rest are dropped.
func (b *Batch) beam(logProbs, attn []float32) {
	first := 0
	for _, s := range b.live {
		s.first = first
		first += len(s.live)
	}
	// The scans of the sentences' rows, the bulk of the work, run in
	// parallel; choosing from them runs in order.
	parallelRanges(len(b.live), first*b.dims.Vocab/len(b.live), func(lo, hi int) {
		for _, s := range b.live[lo:hi] {
			b.scanSentence(s, logProbs)
		}
	})
	kept := 0 // sentences kept
	for _, s := range b.live {
		mark := len(b.rows)
		if err := b.expand(s, logProbs, attn); err != nil {
			b.rows, b.tokens = b.rows[:mark], b.tokens[:mark]
			b.fail(s, err)
			continue
		}
		if b.sentenceDone(s) {
			b.rows, b.tokens = b.rows[:mark], b.tokens[:mark]
			b.emit(s, s.best[0], s.emitted, true)
			b.done = append(b.done, s)
			continue
		}
		b.streamPrefix(s)
		b.live[kept] = s
		kept++
	}
	b.live = b.live[:kept]
}

// scanSentence masks the scorer rows s.first, s.first+1, … of sentence s's
// live hypotheses and keeps their best extensions in s.top. It touches only
// those rows and s, so sentences scan in parallel.
func (b *Batch) scanSentence(s *Sentence, logProbs []float32) {
	V := b.dims.Vocab
	s.top.h = s.top.h[:0]
	for j, n := range s.live {
		lp := row(logProbs, s.first+j, V)
		b.procs.apply(lp, n.depth, s.lim)
		s.top.scan(lp, n.score, j*V)
	}
}

// expand chooses sentence s's next live hypotheses from the extensions
// scanSentence kept, appending their rows and tokens to b.rows and
// b.tokens, and records the hypotheses that finish.
func (b *Batch) expand(s *Sentence, logProbs, attn []float32) error {
	B, V, eos := b.opts.BeamSize, b.dims.Vocab, b.opts.EOS
	step := s.live[0].depth
	parentAttn := b.parentAttn
	clear(parentAttn)
	cands := s.top.sorted()
	if len(cands) == 0 {
		return fmt.Errorf("search: source %d: every token is masked or impossible at step %d", s.tag, step)
	}
	s.next = s.next[:0]
	for rank, c := range cands {
		if len(s.next) == B {
			break // every later rank is ≥ B, where an EOS no longer counts
		}
		j, tok := c.idx/V, c.idx%V
		if tok == eos && rank >= B {
			continue
		}
		lp := logProbs[(s.first+j)*V+tok]
		if lp > 0 {
			return fmt.Errorf("search: scorer gave token %d a log-probability of %g > 0 at step %d; Next must write log-softmax values", tok, lp, step)
		}
		if parentAttn[j] == nil {
			parentAttn[j] = b.copyAttn(attn, s.first+j, s)
		}
		n := b.ar.child(s.live[j], tok, lp, parentAttn[j])
		if tok == eos {
			b.finish(n)
			b.addFinished(s, n)
			continue
		}
		s.next = append(s.next, n)
		b.rows = append(b.rows, s.first+j)
		b.tokens = append(b.tokens, tok)
	}
	s.live, s.next = s.next, s.live
	return nil
}

// addFinished inserts n into sentence s's finished list, which is ordered by
// NormScore (earlier hypotheses first on ties) and holds at most NBest.
func (b *Batch) addFinished(s *Sentence, n *node) {
	fin := s.best
	i := len(fin)
	for i > 0 && fin[i-1].norm < n.norm {
		i--
	}
	if i >= b.opts.NBest {
		return
	}
	if len(fin) < b.opts.NBest {
		fin = append(fin, nil)
	}
	copy(fin[i+1:], fin[i:])
	fin[i] = n
	s.best = fin
}

// bound is the highest NormScore that any finished descendant of the live
// hypothesis n can reach: later tokens only lower its sum, and its length
// lies between the next step (or the minimum length) and the limit.
func (b *Batch) bound(n *node, s *Sentence) float64 {
	lo, hi := max(n.depth+1, s.lim.minLen+1), s.lim.maxLen
	return max(n.score/b.pow[lo], n.score/b.pow[hi])
}

// sentenceDone applies the stopping rule described at Options.EarlyStop.
func (b *Batch) sentenceDone(s *Sentence) bool {
	if len(s.live) == 0 {
		return true
	}
	fin := s.best
	if len(fin) < b.opts.NBest {
		return false
	}
	if b.opts.EarlyStop {
		return true
	}
	worst := fin[b.opts.NBest-1].norm
	for _, n := range s.live {
		if b.opts.LikelyStop && n.score/b.pow[max(n.depth, 1)] > worst {
			return false
		}
		if !b.opts.LikelyStop && b.bound(n, s) > worst {
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
func (b *Batch) streamPrefix(s *Sentence) {
	if s.stream == nil {
		return
	}
	var prefix, best *node
	if len(s.best) > 0 {
		best = s.best[0]
		prefix = best
	}
	for _, n := range s.live {
		switch {
		case best != nil && b.bound(n, s) <= best.norm:
		case prefix == nil:
			prefix = n
		default:
			prefix = commonPrefix(prefix, n)
		}
	}
	if prefix.depth > s.emitted {
		b.emit(s, prefix, s.emitted, false)
		s.emitted = prefix.depth
	}
}
