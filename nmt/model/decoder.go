package model

import (
	"context"
	"fmt"

	"github.com/translated/translated/nmt/tensor"
)

// Decoder is the per-request decoder state: a set of rows (hypotheses),
// each reading one source sentence, advanced one token at a time, all rows
// in one matrix product per layer. It implements search.Scorer (without
// importing package search; see Dims).
//
// Rows need not be in step: a row's position is the number of tokens fed
// to it, and Join adds rows at position 0 for newly encoded sentences while
// others go on, so that a caller can keep one Decoder busy with sentences
// that start and finish at different times (continuous batching: Reorder
// drops the finished rows, Join adds the waiting ones; search.Batch drives
// it so). The Decoder forgets a sentence once no row reads it, so that one
// kept busy for hours does not grow.
//
// The self-attention keys and values live in a cache of one block per step
// with back-pointers (kvCache): Reorder moves no cached value. Reserve sizes
// the cache and the step buffers for a whole search at once, after which a
// step allocates nothing.
//
// A Decoder is not safe for concurrent use; any number of Decoders may share
// one Model and one Encoding.
type Decoder struct {
	m      *Model
	step   int   // Next calls so far: the step whose block is written next
	failed error // set when a step stopped half-way; the state is then unusable

	// sources are the sentences joined, in order, from number
	// firstSource on: Reorder forgets those before the first a row still
	// reads, and the keys and values of any no row reads, so that a
	// Decoder that sentences keep joining does not grow.
	sources     []source
	firstSource int
	srcLen      int    // longest source joined since the Decoder last had no row: S
	read        []bool // forgetSources' marks, kept to spare an allocation

	// Per row: its sentence, its position (tokens fed so far) and its slot
	// at the last step (-1 before its first), with Reorder's spares.
	rowSrc, pos, last             []int
	spareSrc, sparePos, spareLast []int

	cache kvCache
	offs  []int // this step's cache offsets, row i's from offStart[i]
	start []int // offStart

	// Step buffers, sized for the largest row count seen.
	x, qkv, q, ctx, tmp, hidden []float32
	probs                       []float32 // [rows][probsWidth] attention weights
	probsWidth                  int

	// short is the output layer of the sentences' vocabulary shortlists
	// (Restrict, SetShortlist); unused while no sentence has one.
	short shortlist

	// Work split over goroutines (tensor.ParallelFor), kept here so that
	// handing them out allocates nothing.
	selfJob  selfAttentionJob
	crossJob crossAttentionJob
	softJob  logSoftmaxJob
	shortJob shortJob
	// shortRows is what the restricted rows of the caller's logProbs hold.
	shortRows shortRows
}

// source is one encoded sentence as the decoder reads it: the keys and
// values of its tokens in every layer's cross-attention.
type source struct {
	n    int         // tokens, the end-of-sentence token included
	kv   [][]float32 // [layer][n, 2D]: k | v of every token; nil once no row reads it
	keep []int       // its vocabulary shortlist (Restrict); nil: the whole vocabulary
}

// NewDecoder starts decoding enc: one row per source sentence, in order,
// each holding the empty prefix. The first call to Next is expected to feed
// the decoder start token (Config().DecoderStartTokenID) to every row, as
// package search does; the cross-attention keys and values of every source
// token are computed here, once.
func (m *Model) NewDecoder(enc *Encoding) (*Decoder, error) {
	dec := &Decoder{m: m, cache: kvCache{layers: len(m.dec), dm: m.cfg.DModel}}
	if _, err := dec.Join(enc); err != nil {
		return nil, err
	}
	return dec, nil
}

