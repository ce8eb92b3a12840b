package model

import (
	"context"
	"errors"
	"fmt"

	"github.com/translated/translated/nmt/tensor"
)

// errForced marks a Decoder spent by Force.
var errForced = errors.New("model: the decoder was used by Force and holds no cache to go on from")

// forceChunk is how many positions share one pass of the output projection:
// it bounds the logits buffer to forceChunk × vocabulary values.
const forceChunk = 256

// Force scores whole given targets at once (teacher forcing): row r is fed
// start followed by targets[r] without its last token, every position in one
// pass, and logProbs[r][t] receives the log-probability of targets[r][t]
// after the first t tokens of it. attn, unless nil, receives the
// cross-attention of every position, [Σ len(targets[r]), Layers, Heads, S]
// with the rows of row 0 first, then row 1's, and so on.
//
// It gives what Next would give fed the same tokens step by step, from the
// same weights, with the position-wise products batched over all positions
// of all rows (differences are float32 rounding). It needs a fresh Decoder
// (no Next yet) and leaves it spent: later calls to Next fail.
func (d *Decoder) Force(ctx context.Context, start int, targets [][]int, logProbs [][]float32, attn []float32) error {
	inputs, n, err := d.forceInputs(start, targets, logProbs, attn)
	if err != nil || n == 0 {
		return err
	}
	d.failed = errForced
	c := &d.m.cfg
	dm := c.DModel
	// Each position becomes a row that reads its sentence's source.
	rowSrc := make([]int, 0, n)
	first := make([]int, len(targets)) // each target's first row
	lens := make([]int, len(targets))
	for r, t := range targets {
		first[r], lens[r] = len(rowSrc), len(t)
		for range t {
			rowSrc = append(rowSrc, d.rowSrc[r])
		}
	}
	d.rowSrc = rowSrc
	d.grow(n)
	longest := 0
	for _, t := range targets {
		longest = max(longest, len(t))
	}
	// Self-attention takes one row of weights at a time, cross-attention
	// one per position.
	d.probsWidth = max(longest, d.srcLen)
	d.probs = make([]float32, n*d.probsWidth)
	// x = embed(input)·scale + position(t)  [N, D]
	x := d.x[:n*dm]
	pos := d.m.positions.rows(longest)
	for r, in := range inputs {
		for t, id := range in {
			embed(x[(first[r]+t)*dm:][:dm], d.m.decEmbed, id, d.m.embedScale, pos[t*dm:][:dm])
		}
	}
	for l := range d.m.dec {
		if err := ctx.Err(); err != nil {
			return err
		}
		layer := &d.m.dec[l]
		layer.self.packedSelf(x, first, lens, true, d.qkv, d.ctx, d.tmp, d.probs)
		d.crossAttention(l, &layer.cross, x, n, attn)
		layer.ffn.apply(x, n, d.m.activation, d.hidden, d.tmp)
	}
	return d.forceScores(ctx, x, targets, logProbs)
}

// forceInputs checks Force's arguments and returns each row's input tokens
// (start, then its target but the last token) and the total position count.
func (d *Decoder) forceInputs(start int, targets [][]int, logProbs [][]float32, attn []float32) ([][]int, int, error) {
	c := &d.m.cfg
	switch {
	case d.failed != nil:
		return nil, 0, d.failed
	case d.step != 0:
		return nil, 0, fmt.Errorf("model: Force needs a fresh decoder, this one is at step %d", d.step)
	case len(targets) != len(d.rowSrc):
		return nil, 0, fmt.Errorf("model: Force got %d targets for %d rows", len(targets), len(d.rowSrc))
	case len(logProbs) != len(targets):
		return nil, 0, fmt.Errorf("model: Force got %d log-probability rows for %d targets", len(logProbs), len(targets))
	case start < 0 || start >= c.DecoderVocabSize:
		return nil, 0, fmt.Errorf("model: start token %d is outside the target vocabulary of %d", start, c.DecoderVocabSize)
	}
	inputs := make([][]int, len(targets))
	n := 0
	for r, t := range targets {
		if len(t) > c.MaxPositionEmbeddings {
			return nil, 0, fmt.Errorf("model: target %d has %d tokens, more than max_position_embeddings %d", r, len(t), c.MaxPositionEmbeddings)
		}
		if len(logProbs[r]) < len(t) {
			return nil, 0, fmt.Errorf("model: log-probability row %d holds %d values for %d tokens", r, len(logProbs[r]), len(t))
		}
		for _, id := range t {
			if id < 0 || id >= c.DecoderVocabSize {
				return nil, 0, fmt.Errorf("model: token %d of target %d is outside the target vocabulary of %d", id, r, c.DecoderVocabSize)
			}
		}
		if len(t) > 0 {
			inputs[r] = append([]int{start}, t[:len(t)-1]...)
		}
		n += len(t)
	}
	dims := d.Dims()
	if need := n * dims.Layers * dims.Heads * dims.SrcLen; attn != nil && len(attn) < need {
		return nil, 0, fmt.Errorf("model: attn holds %d values, need %d", len(attn), need)
	}
	return inputs, n, nil
}

// forceScores projects the final states onto the vocabulary, forceChunk
// positions at a time, and keeps each target token's log-probability.
func (d *Decoder) forceScores(ctx context.Context, x []float32, targets [][]int, logProbs [][]float32) error {
	dm, v := d.m.cfg.DModel, d.m.cfg.DecoderVocabSize
	n := len(d.rowSrc)
	gold := make([]int, 0, n)     // position → its target token
	out := make([]*float32, 0, n) // position → where its log-probability goes
	for r, t := range targets {
		for k, id := range t {
			gold = append(gold, id)
			out = append(out, &logProbs[r][k])
		}
	}
	logits := make([]float32, min(n, forceChunk)*v)
	for lo := 0; lo < n; lo += forceChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := min(forceChunk, n-lo)
		d.m.output.Apply(logits[:k*v], x[lo*dm:(lo+k)*dm], k) // [k, V]
		for i := range k {
			row := logits[i*v : (i+1)*v]
			tensor.LogSoftmax(row, nil)
			*out[lo+i] = row[gold[lo+i]]
		}
	}
	return nil
}
