package search

import (
	"context"
	"fmt"
)

// Force scores given target token ids (forced decoding): row i of the scorer
// reads source i (srcLens[i] tokens, as in Decode) and is fed targets[i] one
// token at a time, with opts.EOS appended when the target does not end with
// it. It returns, per sentence, the target with each token's
// log-probability and cross-attention, Score and NormScore (with
// opts.LengthPenalty). Nothing is masked: a pad or banned id in a target is
// scored like any other token. Only the token ids, Start and LengthPenalty of
// opts are used; the other fields must still be valid.
func Force(ctx context.Context, scorer Scorer, srcLens []int, targets [][]int, opts Options) ([]Hypothesis, error) {
	if len(targets) != len(srcLens) {
		return nil, fmt.Errorf("search: %d targets for %d sources", len(targets), len(srcLens))
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	b, ss, err := startBatch(scorer, srcLens, Options{
		BeamSize: 1, EOS: opts.EOS, Pad: opts.Pad, Start: opts.Start, Banned: opts.Banned,
		LengthPenalty: opts.LengthPenalty, MaxLength: longestTarget(targets, opts.EOS),
	}, nil)
	if err != nil {
		return nil, err
	}
	full := make([][]int, len(targets))
	for i, t := range targets {
		if len(t) == 0 || t[len(t)-1] != opts.EOS {
			t = append(t[:len(t):len(t)], opts.EOS)
		}
		for _, id := range t {
			if id < 0 || id >= b.dims.Vocab {
				return nil, fmt.Errorf("search: target %d has token id %d outside the vocabulary of %d", i, id, b.dims.Vocab)
			}
		}
		full[i] = t
	}
	if f, ok := scorer.(Forcer); ok {
		err = b.forceAll(ctx, f, ss, full)
	} else {
		err = b.force(ctx, ss, full)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Hypothesis, len(targets))
	for i, s := range ss {
		out[i] = s.best[0].hypothesis(b.dims.Layers, b.dims.Heads)
	}
	return out, nil
}

// longestTarget is the length of the longest target once EOS is appended.
func longestTarget(targets [][]int, eos int) int {
	n := 1
	for _, t := range targets {
		k := len(t)
		if k == 0 || t[k-1] != eos {
			k++
		}
		n = max(n, k)
	}
	return n + 1 // above any target, so no minimum-length check can fail
}

// forceAll has f score every target in one pass.
func (b *Batch) forceAll(ctx context.Context, f Forcer, ss []*Sentence, targets [][]int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	logProbs := make([][]float32, len(targets))
	n := 0
	for s, t := range targets {
		logProbs[s] = make([]float32, len(t))
		n += len(t)
	}
	attn := make([]float32, n*b.dims.Layers*b.dims.Heads*b.dims.SrcLen)
	if err := f.Force(ctx, b.opts.Start, targets, logProbs, attn); err != nil {
		return err
	}
	i := 0 // the position's row in attn
	for s, t := range targets {
		cur := &node{}
		for k, tok := range t {
			cur = b.ar.child(cur, tok, logProbs[s][k], b.copyAttn(attn, i, ss[s]))
			i++
		}
		b.finish(cur)
		ss[s].best = []*node{cur}
	}
	return nil
}

// force feeds every target through the scorer, dropping each sentence's row
// once its target is complete.
func (b *Batch) force(ctx context.Context, ss []*Sentence, targets [][]int) error {
	V := b.dims.Vocab
	live := make([]int, len(targets)) // the sentence of each row
	for s := range live {
		live[s] = s
	}
	for step := 0; len(live) > 0; step++ {
		logProbs, attn, err := b.step(ctx)
		if err != nil {
			return err
		}
		b.tokens, b.rows = b.tokens[:0], b.rows[:0]
		kept := 0
		for i, s := range live {
			tok := targets[s][step]
			n := b.ar.child(ss[s].live[0], tok, row(logProbs, i, V)[tok], b.copyAttn(attn, i, ss[s]))
			ss[s].live[0] = n
			if step == len(targets[s])-1 {
				b.finish(n)
				ss[s].best = []*node{n}
				continue
			}
			live[kept] = s
			kept++
			b.tokens = append(b.tokens, tok)
			b.rows = append(b.rows, i)
		}
		if len(b.rows) > 0 {
			b.reorder(len(live))
		}
		live = live[:kept]
	}
	return nil
}