// Join adds one row per sentence of enc, at position 0, after the present
// rows, and returns the index of the first. The sentences are numbered
// after those joined before (Source reports these numbers). The cross-
// attention keys and values of their tokens are computed here.
func (d *Decoder) Join(enc *Encoding) (first int, err error) {
	m := d.m
	if enc == nil || enc.model != m {
		return 0, fmt.Errorf("model: the encoding was made by another model")
	}
	if d.failed != nil {
		return 0, d.failed
	}
	dm := m.cfg.DModel
	total := len(enc.hidden) / dm
	kv := make([][]float32, len(m.dec))
	for l, layer := range m.dec {
		kv[l] = make([]float32, total*2*dm)
		layer.cross.kvProj.Apply(kv[l], enc.hidden, total) // [total, 2D]
	}
	first = len(d.rowSrc)
	for i, n := range enc.lens {
		s := source{n: n, kv: make([][]float32, len(m.dec))}
		for l := range kv {
			s.kv[l] = kv[l][enc.offs[i]*2*dm : (enc.offs[i]+n)*2*dm]
		}
		d.rowSrc = append(d.rowSrc, d.firstSource+len(d.sources))
		d.pos = append(d.pos, 0)
		d.last = append(d.last, -1)
		d.sources = append(d.sources, s)
		d.short.live++
		if d.short.all != nil {
			d.restrict(&d.sources[len(d.sources)-1], d.short.all)
		}
	}
	if first == 0 {
		d.srcLen = 0 // no row reads an earlier sentence
	}
	d.srcLen = max(d.srcLen, enc.maxLen)
	d.Reserve(len(d.rowSrc), 1)
	return first, nil
}

// Reserve sizes the cache and the step buffers for up to rows rows whose
// positions stay below steps, so that no later step allocates while both
// hold (package search reserves for its whole search). Steps beyond or
// more rows still work: the cache then grows.
func (d *Decoder) Reserve(rows, steps int) {
	c := &d.m.cfg
	steps = min(max(steps, 1), c.MaxPositionEmbeddings)
	d.cache.reserve(rows, steps, d.step)
	rows = d.cache.rows
	d.grow(rows)
	if w := max(d.cache.steps, d.srcLen); w != d.probsWidth || len(d.probs) < rows*w {
		d.probsWidth = w
		d.probs = make([]float32, rows*w)
	}
	if len(d.offs) < rows*d.cache.steps {
		d.offs = make([]int, rows*d.cache.steps)
	}
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
	d.start = make([]int, rows)
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

// Dims reports the vocabulary, decoder layers, heads and padded source
// length (the longest sentence joined since the Decoder last had no row).
func (d *Decoder) Dims() Dims {
	c := &d.m.cfg
	return Dims{Vocab: c.DecoderVocabSize, Layers: c.DecoderLayers, Heads: c.DecoderAttentionHeads, SrcLen: d.srcLen}
}

// Rows is the number of live rows.
func (d *Decoder) Rows() int { return len(d.rowSrc) }

// Step is the number of steps (calls to Next) so far.
func (d *Decoder) Step() int { return d.step }

// Position is the number of tokens fed to row r so far: the position of
// its next token.
func (d *Decoder) Position(r int) int { return d.pos[r] }

// Source returns the source sentence index that row r reads.
func (d *Decoder) Source(r int) int { return d.rowSrc[r] }

// source is the sentence row r reads.
func (d *Decoder) source(r int) *source { return &d.sources[d.rowSrc[r]-d.firstSource] }

// Next feeds tokens[r] to row r at position Position(r) and writes the
// log-softmax of the next-token logits into logProbs ([rows, Vocab]) and the
// cross-attention weights into attn ([rows, Layers, Heads, S], zero beyond
// each row's source length). attn may be nil when the caller does not want
// the attention. The context is checked before every layer; a step
// cancelled half-way leaves the Decoder unusable (later calls fail).
//
// While some sentence is restricted (Restrict), a call given the buffer of
// the call before it (the same first element) sets back to −Inf only the
// values of a restricted row that the call before left finite: between
// calls a caller may write −Inf into logProbs (masking tokens) but nothing
// else, or must pass a buffer that starts elsewhere.
func (d *Decoder) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	if d.failed != nil {
		return d.failed
	}
	if d.short.kept > 0 {
		return d.nextShort(ctx, tokens, logProbs, attn)
	}
	d.shortRows.forget()
	if err := d.logits(ctx, tokens, logProbs, attn); err != nil {
		return err
	}
	d.softJob = logSoftmaxJob{out: logProbs, v: d.m.cfg.DecoderVocabSize}
	tensor.ParallelFor(len(tokens), 3*d.softJob.v, &d.softJob)
	return nil
}

