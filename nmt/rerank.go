package nmt

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// MaxRerank bounds Options.Rerank and Options.RightToLeft: beyond it the
// second model alone decides, which a weight of 10 already amounts to.
const MaxRerank = 10

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

// checkRerank validates Options.Rerank, Options.RightToLeft and
// Options.MBR against the translator.
func (t *Translator) checkRerank(o Options) error {
	for _, w := range []struct {
		name string
		v    float64
		max  float64
		has  bool   // the translator has what the option needs
		what string // what it needs
	}{
		{"rerank", o.Rerank, MaxRerank, t.reverse != nil, "the reverse model"},
		{"right_to_left", o.RightToLeft, MaxRerank, t.r2l != nil, "a right-to-left model"},
		{"mbr", *cmp.Or(o.MBR, new(0.0)), MaxMBR, true, ""},
	} {
		switch {
		case math.IsNaN(w.v) || w.v < 0 || w.v > w.max:
			return invalidf("%s must be between 0 and %g, got %g", w.name, w.max, w.v)
		case w.v > 0 && !w.has:
			return invalidf("%s needs %s of %s, and none is loaded", w.name, w.what, t.info.Name)
		}
	}
	return nil
}

// rerankPair is one hypothesis for a second model to score: that model's
// source and target ids, and where its score goes.
type rerankPair struct {
	score    *float64
	src, tgt []int
}

// rerank scores every hypothesis of the batch's sentences with the reverse
// model and the right-to-left model (those with a weight), sorts each
// sentence's hypotheses by Score + w·ReverseScore + w₂·RightToLeftScore,
// orders them by minimum Bayes risk on that key when asked (Options.MBR),
// and keeps the best nbest.
func (d *decodeRun) rerank(ctx context.Context, batch []*sentenceJob) error {
	if d.rerankWeight > 0 {
		if err := d.scoreReverse(ctx, batch); err != nil {
			return err
		}
	}
	if d.r2lWeight > 0 {
		if err := d.scoreRightToLeft(ctx, batch); err != nil {
			return err
		}
	}
	w, w2 := d.rerankWeight, d.r2lWeight
	for _, s := range batch {
		hs := d.hyps[s]
		key := func(h *Hypothesis) float64 { return h.Score + w*h.ReverseScore + w2*h.RightToLeftScore }
		sort.SliceStable(hs, func(i, j int) bool { return key(&hs[i]) > key(&hs[j]) })
		if d.mbr != nil {
			mbrOrder(hs, key, *d.mbr)
		}
		d.hyps[s] = hs[:min(d.nbest, len(hs))]
	}
	return nil
}

// scoreReverse sets every hypothesis's ReverseScore: the reverse model
// reads the hypothesis and scores the source sentence as its output.
func (d *decodeRun) scoreReverse(ctx context.Context, batch []*sentenceJob) error {
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
		tgt = r.outputOrder(tgt)
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
			pairs = append(pairs, rerankPair{score: &h.ReverseScore, src: src.ids, tgt: tgt})
		}
	}
	return r.forceScores(ctx, pairs)
}

// scoreRightToLeft sets every hypothesis's RightToLeftScore: the
// right-to-left model, which shares the model's vocabulary, reads the
// source sentence and scores the hypothesis's tokens backwards.
func (d *decodeRun) scoreRightToLeft(ctx context.Context, batch []*sentenceJob) error {
	r := d.t.r2l
	var pairs []rerankPair
	for _, s := range batch {
		for k := range d.hyps[s] {
			h := &d.hyps[s][k]
			tgt := make([]int, len(h.Tokens))
			for i, tk := range h.Tokens {
				tgt[i] = tk.ID
			}
			tgt = r.outputOrder(tgt)
			if len(s.ids) > r.cfg.MaxPositionEmbeddings || len(tgt) > r.cfg.MaxPositionEmbeddings {
				h.RightToLeftScore = math.Inf(-1)
				continue
			}
			pairs = append(pairs, rerankPair{score: &h.RightToLeftScore, src: s.ids, tgt: tgt})
		}
	}
	return r.forceScores(ctx, pairs)
}

// outputOrder turns target ids in reading order into the order the model
// writes them, end-of-sentence appended: reversed for a right-to-left
// model. ids is reused.
func (t *Translator) outputOrder(ids []int) []int {
	if t.cfg.RightToLeft {
		slices.Reverse(ids)
	}
	return append(ids, t.cfg.EOSTokenID)
}

// forceScores sets each pair's score to the mean log-probability per token
// (end-of-sentence included) of its target given its source, decoding
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
			*p.score = out[i].NormScore
		}
	}
	return nil
}

// RightToLeftDir is the subdirectory of a model directory that holds its
// right-to-left model: config.json (right_to_left) and weights, no
// tokenizer, since it reads and writes the ids of the model's own. Its
// weights may leave out the embedding matrix when it was trained with the
// model's frozen (model.SaveWithoutEmbeddings). Open loads it;
// Options.RightToLeft reranks with it.
const RightToLeftDir = "right-to-left"

// openRightToLeft loads dir/right-to-left on the embeddings of main; nil
// when the directory has none.
func openRightToLeft(dir string, main *model.Model) (*model.Model, error) {
	sub := filepath.Join(dir, RightToLeftDir)
	if _, err := os.Stat(sub); os.IsNotExist(err) {
		return nil, nil
	}
	m, err := model.LoadOnEmbeddings(sub, main)
	if err != nil {
		return nil, fmt.Errorf("right-to-left model: %v", err)
	}
	return m, nil
}

// WithRightToLeft returns a translator that, with Options.RightToLeft,
// reranks its beam with m: a model of the same direction and vocabulary
// that writes its output last token first (config right_to_left). The
// receiver is not changed.
func (t *Translator) WithRightToLeft(m *model.Model) (*Translator, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: no right-to-left model", ErrInvalidArgument)
	}
	cfg := m.Config()
	if !cfg.RightToLeft {
		return nil, fmt.Errorf("%w: the right-to-left model's config.json does not set right_to_left", ErrBadModel)
	}
	if t.cfg.RightToLeft {
		return nil, fmt.Errorf("%w: %s is itself right-to-left", ErrInvalidArgument, t.info.Name)
	}
	if err := sameVocabulary(t.cfg, cfg); err != nil {
		return nil, fmt.Errorf("%w: right-to-left model: %v", ErrBadModel, err)
	}
	r, err := New(t.info.Name+"/"+RightToLeftDir, m, t.src, t.tgt)
	if err != nil {
		return nil, err
	}
	c := *t
	c.r2l = r
	c.info.RightToLeftParameters = countParameters(m)
	return &c, nil
}
