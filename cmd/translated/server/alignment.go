package server

import (
	"fmt"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
)

// Alignment rows and word links come from package align, which reduces the
// cross-attention of the selected heads to one row per target token (the
// source end-of-sentence column taken out and the rest renormalized),
// aggregates rows into a word matrix and draws hard links from it. The
// server computes a streamed row with the same function as the rows of the
// final result, so the two are equal to the bit.

// sentenceAlignment aligns one hypothesis with its source sentence with
// opt's heads and symmetrization. text is the whole request text; the
// sentence's token spans index it. tgtSpans are the byte spans of the
// hypothesis tokens in hyp.Text.
func sentenceAlignment(opt align.Options, text string, sent nmt.Sentence, hyp nmt.Hypothesis, tgtSpans [][2]int) (*align.Alignment, error) {
	if sent.Start < 0 || sent.End < sent.Start || sent.End > len(text) {
		return nil, fmt.Errorf("sentence span [%d,%d) outside the %d-byte text", sent.Start, sent.End, len(text))
	}
	in := align.Input{
		SourceText:   text[sent.Start:sent.End],
		SourceTokens: make([]align.Token, len(sent.Tokens)),
		TargetText:   hyp.Text,
		TargetTokens: make([]align.Token, len(hyp.Tokens)),
		Attention:    make([][][][]float32, len(hyp.Tokens)),
		Score:        hyp.Score,
	}
	for i, t := range sent.Tokens {
		in.SourceTokens[i] = align.Token{ID: t.ID, Piece: t.Piece, Start: t.Start - sent.Start, End: t.End - sent.Start}
	}
	for i, t := range hyp.Tokens {
		in.TargetTokens[i] = align.Token{ID: t.ID, Piece: t.Piece, Start: tgtSpans[i][0], End: tgtSpans[i][1]}
		in.Attention[i] = t.Attention
	}
	if hyp.EOSAttention != nil { // read by shifted selectors for the last token
		in.Attention = append(in.Attention, hyp.EOSAttention)
	}
	return align.Extract(in, opt)
}

// streamRow reduces the attention of one decoding step to the alignment
// row of its token, as sentenceAlignment does for every row at once: it
// runs align.Extract on a one-token target over stand-in source tokens
// (the reduction reads only the attention weights and the number of source
// tokens). nSource is the number of source tokens of the sentence.
func streamRow(sel align.Selector, att [][][]float32, nSource int) (row []float32, eos float32, err error) {
	in := align.Input{
		SourceText:   strings.Repeat("x", nSource),
		SourceTokens: make([]align.Token, nSource),
		TargetText:   "x",
		TargetTokens: []align.Token{{Start: 0, End: 1}},
		Attention:    [][][][]float32{att},
	}
	for i := range in.SourceTokens {
		in.SourceTokens[i] = align.Token{Start: i, End: i + 1}
	}
	a, err := align.Extract(in, align.Options{Selector: sel})
	if err != nil {
		return nil, 0, err
	}
	return a.Subword.Row(0), a.SourceEOS[0], nil
}

// attentionSourceLen returns the number of source tokens a step's
// attention covers: search trims each step's attention to its sentence's
// source length, the tokens and the end-of-sentence position.
func attentionSourceLen(att [][][]float32) int {
	if len(att) == 0 || len(att[0]) == 0 {
		return 0
	}
	return max(len(att[0][0])-1, 0)
}