// logits is Next without the final log-softmax and the shortlist: it
// leaves the raw logits x·Eᵀ + final_logits_bias in out.
func (d *Decoder) logits(ctx context.Context, tokens []int, out, attn []float32) error {
	x, err := d.states(ctx, tokens, out, attn)
	if err != nil || x == nil {
		return err
	}
	rows := len(tokens)
	// out = x·Eᵀ + final_logits_bias  [rows, V]
	d.m.output.Apply(out[:rows*d.m.cfg.DecoderVocabSize], x, rows)
	return nil
}

// logSoftmaxJob turns rows of logits into log-probabilities.
type logSoftmaxJob struct {
	out []float32
	v   int
}

func (j *logSoftmaxJob) Range(lo, hi int) {
	for r := lo; r < hi; r++ {
		tensor.LogSoftmax(j.out[r*j.v:(r+1)*j.v], nil)
	}
}

// states runs the decoder layers of one step and returns the final states
// of the rows ([rows, D]; nil when there are no rows), to be projected on
// the vocabulary.
func (d *Decoder) states(ctx context.Context, tokens []int, out, attn []float32) ([]float32, error) {
	c := &d.m.cfg
	rows := len(d.rowSrc)
	if err := d.check(tokens, out, attn); err != nil || rows == 0 {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.prepare(rows)
	dm := c.DModel
	x := d.x[:rows*dm]
	// x = embed(token)·scale + position  [rows, D]
	table := d.m.positions.rows(d.maxPos() + 1)
	for r, id := range tokens {
		embed(x[r*dm:(r+1)*dm], d.m.decEmbed, id, d.m.embedScale, table[d.pos[r]*dm:][:dm])
	}
	for l := range d.m.dec {
		if l > 0 {
			if err := ctx.Err(); err != nil {
				// Earlier layers already cached this step: the rows are
				// now out of step with each other and cannot go on.
				d.failed = fmt.Errorf("model: decoder abandoned after a cancelled step: %w", err)
				return nil, err
			}
		}
		layer := &d.m.dec[l]
		d.selfAttention(l, &layer.self, x, rows)
		d.crossAttention(l, &layer.cross, x, rows, attn)
		layer.ffn.apply(x, rows, d.m.activation, d.hidden, d.tmp)
	}
	for r := range rows {
		d.last[r] = r
		d.pos[r]++
	}
	d.step++
	return x, nil
}

// prepare makes room for this step and finds every row's cache entries:
// the back-pointers of this step's block, then each row's history.
func (d *Decoder) prepare(rows int) {
	need := d.maxPos() + 1
	if rows > d.cache.rows || need > d.cache.steps || len(d.x) < rows*d.m.cfg.DModel {
		// Whatever is short grows by doubling, so that a search that did
		// not reserve grows only a few times; positions start with room
		// for a short sentence's translation (a lane's new decoder
		// reserves nothing, and copied the cache at steps 2, 4, 8, 16).
		more := func(want, have, least int) int {
			if want > have {
				return max(want, 2*have, least)
			}
			return have
		}
		d.Reserve(more(rows, d.cache.rows, 1), more(need, d.cache.steps, 32))
	}
	c := &d.cache
	b := d.step % c.steps
	copy(c.parent[b*c.rows:], d.last[:rows])
	n := 0
	for r := range rows {
		d.start[r] = n
		c.history(d.offs[n:], r, d.pos[r]+1, d.step)
		n += d.pos[r] + 1
	}
}

// maxPos is the largest row position.
func (d *Decoder) maxPos() int {
	p := 0
	for _, v := range d.pos {
		p = max(p, v)
	}
	return p
}

// check validates Next's arguments against the decoder's state.
func (d *Decoder) check(tokens []int, out, attn []float32) error {
	c := &d.m.cfg
	rows := len(d.rowSrc)
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
	if p := d.maxPos(); p >= c.MaxPositionEmbeddings {
		return fmt.Errorf("model: target position %d reaches max_position_embeddings %d", p, c.MaxPositionEmbeddings)
	}
	for r, id := range tokens {
		if id < 0 || id >= c.DecoderVocabSize {
			return fmt.Errorf("model: token %d of row %d is outside the target vocabulary of %d", id, r, c.DecoderVocabSize)
		}
	}
	return nil
}
