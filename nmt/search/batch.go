package search

import (
	"context"
	"fmt"
)

// Batch is a search over a set of sentences that changes between steps
// (continuous batching): a sentence that finishes leaves at once, and a new
// one may join before any step, so that a scorer that can add rows (as
// model.Decoder's Join does) stays busy with sentences that started at
// different times. Each sentence is decoded exactly as Decode would decode
// it alone: its hypotheses depend only on its own scorer rows. Decode and
// Force are a Batch whose sentences all join before the first step.
//
// All sentences share one Options. A Batch is not safe for concurrent use:
// Add, Drop and Step are called from one goroutine, between steps.
type Batch struct {
	scorer Scorer
	dims   Dims    // the scorer's, read again before every step
	opts   Options // with defaults
	procs  processors
	pow    []float64 // pow[L] = L^LengthPenalty, up to the longest limit added
	ar     arena

	live []*Sentence // the sentences decoding, in scorer row order
	done []*Sentence // those the last Step finished

	logProbs   []float32   // [rows, Vocab]
	attn       []float32   // [rows, Layers, Heads, SrcLen]
	tokens     []int       // next input token per row
	rows       []int       // Reorder argument
	parentAttn [][]float32 // beam: each live hypothesis's attention row of a step
}

// Sentence is one source sentence of a Batch: its search state, and once
// it is finished its hypotheses (Results) or why it failed (Err).
type Sentence struct {
	tag    int // Event.Sentence of its events
	srcLen int
	lim    limits
	stream func(Event)
	best   []*node // finished hypotheses, best first

	live, next []*node // live hypotheses, one scorer row each, in row order
	emitted    int     // tokens of the best hypothesis already streamed
	top        topK    // beam: the best extensions of a step
	first      int     // its first scorer row in this step
	choice     int     // greedy: the token chosen at this step
	err        error
	finished   bool // finished or dropped: no longer in the batch
	dropped    bool
}

// NewBatch starts an empty search with scorer, which must hold no rows yet
// (or only rows that Add will name, in order).
func NewBatch(scorer Scorer, opts Options) (*Batch, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	d := scorer.Dims()
	if err := checkDims(d); err != nil {
		return nil, err
	}
	if err := o.checkVocab(d.Vocab); err != nil {
		return nil, err
	}
	return &Batch{scorer: scorer, dims: d, opts: o, procs: newProcessors(o), pow: lengthNorm(o.LengthPenalty, 1),
		parentAttn: make([][]float32, o.BeamSize)}, nil
}

// Add joins a sentence of srcLen source tokens (counting the source EOS)
// that reads the scorer's first row the search does not hold yet, a row
// just added with the empty prefix (a scorer that adds several rows at
// once gets one Add per row, in row order). Its events carry tag as
// Event.Sentence and go to stream when it is not nil; it is fed
// Options.Start at the next step.
func (b *Batch) Add(srcLen, tag int, stream func(Event)) (*Sentence, error) {
	d := b.scorer.Dims()
	if srcLen < 1 || srcLen > d.SrcLen {
		return nil, fmt.Errorf("search: source has length %d, outside [1, %d]", srcLen, d.SrcLen)
	}
	if rc, ok := b.scorer.(rowCounter); ok && rc.Rows() <= len(b.tokens) {
		return nil, fmt.Errorf("search: scorer has %d rows, the search holds them all: Add follows the adding of a row", rc.Rows())
	}
	return b.add(srcLen, tag, stream), nil
}

// add joins a sentence whose row the caller has checked.
func (b *Batch) add(srcLen, tag int, stream func(Event)) *Sentence {
	B := b.opts.BeamSize
	s := &Sentence{tag: tag, srcLen: srcLen, lim: b.opts.limitsFor(srcLen), stream: stream,
		live: append(make([]*node, 0, B), &node{}), next: make([]*node, 0, B)}
	if B > 1 {
		s.top = topK{k: 2 * B, h: make([]cand, 0, 2*B)}
	}
	if s.lim.maxLen >= len(b.pow) {
		b.pow = lengthNorm(b.opts.LengthPenalty, s.lim.maxLen)
	}
	b.live = append(b.live, s)
	b.tokens = append(b.tokens, b.opts.Start)
	return s
}

// Rows is the number of scorer rows the search holds.
func (b *Batch) Rows() int { return len(b.tokens) }

// Len is the number of sentences decoding.
func (b *Batch) Len() int { return len(b.live) }

