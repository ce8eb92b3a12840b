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
	b, ss, err := startBatch(scorer, srcLens, opts, stream)
	if err != nil {
		return nil, err
	}
	for b.Len() > 0 {
		done, err := b.Step(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range done {
			if s.err != nil {
				return nil, s.err
			}
		}
	}
	out := make([][]Hypothesis, len(ss))
	for i, s := range ss {
		out[i] = b.Results(s)
	}
	return out, nil
}

// startBatch checks that the scorer's rows read srcLens in order and adds
// them to a new Batch, having the scorer reserve for the whole search.
func startBatch(scorer Scorer, srcLens []int, opts Options, stream func(Event)) (*Batch, []*Sentence, error) {
	b, err := NewBatch(scorer, opts)
	if err != nil {
		return nil, nil, err
	}
	if rc, ok := scorer.(rowCounter); ok && rc.Rows() != len(srcLens) {
		return nil, nil, fmt.Errorf("search: scorer row count %d differs from source count %d", rc.Rows(), len(srcLens))
	}
	longest := 1
	for i, n := range srcLens {
		if n < 1 || n > b.dims.SrcLen {
			return nil, nil, fmt.Errorf("search: source %d has length %d, outside [1, %d]", i, n, b.dims.SrcLen)
		}
		if s := scorer.Source(i); s != i {
			return nil, nil, fmt.Errorf("search: scorer row %d reads source %d, want %d", i, s, i)
		}
		longest = max(longest, b.opts.limitsFor(n).maxLen)
	}
	if rs, ok := scorer.(reserver); ok && len(srcLens) > 0 {
		rs.Reserve(len(srcLens)*b.opts.BeamSize, longest)
	}
	ss := make([]*Sentence, len(srcLens))
	for i, n := range srcLens {
		ss[i] = b.add(n, i, stream)
	}
	return b, ss, nil
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
