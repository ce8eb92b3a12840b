package nmt

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/translated/translated/nmt/search"
)

// maxRerank bounds Options.Rerank: beyond it the reverse model alone
// decides, which a weight of 10 already amounts to.
const maxRerank = 10

// WithReverse returns a translator that can rerank its hypotheses with r, a
// model of the opposite direction (Options.Rerank): r reads the translation
// and scores the source as its output. The receiver is not changed. When
// both models are named by their languages ("en-es", "es-en") the languages
// must mirror each other; r may not be a multi-target model.
func (t *Translator) WithReverse(r *Translator) (*Translator, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no reverse model", ErrInvalidArgument)
	}
	if len(r.info.TargetLanguages) > 0 {
		return nil, fmt.Errorf("%w: %s needs a target language and cannot score sources", ErrInvalidArgument, r.info.Name)
	}
	a, b := t.info, r.info
	if a.Source != "" && b.Source != "" && (a.Source != b.Target || a.Target != b.Source) {
		return nil, fmt.Errorf("%w: %s is not the reverse of %s", ErrInvalidArgument, b.Name, a.Name)
	}
	c := *t
	c.reverse = r
	return &c, nil
}

// Reverse is the model that reranks this translator's hypotheses, or nil.
func (t *Translator) Reverse() *Translator { return t.reverse }

// checkRerank validates Options.Rerank against the translator.
func (t *Translator) checkRerank(w float64) error {
	switch {
	case math.IsNaN(w) || w < 0 || w > maxRerank:
		return invalidf("rerank must be between 0 and %d, got %g", maxRerank, w)
	case w > 0 && t.reverse == nil:
		return invalidf("rerank needs the reverse model of %s, and none is loaded", t.info.Name)
	}
	return nil
}

// rerankPair is one hypothesis to score with the reverse model: its text is
// the reverse model's source, the sentence it translates the target.
type rerankPair struct {
	hyp      *Hypothesis
	src, tgt []int
}

// rerank scores every hypothesis of the batch's sentences with the reverse
// model, sorts each sentence's hypotheses by Score + w·ReverseScore and
// keeps the best nbest.
func (d *decodeRun) rerank(ctx context.Context, batch []*sentenceJob, w float64, nbest int) error {
	r := d.t.reverse
	maxPos := r.cfg.MaxPositionEmbeddings
	var pairs []rerankPair
	for _, s := range batch {
		sentence := d.job.texts[s.text][s.span.Start:s.span.End]
		toks, err := r.encodeTarget(sentence)
		if err != nil {
			return fmt.Errorf("rerank: %w", err)
		}
		tgt := make([]int, 0, len(toks)+1)
		for _, tk := range toks {
			tgt = append(tgt, tk.ID)
		}
		tgt = append(tgt, r.cfg.EOSTokenID)
		for k := range d.hyps[s] {
			h := &d.hyps[s][k]
			src, err := r.tokenizeSource(h.Text, 0, nil)
			if err != nil {
				return fmt.Errorf("rerank: %w", err)
			}
			if len(src.ids) > maxPos || len(tgt) > maxPos {
				// Too long for the reverse model: ranked last.
				h.ReverseScore = math.Inf(-1)
				continue
			}
			pairs = append(pairs, rerankPair{hyp: h, src: src.ids, tgt: tgt})
		}
	}
	if err := r.forceScores(ctx, pairs); err != nil {
		return err
	}
	for _, s := range batch {
		hs := d.hyps[s]
		sort.SliceStable(hs, func(i, j int) bool {
			return hs[i].Score+w*hs[i].ReverseScore > hs[j].Score+w*hs[j].ReverseScore
		})
		d.hyps[s] = hs[:min(nbest, len(hs))]
	}
	return nil
}

// forceScores sets each pair's ReverseScore to the mean log-probability per
// token (end-of-sentence included) of its target given its source, decoding
// pairs of similar length together.
func (t *Translator) forceScores(ctx context.Context, pairs []rerankPair) error {
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i].src) < len(pairs[j].src) })
	opts, err := t.searchOptions(Options{BeamSize: 1})
	if err != nil {
		return err
	}
	opts.LengthPenalty = 1
	for lo := 0; lo < len(pairs); lo += t.maxBatch {
		batch := pairs[lo:min(lo+t.maxBatch, len(pairs))]
		srcs := make([][]int, len(batch))
		lens := make([]int, len(batch))
		tgts := make([][]int, len(batch))
		for i, p := range batch {
			srcs[i], lens[i], tgts[i] = p.src, len(p.src), p.tgt
		}
		enc, err := t.model.Encode(ctx, srcs)
		if err != nil {
			return err
		}
		dec, err := t.model.NewDecoder(enc)
		if err != nil {
			return err
		}
		out, err := search.Force(ctx, dec, lens, tgts, opts)
		if err != nil {
			return err
		}
		for i, p := range batch {
			p.hyp.ReverseScore = out[i].NormScore
		}
	}
	return nil
}