// Drop removes an unfinished sentence and its scorer rows (Reorder keeps
// the others'); it then never finishes. Dropping a finished or dropped
// sentence does nothing.
func (b *Batch) Drop(s *Sentence) {
	if s.finished {
		return
	}
	s.finished, s.dropped = true, true
	b.rows = b.rows[:0]
	first, kept := 0, 0
	for _, x := range b.live {
		if x != s {
			for j := range x.live {
				b.rows = append(b.rows, first+j)
			}
			b.live[kept] = x
			kept++
		}
		first += len(x.live)
	}
	b.live = b.live[:kept]
	for i, r := range b.rows {
		b.tokens[i] = b.tokens[r] // r ≥ i: rows only ever move up
	}
	b.tokens = b.tokens[:len(b.rows)]
	b.scorer.Reorder(b.rows)
}

// Step feeds every row its next token, extends every sentence by one
// token and returns the sentences that finished (with hypotheses or an
// error), valid until the next Step. Rows of finished sentences are
// dropped from the scorer. An error of the scorer (ctx cancelled) is
// returned as is; the scorer may then be unusable.
func (b *Batch) Step(ctx context.Context) ([]*Sentence, error) {
	b.done = b.done[:0]
	if len(b.live) == 0 {
		return nil, nil
	}
	logProbs, attn, err := b.step(ctx)
	if err != nil {
		return nil, err
	}
	rowsBefore := len(b.tokens)
	b.tokens, b.rows = b.tokens[:0], b.rows[:0]
	if b.opts.BeamSize == 1 {
		b.greedy(logProbs, attn)
	} else {
		b.beam(logProbs, attn)
	}
	b.reorder(rowsBefore)
	for _, s := range b.done {
		s.finished = true
	}
	return b.done, nil
}

// step feeds b.tokens to the scorer's rows and returns the log-probabilities
// and attention it wrote, one row per token.
func (b *Batch) step(ctx context.Context) (logProbs, attn []float32, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	b.dims = b.scorer.Dims()
	n := len(b.tokens)
	logProbs = grow(&b.logProbs, n*b.dims.Vocab)
	attn = grow(&b.attn, n*b.dims.Layers*b.dims.Heads*b.dims.SrcLen)
	if err := b.scorer.Next(ctx, b.tokens, logProbs, attn); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return logProbs, attn, nil
}

// grow returns (*buf)[:n], reallocating *buf when it is too small.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n, max(n, 2*cap(*buf)))
	}
	return (*buf)[:n]
}

// fail ends sentence s with err.
func (b *Batch) fail(s *Sentence, err error) {
	s.err = err
	b.done = append(b.done, s)
}

// row returns row i of a [rows, width] buffer.
func row(buf []float32, i, width int) []float32 { return buf[i*width : (i+1)*width] }

// copyAttn copies the attention of scorer row i, trimmed to sentence s's
// source length, into the arena.
func (b *Batch) copyAttn(attn []float32, i int, s *Sentence) []float32 {
	S, n, lh := b.dims.SrcLen, s.srcLen, b.dims.Layers*b.dims.Heads
	src := row(attn, i, lh*S)
	dst := b.ar.floats32(lh * n)
	for k := range lh {
		copy(dst[k*n:(k+1)*n], src[k*S:k*S+n])
	}
	return dst
}

// finish records n as a finished hypothesis with its normalized score.
func (b *Batch) finish(n *node) {
	n.norm = n.score / b.pow[n.depth]
}

// emit streams sentence s's tokens of n from position from on.
func (b *Batch) emit(s *Sentence, n *node, from int, done bool) {
	if s.stream != nil && (n.depth > from || done) {
		s.stream(n.event(s.tag, from, b.dims.Layers, b.dims.Heads, done))
	}
}

// reorder keeps the scorer rows listed in b.rows, skipping the call when
// they are all rows in order.
func (b *Batch) reorder(rowsBefore int) {
	if len(b.rows) == rowsBefore {
		identity := true
		for i, x := range b.rows {
			identity = identity && x == i
		}
		if identity {
			return
		}
	}
	b.scorer.Reorder(b.rows)
}

// Tag is the tag the sentence was added with.
func (s *Sentence) Tag() int { return s.tag }

// Err is why the sentence failed (every token masked, a scorer that broke
// its contract); nil for a sentence that finished well.
func (s *Sentence) Err() error { return s.err }

// Results returns sentence s's finished hypotheses, up to NBest, best
// (highest NormScore) first; nil before it finishes, or when it failed or
// was dropped.
func (b *Batch) Results(s *Sentence) []Hypothesis {
	if !s.finished || s.dropped || s.err != nil {
		return nil
	}
	out := make([]Hypothesis, len(s.best))
	for i, n := range s.best {
		out[i] = n.hypothesis(b.dims.Layers, b.dims.Heads)
	}
	return out
}
