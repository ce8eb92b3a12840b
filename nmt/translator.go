package nmt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/tokenize"
)

// TokenizerFile is the name of the tokenizer in a model directory.
const TokenizerFile = "tokenizer.json"

// Translator translates with one model. It is immutable and safe for
// concurrent use; every call keeps its own decoding state.
type Translator struct {
	model    *model.Model
	cfg      model.Config
	src, tgt tokenize.Tokenizer
	info     ModelInfo
	// maxBatch bounds the sentences decoded together; longer requests are
	// cut into several batches of sentences of similar length.
	maxBatch int
}

// ModelInfo summarises a loaded model.
type ModelInfo struct {
	Name           string // the model directory's base name, e.g. "en-es"
	Source, Target string // language codes from the name, "" when it has none
	DModel         int
	EncoderLayers  int
	DecoderLayers  int
	Heads          int // decoder cross-attention heads
	SourceVocab    int
	TargetVocab    int
	MaxPositions   int
	Parameters     int // number of weights (shared matrices counted once)
	Activation     string
}

// Open loads a model directory: config.json, model.safetensors and
// tokenizer.json. Errors wrap ErrBadModel and name the file at fault.
func Open(dir string) (*Translator, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a model directory", ErrBadModel, dir)
	}
	m, err := model.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	tok, err := tokenize.Load(filepath.Join(dir, TokenizerFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	return New(filepath.Base(filepath.Clean(dir)), m, tok, tok)
}

// New makes a Translator from a loaded model and its source and target
// tokenizers (the same one for a joint vocabulary).
func New(name string, m *model.Model, src, tgt tokenize.Tokenizer) (*Translator, error) {
	cfg := m.Config()
	if src.VocabSize() > cfg.VocabSize {
		return nil, fmt.Errorf("%w: %s: source tokenizer has %d entries, the model's vocabulary %d", ErrBadModel, name, src.VocabSize(), cfg.VocabSize)
	}
	if tgt.VocabSize() > cfg.DecoderVocabSize {
		return nil, fmt.Errorf("%w: %s: target tokenizer has %d entries, the model's vocabulary %d", ErrBadModel, name, tgt.VocabSize(), cfg.DecoderVocabSize)
	}
	t := &Translator{model: m, cfg: cfg, src: src, tgt: tgt, maxBatch: 32}
	t.info = ModelInfo{
		Name: name, DModel: cfg.DModel, EncoderLayers: cfg.EncoderLayers, DecoderLayers: cfg.DecoderLayers,
		Heads: cfg.DecoderAttentionHeads, SourceVocab: cfg.VocabSize, TargetVocab: cfg.DecoderVocabSize,
		MaxPositions: cfg.MaxPositionEmbeddings, Parameters: countParameters(m), Activation: cfg.ActivationFunction,
	}
	if a, b, ok := strings.Cut(name, "-"); ok && a != "" && b != "" && !strings.Contains(b, "-") {
		t.info.Source, t.info.Target = a, b
	}
	return t, nil
}

// Info describes the model.
func (t *Translator) Info() ModelInfo { return t.info }

// Translate translates every text of req. stream, when not nil, receives
// each output token as soon as it can no longer change, and a final event
// per text; it is called from the calling goroutine. Texts are split into
// sentences, and all sentences of the request are decoded as batches.
func (t *Translator) Translate(ctx context.Context, req Request, stream func(Event)) ([]Translation, error) {
	opts, err := t.searchOptions(req.Options)
	if err != nil {
		return nil, err
	}
	job, err := t.prepare(req.Texts)
	if err != nil {
		return nil, err
	}
	d := newDecodeRun(t, job, req.Options.Attention, stream)
	if err := d.run(ctx, opts); err != nil {
		return nil, err
	}
	return d.results(), nil
}

// Align scores a given translation: target is force-decoded against source
// and the result carries, for each sentence pair, one hypothesis with the
// target's tokens, their log-probabilities and cross-attention. When source
// and target split into the same number of sentences they are paired in
// order; otherwise each text is taken as one sentence.
func (t *Translator) Align(ctx context.Context, source, target string, opts Options) (Translation, error) {
	opts.Attention = true
	sopts, err := t.searchOptions(opts)
	if err != nil {
		return Translation{}, err
	}
	return t.align(ctx, source, target, sopts)
}

// countParameters adds up the sizes of the model's distinct weights.
func countParameters(m *model.Model) int {
	n := 0
	for _, shape := range m.Shapes() {
		size := 1
		for _, d := range shape {
			size *= d
		}
		n += size
	}
	return n
}

// SourceTokenizer is the tokenizer the translator reads sources with, for
// callers that count or inspect tokens before translating.
func (t *Translator) SourceTokenizer() tokenize.Tokenizer { return t.src }
