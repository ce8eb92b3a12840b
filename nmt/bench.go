package nmt

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/nmt/tensor"
)

// BenchShape is the shape of a random model for Bench, in the Hugging Face
// Marian layout: shared and tied embeddings, SiLU, scaled embeddings.
type BenchShape struct {
	DModel        int // hidden size D
	EncoderLayers int
	DecoderLayers int
	Heads         int // attention heads, encoder and decoder
	FFN           int // feed-forward inner size, encoder and decoder
	Vocab         int // shared vocabulary
}

// OPUSMTShape is the size of the OPUS-MT models (Helsinki-NLP/opus-mt-*):
// d_model 512, 6+6 layers, 8 heads, ffn 2048, vocabulary 58,101 (en-es).
var OPUSMTShape = BenchShape{DModel: 512, EncoderLayers: 6, DecoderLayers: 6, Heads: 8, FFN: 2048, Vocab: 58101}

// Config is the MarianMT configuration of the shape (pad 58100 and eos 0
// as in OPUS-MT when the vocabulary has room, else pad 0 and eos 1).
func (s BenchShape) Config() (*model.Config, error) {
	pad, eos := 0, 1
	if s.Vocab == OPUSMTShape.Vocab {
		pad, eos = s.Vocab-1, 0
	}
	js := fmt.Sprintf(`{"model_type": "marian", "vocab_size": %d, "d_model": %d,
		"encoder_layers": %d, "decoder_layers": %d, "encoder_attention_heads": %d,
		"decoder_attention_heads": %d, "encoder_ffn_dim": %d, "decoder_ffn_dim": %d,
		"max_position_embeddings": 512, "pad_token_id": %d, "eos_token_id": %d,
		"decoder_start_token_id": %d, "activation_function": "swish", "scale_embedding": true}`,
		s.Vocab, s.DModel, s.EncoderLayers, s.DecoderLayers, s.Heads, s.Heads, s.FFN, s.FFN, pad, eos, pad)
	c, err := model.ParseConfig([]byte(js))
	if err != nil {
		return nil, invalidf("random model: %v", err)
	}
	return c, nil
}

// RandomModel builds a model of shape s with weights drawn from N(0, 0.05)
// with a fixed seed: the same seed gives the same model. With o.Int8 its
// matrices are quantized to int8 as LoadOptions.Int8 does at load.
func RandomModel(s BenchShape, seed uint64, o model.LoadOptions) (*model.Model, error) {
	c, err := s.Config()
	if err != nil {
		return nil, err
	}
	m, err := model.New(c, model.RandomWeights(c, seed, 0.05))
	if err != nil || !o.Int8 {
		return m, err
	}
	return model.Quantized(m)
}

// BenchOptions describe the work Bench measures. Zero fields take their
// defaults.
type BenchOptions struct {
	// Sentences is the number of source sentences translated per round.
	// Default 8.
	Sentences int
	// Batch is the number of sentences decoded together (the last batch
	// of a round may be smaller). Default 1.
	Batch int
	// Beam is the beam size; 1 is greedy search. Default 1.
	Beam int
	// SourceLen is the length of every source sentence in tokens, the
	// final end-of-sentence token included. Sentence i holds the ids
	// 3 + (7i + 13j) mod (V − 3) for j < SourceLen − 1, then eos, as
	// scripts/reference/bench.py makes them. Default 24.
	SourceLen int
	// TargetLen is the exact number of target tokens of every hypothesis
	// (end-of-sentence included): the end-of-sentence token is masked
	// before and forced at the last position, so every sentence takes
	// TargetLen decoder steps. Default 32.
	TargetLen int
	// Rounds is the number of timed rounds, after one untimed warm-up
	// round. Default 3.
	Rounds int
	// Shortlist, when not nil, restricts each batch's output layer to the
	// tokens it keeps for the batch's sources (as Translator.WithShortlist).
	Shortlist *Shortlist
	// ShortlistSize, when positive and Shortlist is nil, restricts the
	// output layer to ShortlistSize evenly spaced target ids (and the
	// end-of-sentence token): the cost of a shortlist of that size, for a
	// model without one (a random model). Default 0: the whole vocabulary.
	ShortlistSize int
}

func (o BenchOptions) withDefaults() BenchOptions {
	for _, f := range []struct {
		v *int
		d int
	}{{&o.Sentences, 8}, {&o.Batch, 1}, {&o.Beam, 1}, {&o.SourceLen, 24}, {&o.TargetLen, 32}, {&o.Rounds, 3}} {
		orDefault(f.v, f.d)
	}
	return o
}

// orDefault sets *v to d when it is zero.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// Validate reports the first option out of range for m, in one sentence.
func (o BenchOptions) Validate(m *model.Model) error {
	o = o.withDefaults()
	c := m.Config()
	for _, f := range []struct {
		name string
		v    int
	}{{"sentences", o.Sentences}, {"batch", o.Batch}, {"beam", o.Beam}, {"source length", o.SourceLen}, {"target length", o.TargetLen}, {"rounds", o.Rounds}} {
		if f.v < 1 {
			return invalidf("bench: %s must be at least 1, got %d", f.name, f.v)
		}
	}
	if o.SourceLen > c.MaxPositionEmbeddings || o.TargetLen > c.MaxPositionEmbeddings {
		return invalidf("bench: source length %d and target length %d must not exceed the model's %d positions", o.SourceLen, o.TargetLen, c.MaxPositionEmbeddings)
	}
	if c.VocabSize < 4 || c.DecoderVocabSize < 4 {
		return invalidf("bench: the model's vocabulary of %d is too small", c.VocabSize)
	}
	if o.ShortlistSize < 0 || o.ShortlistSize > c.DecoderVocabSize {
		return invalidf("bench: shortlist size %d is outside [0, %d]", o.ShortlistSize, c.DecoderVocabSize)
	}
	return nil
}

