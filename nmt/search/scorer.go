package search

import "context"

// Scorer is the model as search sees it: a set of decoder rows, each the
// prefix of one hypothesis for one source sentence, advanced one token at a
// time. Search owns the token choices; the scorer owns the model state (the
// key/value caches) and which source sentence each row reads.
//
// Initially there is one row per source sentence, in source order, holding
// the empty prefix. Search then calls Next once per step with one token per
// live row (the first time, Options.Start for every row) and, between steps,
// Reorder whenever the live rows change (beams split or are pruned, or a
// sentence finishes); it never calls Next with zero rows.
type Scorer interface {
	// Dims reports the vocabulary size, the number of decoder layers and
	// heads, and the padded source length S of the cross-attention rows.
	Dims() Dims

	// Next feeds tokens[r] to row r (len(tokens) is the number of live rows;
	// on the first call tokens holds the decoder start token for every row)
	// and writes, for every row, the log-probabilities of the next token into
	// logProbs ([rows, Vocab]) and that step's cross-attention into attn
	// ([rows, Layers, Heads, S]; weights over source positions beyond a row's
	// source length are zero).
	//
	// logProbs is a log-softmax over the full vocabulary, so every value is
	// ≤ 0 (−Inf marks an impossible token); beam search's stopping rule
	// relies on it and rejects a chosen token with a positive value.
	// Next returns ctx.Err() promptly when the context is cancelled.
	Next(ctx context.Context, tokens []int, logProbs, attn []float32) error

	// Reorder makes old row rows[i] the new row i. Rows may repeat (a beam
	// split in two) or be left out (a finished hypothesis or sentence).
	Reorder(rows []int)

	// Source returns the source sentence index that row r reads.
	Source(r int) int
}

// Dims are the sizes of a Scorer's outputs.
//
// Dims names an unnamed struct type rather than defining a new one: Go
// takes two unnamed struct types with the same fields, in the same order,
// for the same type, so a scorer declares this struct itself (package
// model does, as model.Dims) and satisfies Scorer without importing this
// package. Changing a field here means changing it there.
type Dims = struct {
	Vocab  int // size of the target vocabulary
	Layers int // decoder layers with cross-attention
	Heads  int // cross-attention heads per layer
	SrcLen int // padded source length S (including the end-of-sentence token)
}

// A Forcer is a Scorer that can also score whole given targets in one pass
// (teacher forcing), which Force prefers to feeding them step by step.
type Forcer interface {
	Scorer
	// Force feeds row r the start token followed by targets[r] without its
	// last token, and writes into logProbs[r][t] the log-probability of
	// targets[r][t] after the tokens before it, as Next would have given
	// it. attn, unless nil, receives the cross-attention of every fed
	// position, [Σ len(targets[r]), Layers, Heads, S], row 0's positions
	// first. It needs a scorer on which Next was never called, and may
	// leave it unusable.
	Force(ctx context.Context, start int, targets [][]int, logProbs [][]float32, attn []float32) error
}
