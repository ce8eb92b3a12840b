package train

import (
	"context"
	"fmt"
	"slices"

	"github.com/translated/translated/nmt/metrics"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// GreedyEvaluator returns an Evaluator that loads a checkpoint with the
// serving engine, translates the dev sources greedily (srcs hold token ids
// ending in EOS), turns the outputs into text with detok and scores corpus
// BLEU and chrF2 against refs. The score that picks the best checkpoint is
// BLEU.
func GreedyEvaluator(srcs [][]int32, refs []string, detok func([]int) string) Evaluator {
	return func(ctx context.Context, dir string) (DevScore, error) {
		hyps, err := GreedyTranslate(ctx, dir, srcs, detok)
		if err != nil {
			return DevScore{}, err
		}
		bleu := metrics.BLEU(hyps, refs)
		chrf := metrics.CHRF(hyps, refs)
		return DevScore{Metric: "bleu", Value: bleu.Score, Line: fmt.Sprintf("BLEU %.2f chrF %.2f", bleu.Score, chrf)}, nil
	}
}

// GreedyTranslate decodes srcs with the model in dir, 32 sentences at a
// time; a right-to-left model's outputs are turned around before detok.
func GreedyTranslate(ctx context.Context, dir string, srcs [][]int32, detok func([]int) string) ([]string, error) {
	m, err := model.Load(dir)
	if err != nil {
		return nil, err
	}
	c := m.Config()
	opts := search.Options{BeamSize: 1, MaxLength: c.MaxPositionEmbeddings, MaxLengthRatio: 2, MaxLengthOffset: 10,
		EOS: c.EOSTokenID, Pad: c.PadTokenID, Start: c.DecoderStartTokenID}
	out := make([]string, 0, len(srcs))
	const chunk = 32
	for lo := 0; lo < len(srcs); lo += chunk {
		batch := srcs[lo:min(lo+chunk, len(srcs))]
		ids := make([][]int, len(batch))
		lens := make([]int, len(batch))
		for i, s := range batch {
			ids[i] = make([]int, len(s))
			for j, v := range s {
				ids[i][j] = int(v)
			}
			lens[i] = len(s)
		}
		enc, err := m.Encode(ctx, ids)
		if err != nil {
			return nil, err
		}
		dec, err := m.NewDecoder(enc)
		if err != nil {
			return nil, err
		}
		hyps, err := search.Decode(ctx, dec, lens, opts, nil)
		if err != nil {
			return nil, err
		}
		for _, h := range hyps {
			toks := h[0].Tokens
			if n := len(toks); n > 0 && toks[n-1] == c.EOSTokenID {
				toks = toks[:n-1]
			}
			if c.RightToLeft {
				toks = slices.Clone(toks)
				slices.Reverse(toks)
			}
			out = append(out, detok(toks))
		}
	}
	return out, nil
}