// BenchResult is what Bench measured.
type BenchResult struct {
	Options BenchOptions // with defaults filled in
	Threads int          // tensor.Threads() during the run
	Kernels string       // tensor.Features()
	// TargetTokens is the number of target tokens of one round:
	// Sentences × TargetLen.
	TargetTokens int
	// Rounds holds the wall time of each timed round (encoder, decoder
	// steps and search included).
	Rounds []time.Duration
	// TokensPerSecond is TargetTokens over the median round.
	TokensPerSecond float64
	// Steps is the number of decoder steps timed (all rows of a batch
	// advance in one step), StepP50 and StepP99 their median and 99th
	// percentile wall time.
	Steps            int
	StepP50, StepP99 time.Duration
	// ShortlistMean is the mean number of tokens the output layer computed
	// per batch: the vocabulary without a shortlist.
	ShortlistMean float64
}

// Bench translates Sentences synthetic sentences with m, Rounds times after
// a warm-up, and reports target tokens per second and the time of the
// decoder steps. It is the engine half of translate-cli bench; the model's
// load time and the process's memory are the caller's to measure.
func Bench(ctx context.Context, m *model.Model, opts BenchOptions) (*BenchResult, error) {
	if err := opts.Validate(m); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	c := m.Config()
	srcs := model.SyntheticSources(&c, o.Sentences, o.SourceLen)
	sopts := search.Options{BeamSize: o.Beam, MinLength: o.TargetLen - 1, MaxLength: o.TargetLen,
		EOS: c.EOSTokenID, Pad: c.PadTokenID, Start: c.DecoderStartTokenID}
	res := &BenchResult{Options: o, Threads: tensor.Threads(), Kernels: tensor.Features(), TargetTokens: o.Sentences * o.TargetLen}
	var steps []time.Duration
	var rows []int // output rows per batch
	for round := 0; round <= o.Rounds; round++ {
		var times *[]time.Duration
		if round > 0 {
			times = &steps
		}
		start := time.Now()
		if err := benchRound(ctx, m, srcs, o, sopts, times, &rows); err != nil {
			return nil, err
		}
		if round > 0 {
			res.Rounds = append(res.Rounds, time.Since(start))
		}
	}
	res.TokensPerSecond = float64(res.TargetTokens) / median(res.Rounds).Seconds()
	res.Steps = len(steps)
	slices.Sort(steps)
	res.StepP50, res.StepP99 = percentile(steps, 50), percentile(steps, 99)
	total := 0
	for _, n := range rows {
		total += n
	}
	res.ShortlistMean = float64(total) / float64(len(rows))
	return res, nil
}

// benchRound translates srcs batch by batch, appending the time of every
// decoder step to *times unless times is nil, and the output rows of every
// batch to *rows.
func benchRound(ctx context.Context, m *model.Model, srcs [][]int, o BenchOptions, sopts search.Options, times *[]time.Duration, rows *[]int) error {
	c := m.Config()
	for lo := 0; lo < len(srcs); lo += o.Batch {
		batch := srcs[lo:min(lo+o.Batch, len(srcs))]
		enc, err := m.Encode(ctx, batch)
		if err != nil {
			return err
		}
		dec, err := m.NewDecoder(enc)
		if err != nil {
			return err
		}
		keep := benchShortlist(&c, batch, o)
		if err := dec.SetShortlist(keep); err != nil {
			return err
		}
		*rows = append(*rows, len(keep))
		if keep == nil {
			(*rows)[len(*rows)-1] = c.DecoderVocabSize
		}
		lens := make([]int, len(batch))
		for i, s := range batch {
			lens[i] = len(s)
		}
		hyps, err := search.Decode(ctx, &timedScorer{Decoder: dec, times: times}, lens, sopts, nil)
		if err != nil {
			return err
		}
		for i, h := range hyps {
			if len(h) == 0 || len(h[0].Tokens) != o.TargetLen {
				return fmt.Errorf("bench: sentence %d was not decoded to %d tokens", lo+i, o.TargetLen)
			}
		}
	}
	return nil
}

// benchShortlist is the shortlist of one batch: from o.Shortlist, or
// o.ShortlistSize evenly spaced ids, or nil for the whole vocabulary.
func benchShortlist(c *model.Config, batch [][]int, o BenchOptions) []int {
	if o.Shortlist != nil {
		return o.Shortlist.Select(batch, c.EOSTokenID)
	}
	if o.ShortlistSize == 0 {
		return nil
	}
	ids := []int{c.EOSTokenID}
	for i := 0; i < o.ShortlistSize; i++ {
		ids = append(ids, i*c.DecoderVocabSize/o.ShortlistSize)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// timedScorer is a model decoder that records the wall time of every step.
type timedScorer struct {
	*model.Decoder
	times *[]time.Duration // nil: not recording
}

func (t *timedScorer) Next(ctx context.Context, tokens []int, logProbs, attn []float32) error {
	start := time.Now()
	err := t.Decoder.Next(ctx, tokens, logProbs, attn)
	if t.times != nil {
		*t.times = append(*t.times, time.Since(start))
	}
	return err
}

// median is the middle value of ds (the upper one of an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// percentile is the nearest-rank p-th percentile of sorted, 0 when empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[max(i, 0)]
}
