package search

import (
	"context"
	"fmt"
)

// Decode translates a batch of source sentences with scorer: greedy when
// opts.BeamSize is 1, beam search otherwise. Row i of the scorer must
// initially read sentence i, whose length in tokens (counting the source EOS,
// at most Dims().SrcLen) is srcLens[i]; attention rows are trimmed to it.
//
// The result holds, per sentence, up to opts.NBest finished hypotheses, best
// (highest NormScore) first. With beam search, each sentence's hypotheses lie
// in consecutive scorer rows, one per live beam, in sentence order; after
// every step the scorer is reordered so that its rows match the surviving
// beams, and a finished sentence's rows are dropped.
//
// stream, if not nil, is called synchronously with every Event (see Event
// for what it guarantees); each sentence gets exactly one event with Done
// set, its last. Decode checks ctx before every step and returns ctx.Err()
// once it is cancelled.
func Decode(ctx context.Context, scorer Scorer, srcLens []int, opts Options, stream func(Event)) ([][]Hypothesis, error) {
	r, err := newRun(scorer, srcLens, opts, stream)
	if err != nil {
		return nil, err
	}
	if len(srcLens) == 0 {
		return [][]Hypothesis{}, nil
	}
	if r.opts.BeamSize == 1 {
		err = r.greedy(ctx)
	} else {
		err = r.beam(ctx)
	}
	if err != nil {
		return nil, err
	}
	return r.results(), nil
}

// run is the state of one Decode or Force call.
type run struct {
	scorer  Scorer
	dims    Dims
	opts    Options // with defaults
	procs   processors
	stream  func(Event)
	srcLens []int
	lims    []limits
	pow     []float64 // pow[L] = L^LengthPenalty
	best    [][]*node // finished hypotheses per sentence, best first
	ar      arena

	logProbs []float32 // [rows, Vocab]
	attn     []float32 // [rows, Layers, Heads, SrcLen]
	tokens   []int     // next input token per row
	rows     []int     // Reorder argument
}

// newRun checks the inputs and sets up the buffers for at most
// len(srcLens)×BeamSize rows.
func newRun(scorer Scorer, srcLens []int, opts Options, stream func(Event)) (*run, error) {
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
	r := &run{scorer: scorer, dims: d, opts: o, procs: newProcessors(o), stream: stream,
		srcLens: srcLens, lims: make([]limits, len(srcLens)), best: make([][]*node, len(srcLens))}
	if rc, ok := scorer.(rowCounter); ok && rc.Rows() != len(srcLens) {
		return nil, fmt.Errorf("search: scorer row count %d differs from source count %d", rc.Rows(), len(srcLens))
	}
	longest := 1
	for i, n := range srcLens {
		if n < 1 || n > d.SrcLen {
			return nil, fmt.Errorf("search: source %d has length %d, outside [1, %d]", i, n, d.SrcLen)
		}
		if s := scorer.Source(i); s != i {
			return nil, fmt.Errorf("search: scorer row %d reads source %d, want %d", i, s, i)
		}
		r.lims[i] = o.limitsFor(n)
		longest = max(longest, r.lims[i].maxLen)
	}
	r.pow = lengthNorm(o.LengthPenalty, longest)
	rows := len(srcLens) * o.BeamSize
	if rs, ok := scorer.(reserver); ok {
		rs.Reserve(rows, longest)
	}
	r.logProbs = make([]float32, rows*d.Vocab)
	r.attn = make([]float32, rows*d.Layers*d.Heads*d.SrcLen)
	r.tokens = make([]int, 0, rows)
	r.rows = make([]int, 0, rows)
	for range srcLens {
		r.tokens = append(r.tokens, o.Start)
	}
	return r, nil
}

// reserver is implemented by scorers that can size their state for a whole
// search up front (model.Decoder does): Decode tells them the most rows it
// will have and the most tokens a hypothesis may take.
type reserver interface{ Reserve(rows, steps int) }

// rowCounter is implemented by scorers that can tell how many rows they
// hold (model.Decoder does); Decode then checks it against the sources
// before asking any row which source it reads.
type rowCounter interface{ Rows() int }

func checkDims(d Dims) error {
	switch {
	case d.Vocab < 1:
		return fmt.Errorf("search: scorer vocabulary size %d is not positive", d.Vocab)
	case d.Layers < 1:
		return fmt.Errorf("search: scorer layer count %d is not positive", d.Layers)
	case d.Heads < 1:
		return fmt.Errorf("search: scorer head count %d is not positive", d.Heads)
	case d.SrcLen < 1:
		return fmt.Errorf("search: scorer source length %d is not positive", d.SrcLen)
	}
	return nil
}

// step feeds r.tokens to the scorer's rows and returns the log-probabilities
// and attention it wrote, one row per token.
func (r *run) step(ctx context.Context) (logProbs, attn []float32, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	n := len(r.tokens)
	logProbs = r.logProbs[:n*r.dims.Vocab]
	attn = r.attn[:n*r.dims.Layers*r.dims.Heads*r.dims.SrcLen]
	if err := r.scorer.Next(ctx, r.tokens, logProbs, attn); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return logProbs, attn, nil
}

// row returns row i of a [rows, width] buffer.
func row(buf []float32, i, width int) []float32 { return buf[i*width : (i+1)*width] }

// copyAttn copies the attention of scorer row i, trimmed to sentence s's
// source length, into the arena.
func (r *run) copyAttn(attn []float32, i, s int) []float32 {
	S, n, lh := r.dims.SrcLen, r.srcLens[s], r.dims.Layers*r.dims.Heads
	src := row(attn, i, lh*S)
	dst := r.ar.floats32(lh * n)
	for k := range lh {
		copy(dst[k*n:(k+1)*n], src[k*S:k*S+n])
	}
	return dst
}

// finish records n as a finished hypothesis with its normalized score.
func (r *run) finish(n *node) {
	n.norm = n.score / r.pow[n.depth]
}

// emit streams sentence s's tokens of n from position from on.
func (r *run) emit(s int, n *node, from int, done bool) {
	if r.stream != nil && (n.depth > from || done) {
		r.stream(n.event(s, from, r.dims.Layers, r.dims.Heads, done))
	}
}

// reorder keeps the scorer rows listed in r.rows, skipping the call when
// they are all rows in order.
func (r *run) reorder(rowsBefore int) {
	if len(r.rows) == rowsBefore {
		identity := true
		for i, x := range r.rows {
			identity = identity && x == i
		}
		if identity {
			return
		}
	}
	r.scorer.Reorder(r.rows)
}

// results builds the returned hypotheses.
func (r *run) results() [][]Hypothesis {
	out := make([][]Hypothesis, len(r.best))
	for s, fin := range r.best {
		out[s] = make([]Hypothesis, len(fin))
		for i, n := range fin {
			out[s][i] = n.hypothesis(r.dims.Layers, r.dims.Heads)
		}
	}
	return out
}
