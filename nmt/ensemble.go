package nmt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/nmt/tensor"
)

// EnsembleDir is the subdirectory of a model directory that holds its
// ensemble members: one directory each, with config.json and weights but
// no tokenizer, since a member reads and writes the ids of the main
// model's tokenizer. Open loads them; Options.Ensemble decodes with them.
const EnsembleDir = "ensemble"

// openMembers loads the ensemble members under dir/ensemble, in name order;
// none when the directory has no such subdirectory. o applies to each.
func openMembers(dir string, o model.LoadOptions) ([]*model.Model, error) {
	root := filepath.Join(dir, EnsembleDir)
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []*model.Model
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		m, err := model.LoadWith(filepath.Join(root, e.Name()), o)
		if err != nil {
			return nil, fmt.Errorf("ensemble member %s: %v", e.Name(), err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no model directory", root)
	}
	return out, nil
}

// WithEnsemble returns a translator that, with Options.Ensemble, decodes
// with its own model and members together: every step takes the mean of
// their log-probabilities, renormalised. Members must share the model's
// vocabulary and special ids; they may differ in depth and width. The
// cross-attention that aligns the output stays the main model's. The
// receiver is not changed; the members replace any it had.
func (t *Translator) WithEnsemble(members ...*model.Model) (*Translator, error) {
	for i, m := range members {
		if m == nil {
			return nil, fmt.Errorf("%w: ensemble member %d is nil", ErrInvalidArgument, i)
		}
		if err := sameVocabulary(t.cfg, m.Config()); err != nil {
			return nil, fmt.Errorf("%w: ensemble member %d: %v", ErrBadModel, i, err)
		}
		if m.Config().RightToLeft != t.cfg.RightToLeft {
			return nil, fmt.Errorf("%w: ensemble member %d writes in the other direction (right_to_left)", ErrBadModel, i)
		}
	}
	c := *t
	c.members = append([]*model.Model(nil), members...)
	c.info.EnsembleMembers = len(members)
	for _, m := range members {
		c.info.EnsembleParameters += countParameters(m)
	}
	return &c, nil
}

// sameVocabulary reports how a member's configuration disagrees with the
// main model's on what both must share.
func sameVocabulary(a, b model.Config) error {
	type field struct {
		name string
		x, y int
	}
	for _, f := range []field{
		{"vocab_size", a.VocabSize, b.VocabSize},
		{"decoder_vocab_size", a.DecoderVocabSize, b.DecoderVocabSize},
		{"pad_token_id", a.PadTokenID, b.PadTokenID},
		{"eos_token_id", a.EOSTokenID, b.EOSTokenID},
		{"decoder_start_token_id", a.DecoderStartTokenID, b.DecoderStartTokenID},
	} {
		if f.x != f.y {
			return fmt.Errorf("%s is %d, the main model's %d", f.name, f.y, f.x)
		}
	}
	if b.MaxPositionEmbeddings < a.MaxPositionEmbeddings {
		return fmt.Errorf("max_position_embeddings is %d, below the main model's %d", b.MaxPositionEmbeddings, a.MaxPositionEmbeddings)
	}
	return nil
}

// checkEnsemble validates Options.Ensemble against the translator.
func (t *Translator) checkEnsemble(on bool) error {
	if on && len(t.members) == 0 {
		return invalidf("ensemble needs ensemble members, and %s has none", t.info.Name)
	}
	return nil
}

// newScorer encodes a batch of sources and returns the scorer that search
// decodes them with: the model's decoder, or with ensemble the decoders of
// the model and all its members.
func (t *Translator) newScorer(ctx context.Context, srcs [][]int, ensemble bool) (search.Scorer, error) {
	models := []*model.Model{t.model}
	if ensemble {
		models = append(models, t.members...)
	}
	decs := make([]search.Scorer, len(models))
	keeps := make([][]int, len(srcs)) // each sentence's shortlist, nil without one
	for i, src := range srcs {
		keeps[i] = t.keepOf(src)
	}
	for i, m := range models {
		enc, err := m.Encode(ctx, srcs)
		if err != nil {
			return nil, err
		}
		dec, err := m.NewDecoder(enc)
		if err != nil {
			return nil, err
		}
		for s, keep := range keeps {
			if err := dec.Restrict(s, keep); err != nil {
				return nil, err
			}
		}
		decs[i] = dec
	}
	if len(decs) == 1 {
		return decs[0], nil
	}
	return newEnsembleScorer(decs), nil
}

// ensembleScorer steps several scorers over the same rows and gives search
// the renormalised mean of their log-probabilities, with the first one's
// cross-attention.
type ensembleScorer struct {
	parts   []search.Scorer
	vocab   int         // the main model's
	lps     [][]float32 // the log-probabilities of each member but the first, [rows, Vocab]
	scratch []float32   // the exponentials of the softmax, [Vocab]
}

func newEnsembleScorer(parts []search.Scorer) *ensembleScorer {
	// WithEnsemble checked that the members share the vocabulary; they
	// read the same sources, so the main model's sizes are everyone's.
	return &ensembleScorer{parts: parts, vocab: parts[0].Dims().Vocab}
}

// Dims are the main model's, asked afresh: its source length shrinks as
// sentences leave.
func (e *ensembleScorer) Dims() search.Dims { return e.parts[0].Dims() }

func (e *ensembleScorer) Source(r int) int { return e.parts[0].Source(r) }

func (e *ensembleScorer) Reorder(rows []int) {
	for _, p := range e.parts {
		p.Reorder(rows)
	}
}

// Reserve passes the search's sizes on to every decoder that takes them.
func (e *ensembleScorer) Reserve(rows, steps int) {
	for _, p := range e.parts {
		if r, ok := p.(interface{ Reserve(rows, steps int) }); ok {
			r.Reserve(rows, steps)
		}
	}
}

func (e *ensembleScorer) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	if err := e.parts[0].Next(ctx, tokens, logProbs, attn); err != nil {
		return err
	}
	rows, v := len(tokens), e.vocab
	if len(e.lps) < len(e.parts)-1 {
		e.lps = make([][]float32, len(e.parts)-1)
	}
	for i, p := range e.parts[1:] {
		// Each member writes its own buffer, which holds only what it
		// wrote (a restricted decoder rewrites only its rows' lists).
		if cap(e.lps[i]) < rows*v {
			e.lps[i] = make([]float32, rows*v)
		}
		lp := e.lps[i][:rows*v]
		// A member's attention is not needed: model decoders take nil.
		if err := p.Next(ctx, tokens, lp, nil); err != nil {
			return err
		}
		tensor.Add(logProbs[:rows*v], lp)
	}
	if cap(e.scratch) < v {
		e.scratch = make([]float32, v)
	}
	scale := 1 / float32(len(e.parts))
	for r := 0; r < rows; r++ {
		row := logProbs[r*v : (r+1)*v]
		tensor.Scale(row, scale)
		tensor.LogSoftmax(row, e.scratch[:v])
	}
	return nil
}
