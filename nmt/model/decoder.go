package model

import (
	"context"
	"fmt"

	"github.com/translated/translated/nmt/tensor"
)

// Decoder is the per-request decoder state over one Encoding: a set of rows
// (hypotheses), each reading one source sentence, advanced one token at a
// time. It implements search.Scorer (without importing package search; see
// Dims). It keeps, per layer, a self-attention
// key/value cache for every row that grows by one position per step, and the
// cross-attention keys and values of every sentence, computed once.
//
// A Decoder is not safe for concurrent use; any number of Decoders may share
// one Model and one Encoding.
type Decoder struct {
	m      *Model
	enc    *Encoding
	step   int   // tokens fed so far to every row; the next token's position
	failed error // set when a step stopped half-way; the state is then unusable
	src    []int // row → source sentence

	crossKV [][]float32 // [layer][Σ lens, 2D]: k | v of every source token

	// Self-attention caches: selfK[l][r] holds step×D keys of row r in
	// layer l (heads side by side), selfV likewise. Reorder moves slices
	// between rows and copies only repeated rows.
	selfK, selfV [][][]float32
	spare        [][]float32 // cache slices of dropped rows, for reuse
	nextRows     [][]float32 // reorder scratch
	used         []bool      // reorder scratch
	nextSrc      []int       // reorder scratch

	// Step buffers, sized for the largest row count seen.
	x, qkv, q, ctx, tmp, hidden []float32
	probs, expScratch           []float32
}

// NewDecoder starts decoding enc: one row per source sentence, in order,
// each holding the empty prefix. The first call to Next is expected to feed
// the decoder start token (Config().DecoderStartTokenID) to every row, as
// package search does; the cross-attention keys and values of every source
// token are computed here, once.
func (m *Model) NewDecoder(enc *Encoding) (*Decoder, error) {
	if enc == nil || enc.model != m {
		return nil, fmt.Errorf("model: the encoding was made by another model")
	}
	c := &m.cfg
	d := c.DModel
	total := len(enc.hidden) / d
	n := enc.Sentences()
	dec := &Decoder{m: m, enc: enc, src: make([]int, n)}
	for i := range dec.src {
		dec.src[i] = i
	}
	dec.crossKV = make([][]float32, len(m.dec))
	dec.selfK = make([][][]float32, len(m.dec))
	dec.selfV = make([][][]float32, len(m.dec))
	for l, layer := range m.dec {
		dec.crossKV[l] = make([]float32, total*2*d)
		layer.cross.kvProj.Apply(dec.crossKV[l], enc.hidden, total) // [total, 2D]
		dec.selfK[l] = make([][]float32, n)
		dec.selfV[l] = make([][]float32, n)
	}
	dec.expScratch = make([]float32, c.DecoderVocabSize)
	dec.probs = make([]float32, max(enc.maxLen, 1))
	dec.grow(n)
	return dec, nil
}

// grow sizes the step buffers for rows rows.
func (d *Decoder) grow(rows int) {
	c := &d.m.cfg
	if len(d.x) >= rows*c.DModel {
		return
	}
	rows = max(rows, 2*len(d.x)/c.DModel)
	dm := c.DModel
	d.x = make([]float32, rows*dm)
	d.qkv = make([]float32, rows*3*dm)
	d.q = make([]float32, rows*dm)
	d.ctx = make([]float32, rows*dm)
	d.tmp = make([]float32, rows*dm)
	d.hidden = make([]float32, rows*c.DecoderFFNDim)
}

// Dims are the sizes of a Decoder's outputs: the same struct as search.Dims,
// declared here so that the Decoder satisfies search.Scorer while package
// model imports nothing of package search (Go takes unnamed struct types
// with the same fields for one type; the tests check it).
type Dims = struct {
	Vocab  int // size of the target vocabulary
	Layers int // decoder layers with cross-attention
	Heads  int // cross-attention heads per layer
	SrcLen int // padded source length S (including the end-of-sentence token)
}

