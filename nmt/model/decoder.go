package model

import (
	"context"
	"fmt"

	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/nmt/tensor"
)

// Decoder is the per-request decoder state over one Encoding: a set of rows
// (hypotheses), each reading one source sentence, advanced one token at a
// time. It implements search.Scorer. It keeps, per layer, a self-attention
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

var _ search.Scorer = (*Decoder)(nil)

// NewDecoder starts decoding enc: one row per source sentence, in order,
// each holding the empty prefix. The first call to Next feeds the decoder
// start token (Config().DecoderStartTokenID) to every row.
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

// Dims reports the vocabulary, decoder layers, heads and padded source length.
func (d *Decoder) Dims() search.Dims {
	c := &d.m.cfg
	return search.Dims{Vocab: c.DecoderVocabSize, Layers: c.DecoderLayers, Heads: c.DecoderAttentionHeads, SrcLen: d.enc.maxLen}
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
		row := x[r*dm : (r+1)*dm]
		emb := d.m.decEmbed[id*dm : (id+1)*dm]
		for j := range row {
			row[j] = emb[j]*d.m.embedScale + pos[j]
		}
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
	d.m.output.Apply(out[:rows*dims.Vocab], x, rows)
	d.step++
	return nil
}

// selfAttention appends this step's keys and values to layer l's cache and
// runs x = LN(x + out_proj(MHA(x, cache))).
func (d *Decoder) selfAttention(l int, a *attention, x []float32, rows int) {
	dm := len(x) / rows
	hd := dm / a.heads
	qkv := d.qkv[:rows*3*dm]
	a.inProj.Apply(qkv, x, rows) // [rows, 3D]: q | k | v
	scaleQueries(qkv, rows, 3*dm, dm, queryScale(dm, a.heads))
	n := d.step + 1
	for r := 0; r < rows; r++ {
		row := qkv[r*3*dm : (r+1)*3*dm]
		keys := d.appendCache(&d.selfK[l][r], row[dm:2*dm])     // [n, D]
		values := d.appendCache(&d.selfV[l][r], row[2*dm:3*dm]) // [n, D]
		out := d.ctx[r*dm : (r+1)*dm]
		for h := 0; h < a.heads; h++ {
			o := h * hd
			attendHead(out[o:o+hd], row[o:o+hd], keys[o:], values[o:], dm, n, d.probs)
		}
	}
	tmp := d.tmp[:rows*dm]
	a.outProj.Apply(tmp, d.ctx, rows) // [rows, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}

// appendCache appends v to *slot, taking a recycled buffer for an empty
// slot, and returns the grown slice.
func (d *Decoder) appendCache(slot *[]float32, v []float32) []float32 {
	if *slot == nil {
		if k := len(d.spare); k > 0 {
			*slot = d.spare[k-1][:0]
			d.spare = d.spare[:k-1]
		} else {
			*slot = make([]float32, 0, 32*len(v))
		}
	}
	*slot = append(*slot, v...)
	return *slot
}

// crossAttention runs x = LN(x + out_proj(MHA(x, encoder states))) for
// layer l, writing the attention weights into attn when it is not nil.
func (d *Decoder) crossAttention(l int, a *attention, x []float32, rows int, attn []float32) {
	c := &d.m.cfg
	dm := c.DModel
	hd := dm / a.heads
	S := d.enc.maxLen
	q := d.q[:rows*dm]
	a.inProj.Apply(q, x, rows) // [rows, D]
	tensor.Scale(q, queryScale(dm, a.heads))
	kv := d.crossKV[l]
	for r := 0; r < rows; r++ {
		s := d.src[r]
		n := d.enc.lens[s]
		base := d.enc.offs[s] * 2 * dm
		out := d.ctx[r*dm : (r+1)*dm]
		for h := 0; h < a.heads; h++ {
			o := h * hd
			p := d.probs
			if attn != nil {
				p = attn[((r*c.DecoderLayers+l)*a.heads+h)*S:][:S]
				clear(p[n:])
			}
			attendHead(out[o:o+hd], q[r*dm+o:r*dm+o+hd], kv[base+o:], kv[base+dm+o:], 2*dm, n, p)
		}
	}
	tmp := d.tmp[:rows*dm]
	a.outProj.Apply(tmp, d.ctx, rows) // [rows, D]
	tensor.AddLayerNorm(x, tmp, a.norm.gamma, a.norm.beta, layerNormEps)
}

// Reorder makes old row rows[i] the new row i. Rows may repeat or be left
// out. An index outside [0, Rows()) is a programmer error and panics.
func (d *Decoder) Reorder(rows []int) {
	old := len(d.src)
	for _, r := range rows {
		if r < 0 || r >= old {
			panic(fmt.Sprintf("model: Reorder row %d of %d", r, old))
		}
	}
	if cap(d.used) < old {
		d.used = make([]bool, old)
	}
	for l := range d.selfK {
		d.selfK[l] = d.reorderCache(d.selfK[l], rows)
		d.selfV[l] = d.reorderCache(d.selfV[l], rows)
	}
	d.nextSrc = d.nextSrc[:0]
	for _, r := range rows {
		d.nextSrc = append(d.nextSrc, d.src[r])
	}
	d.src, d.nextSrc = d.nextSrc, d.src
}

// reorderCache gathers cache rows: the first use of an old row takes its
// slice, later uses copy it into a spare slice, and unused rows are recycled.
func (d *Decoder) reorderCache(cache [][]float32, rows []int) [][]float32 {
	used := d.used[:len(cache)]
	clear(used)
	next := d.nextRows[:0]
	for _, r := range rows {
		if !used[r] {
			used[r] = true
			next = append(next, cache[r])
			continue
		}
		var buf []float32
		if k := len(d.spare); k > 0 {
			buf, d.spare = d.spare[k-1][:0], d.spare[:k-1]
		}
		next = append(next, append(buf, cache[r]...))
	}
	for r, u := range used {
		if !u && cache[r] != nil {
			d.spare = append(d.spare, cache[r][:0])
		}
	}
	// The old header slice becomes the scratch for the next call.
	clear(cache)
	d.nextRows = cache[:0]
	return next
}
