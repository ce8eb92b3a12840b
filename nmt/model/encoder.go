package model

import (
	"context"
	"fmt"
)

// Encoding is the encoder's output for a batch of source sentences. The
// sentences are stored one after another without padding, so a sentence's
// rows are the same whichever batch it was encoded in. An Encoding is
// read-only once made and may feed several decoders.
type Encoding struct {
	model  *Model
	lens   []int     // tokens per sentence (including the final eos)
	offs   []int     // first row of each sentence in hidden
	maxLen int       // longest sentence: the padded source length S
	hidden []float32 // [Σ lens, D] final encoder states
}

// Sentences is the number of encoded sentences.
func (e *Encoding) Sentences() int { return len(e.lens) }

// SourceLen is the number of tokens of sentence i.
func (e *Encoding) SourceLen(i int) int { return e.lens[i] }

// MaxLen is the longest source length, S in the decoder's attention rows.
func (e *Encoding) MaxLen() int { return e.maxLen }

// Output returns the encoder states of sentence i, [SourceLen(i), D]. The
// slice belongs to the Encoding: do not modify it.
func (e *Encoding) Output(i int) []float32 {
	d := e.model.cfg.DModel
	return e.hidden[e.offs[i]*d : (e.offs[i]+e.lens[i])*d]
}

// Part returns the Encoding of sentences [lo, hi) of e, sharing e's
// states: what encoding them alone gives (a sentence's rows do not depend
// on its batch), without running the encoder again.
func (e *Encoding) Part(lo, hi int) *Encoding {
	if lo < 0 || hi > len(e.lens) || lo >= hi {
		panic(fmt.Sprintf("model: Encoding.Part(%d, %d) of %d sentences", lo, hi, len(e.lens)))
	}
	d := e.model.cfg.DModel
	p := &Encoding{model: e.model, lens: e.lens[lo:hi:hi], offs: make([]int, hi-lo)}
	for i, n := range p.lens {
		p.offs[i] = e.offs[lo+i] - e.offs[lo]
		p.maxLen = max(p.maxLen, n)
	}
	end := e.offs[hi-1] + e.lens[hi-1]
	p.hidden = e.hidden[e.offs[lo]*d : end*d : end*d]
	return p
}

// Encode runs the encoder over a batch of source sentences, each a list of
// token ids already ending in the end-of-sentence token. Sentences may have
// different lengths; each attends only to its own tokens (the key padding
// mask of a padded batch), so its output does not depend on the batch.
func (m *Model) Encode(ctx context.Context, srcs [][]int) (*Encoding, error) {
	c := &m.cfg
	d := c.DModel
	e := &Encoding{model: m, lens: make([]int, len(srcs)), offs: make([]int, len(srcs))}
	total := 0
	for i, s := range srcs {
		if len(s) == 0 {
			return nil, fmt.Errorf("source sentence %d is empty (it must end with the end-of-sentence token)", i)
		}
		if len(s) > c.MaxPositionEmbeddings {
			return nil, fmt.Errorf("source sentence %d has %d tokens, more than max_position_embeddings %d", i, len(s), c.MaxPositionEmbeddings)
		}
		for j, id := range s {
			if id < 0 || id >= c.VocabSize {
				return nil, fmt.Errorf("source sentence %d: token %d at position %d is outside the vocabulary of %d", i, id, j, c.VocabSize)
			}
		}
		e.lens[i], e.offs[i] = len(s), total
		total += len(s)
		e.maxLen = max(e.maxLen, len(s))
	}
	// x = embed(src)·scale + positions  [total, D]
	x := make([]float32, total*d)
	positions := m.positions.rows(e.maxLen)
	for i, s := range srcs {
		for p, id := range s {
			embed(x[(e.offs[i]+p)*d:(e.offs[i]+p+1)*d], m.encEmbed, id, m.embedScale, positions[p*d:(p+1)*d])
		}
	}
	s := &encoderScratch{
		qkv:    make([]float32, total*3*d),
		ctx:    make([]float32, total*d),
		tmp:    make([]float32, total*d),
		hidden: make([]float32, total*c.EncoderFFNDim),
		probs:  make([]float32, e.maxLen),
	}
	for _, l := range m.enc {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.self.encoderSelf(x, e, s)
		l.ffn.apply(x, total, m.activation, s.hidden, s.tmp)
	}
	e.hidden = x
	return e, nil
}

type encoderScratch struct {
	qkv, ctx, tmp, hidden, probs []float32
}

// encoderSelf runs a self-attention block over every sentence of e in place:
// x = LN(x + out_proj(MHA(x))), each sentence attending to its own rows.
func (a *attention) encoderSelf(x []float32, e *Encoding, s *encoderScratch) {
	a.packedSelf(x, e.offs, e.lens, false, s.qkv, s.ctx, s.tmp, s.probs)
}