// Dims reports the vocabulary, decoder layers, heads and padded source length.
func (d *Decoder) Dims() Dims {
	c := &d.m.cfg
	return Dims{Vocab: c.DecoderVocabSize, Layers: c.DecoderLayers, Heads: c.DecoderAttentionHeads, SrcLen: d.enc.maxLen}
}

// Rows is the number of live rows.
func (d *Decoder) Rows() int { return len(d.src) }

// Step is the number of tokens fed to every row so far.
func (d *Decoder) Step() int { return d.step }

// Source returns the source sentence index that row r reads.
func (d *Decoder) Source(r int) int { return d.src[r] }

// Next feeds tokens[r] to row r at position Step() and writes the
// log-softmax of the next-token logits into logProbs ([rows, Vocab]) and the
// cross-attention weights into attn ([rows, Layers, Heads, S], zero beyond
// each row's source length). attn may be nil when the caller does not want
// the attention. The context is checked before every layer; a step
// cancelled half-way leaves the Decoder unusable (later calls fail).
func (d *Decoder) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	if d.failed != nil {
		return d.failed
	}
	if err := d.logits(ctx, tokens, logProbs, attn); err != nil {
		return err
	}
	v := d.m.cfg.DecoderVocabSize
	for r := range tokens {
		tensor.LogSoftmax(logProbs[r*v:(r+1)*v], d.expScratch)
	}
	return nil
}

// logits is Next without the final log-softmax: it leaves the raw logits
// x·Eᵀ + final_logits_bias in out.
func (d *Decoder) logits(ctx context.Context, tokens []int, out, attn []float32) error {
	c := &d.m.cfg
	rows := len(d.src)
	if err := d.check(tokens, out, attn); err != nil || rows == 0 {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	d.grow(rows)
	if len(d.probs) <= d.step {
		d.probs = make([]float32, 2*(d.step+1))
	}
	dm := c.DModel
	x := d.x[:rows*dm]
	// x = embed(token)·scale + position(step)  [rows, D]
	pos := d.m.positions.rows(d.step + 1)[d.step*dm : (d.step+1)*dm]
	for r, id := range tokens {
		embed(x[r*dm:(r+1)*dm], d.m.decEmbed, id, d.m.embedScale, pos)
	}
	for l := range d.m.dec {
		if l > 0 {
			if err := ctx.Err(); err != nil {
				// Earlier layers already cached this step: the rows are
				// now out of step with each other and cannot go on.
				d.failed = fmt.Errorf("model: decoder abandoned after a cancelled step: %w", err)
				return err
			}
		}
		layer := &d.m.dec[l]
		d.selfAttention(l, &layer.self, x, rows)
		d.crossAttention(l, &layer.cross, x, rows, attn)
		layer.ffn.apply(x, rows, d.m.activation, d.hidden, d.tmp)
	}
	// out = x·Eᵀ + final_logits_bias  [rows, V]
	d.m.output.Apply(out[:rows*c.DecoderVocabSize], x, rows)
	d.step++
	return nil
}

// check validates Next's arguments against the decoder's state.
func (d *Decoder) check(tokens []int, out, attn []float32) error {
	c := &d.m.cfg
	rows := len(d.src)
	if len(tokens) != rows {
		return fmt.Errorf("model: Next got %d tokens for %d rows", len(tokens), rows)
	}
	if rows == 0 {
		return nil
	}
	dims := d.Dims()
	if len(out) < rows*dims.Vocab {
		return fmt.Errorf("model: logProbs holds %d values, need %d rows × %d", len(out), rows, dims.Vocab)
	}
	attnSize := dims.Layers * dims.Heads * dims.SrcLen
	if attn != nil && len(attn) < rows*attnSize {
		return fmt.Errorf("model: attn holds %d values, need %d rows × %d", len(attn), rows, attnSize)
	}
	if d.step >= c.MaxPositionEmbeddings {
		return fmt.Errorf("model: target position %d reaches max_position_embeddings %d", d.step, c.MaxPositionEmbeddings)
	}
	for r, id := range tokens {
		if id < 0 || id >= c.DecoderVocabSize {
			return fmt.Errorf("model: token %d of row %d is outside the target vocabulary of %d", id, r, c.DecoderVocabSize)
		}
	}
	return nil
}
