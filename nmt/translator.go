package nmt

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/tokenize"
	"github.com/translated/translated/tokenize/spm"
)

// TokenizerFile is the name of the tokenizer in a model directory.
const TokenizerFile = "tokenizer.json"

// Translator translates with one model. It is immutable and safe for
// concurrent use; every call keeps its own decoding state.
type Translator struct {
	model    *model.Model
	cfg      model.Config
	src, tgt tokenize.Tokenizer
	marian   *spm.Marian // src and tgt when the model is a MarianMT (OPUS-MT) one, else nil
	gen      generation  // the model's decoding defaults and banned ids
	info     ModelInfo
	reverse  *Translator    // the opposite direction, for Options.Rerank; nil when none
	members  []*model.Model // ensemble members, for Options.Ensemble
	r2l      *Translator    // the right-to-left model of this direction, for Options.RightToLeft; nil when none
	// maxBatch bounds the sentences decoded together; longer requests are
	// cut into several batches of sentences of similar length.
	maxBatch int
	// shortlist restricts the output layer of search to the tokens likely
	// in each batch's translation (WithShortlist); nil: the whole vocabulary.
	shortlist *Shortlist
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
	// EnsembleMembers counts the models that Options.Ensemble decodes with
	// besides this one (the directory's ensemble/ subdirectory), and
	// EnsembleParameters their weights; 0 when it has none.
	EnsembleMembers    int
	EnsembleParameters int
	// RightToLeftParameters counts the weights of the right-to-left model
	// that Options.RightToLeft reranks with (the directory's right-to-left/
	// subdirectory), its embedding matrix included even when it is this
	// model's; 0 when it has none.
	RightToLeftParameters int
	// RightToLeft is set when this model itself writes its output last
	// token first (config.json right_to_left); the translator turns the
	// output around, so its results read as any model's.
	RightToLeft bool
	// Int8 is set when the weight matrices are held as int8 with one scale
	// per output row (OpenWith's model.LoadOptions.Int8, or a checkpoint
	// stored so), not as float32.
	Int8       bool
	Activation string
	// TargetLanguages are the output languages of a multi-target model
	// (the codes of its ">>xx<<" tokens, sorted), one of which every
	// request names in Options.TargetLanguage; nil for other models.
	TargetLanguages []string
	// Defaults are the model's own decoding defaults (generation_config.json,
	// or the generation fields of config.json); a zero field means the
	// translator's built-in default. Options fields left at zero take these
	// first.
	Defaults Options
	// Banned are target ids the model never generates besides the padding
	// id (the single-token bad_words_ids of its generation config).
	Banned []int
	// AlignmentHeads is the cross-attention selector that aligns best for
	// this model, as measured on held-out data and stored in config.json
	// ("alignment_heads", e.g. "layer=1,head=2"); "" when not measured.
	AlignmentHeads string
}

// Open loads a model directory: config.json, the weights (model.safetensors,
// or pytorch_model.bin when there is none) and the tokenizer. A directory
// with source.spm is a MarianMT (OPUS-MT) one, read with source.spm,
// target.spm and vocab.json; any other has tokenizer.json. The decoding
// defaults come from generation_config.json, or from the generation fields
// of config.json when there is none (see ModelInfo.Defaults). Errors wrap
// ErrBadModel and name the file at fault.
func Open(dir string) (*Translator, error) { return OpenWith(dir, model.LoadOptions{}) }

// OpenWith is Open with load options, which apply to the model and its
// ensemble members: with o.Int8 their weight matrices are quantized to
// int8 as they are read. A right-to-left model that shares the model's
// embeddings cannot load beside an int8 model and fails the open.
func OpenWith(dir string, o model.LoadOptions) (*Translator, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a model directory", ErrBadModel, dir)
	}
	m, err := model.LoadWith(dir, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	cfg := m.Config()
	tok, err := openTokenizer(dir, &cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	gen, err := readGeneration(dir, &cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	t, err := New(filepath.Base(filepath.Clean(dir)), m, tok, tok)
	if err != nil {
		return nil, err
	}
	t.gen = gen
	t.info.Defaults, t.info.Banned = gen.defaults, gen.banned
	members, err := openMembers(dir, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	if len(members) > 0 {
		if t, err = t.WithEnsemble(members...); err != nil {
			return nil, err
		}
	}
	r2l, err := openRightToLeft(dir, m)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	if r2l != nil {
		if t, err = t.WithRightToLeft(r2l); err != nil {
			return nil, err
		}
	}
	if _, err := t.searchOptions(Options{}); err != nil {
		return nil, fmt.Errorf("%w: %s: decoding defaults: %v", ErrBadModel, dir, err)
	}
	return t, nil
}

// openTokenizer reads a MarianMT tokenizer (source.spm, target.spm,
// vocab.json) when dir has source.spm, else tokenizer.json. The special
// ids of vocab.json must be those of config.json.
func openTokenizer(dir string, cfg *model.Config) (tokenize.Tokenizer, error) {
	if _, err := os.Stat(filepath.Join(dir, "source.spm")); err != nil {
		return tokenize.Load(filepath.Join(dir, TokenizerFile))
	}
	tok, err := spm.LoadMarian(dir)
	if err != nil {
		return nil, err
	}
	vocab := filepath.Join(dir, "vocab.json")
	if tok.EOSID() != cfg.EOSTokenID {
		return nil, fmt.Errorf("%s gives </s> the id %d, but config.json has eos_token_id %d", vocab, tok.EOSID(), cfg.EOSTokenID)
	}
	if tok.PadID() >= 0 && tok.PadID() != cfg.PadTokenID {
		return nil, fmt.Errorf("%s gives <pad> the id %d, but config.json has pad_token_id %d", vocab, tok.PadID(), cfg.PadTokenID)
	}
	return tok, nil
}

// New makes a Translator from a loaded model and its source and target
// tokenizers (the same one for a joint vocabulary). A *spm.Marian source
// tokenizer brings the language tokens of a multi-target model (see
// Options.TargetLanguage). The model's decoding defaults are the built-in
// ones; Open reads a directory's own.
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
		RightToLeft: cfg.RightToLeft, Int8: m.Int8(),
	}
	if raw, ok := cfg.Extra["alignment_heads"]; ok {
		if err := json.Unmarshal(raw, &t.info.AlignmentHeads); err != nil {
			return nil, fmt.Errorf("%w: %s: config.json alignment_heads is not a string", ErrBadModel, name)
		}
	}
	if a, b, ok := strings.Cut(name, "-"); ok && a != "" && b != "" && !strings.Contains(b, "-") {
		t.info.Source, t.info.Target = a, b
	}
	if mt, ok := src.(*spm.Marian); ok {
		t.marian = mt
		t.info.TargetLanguages = mt.Languages()
	}
	return t, nil
}

// Info describes the model.
func (t *Translator) Info() ModelInfo { return t.info }

// Translate translates every text of req. stream, when not nil, receives
// each output token as soon as it can no longer change, and a final event
// per text; it is called from the calling goroutine. Texts are split into
// sentences (lines with Options.WholeLines), and all sentences of the
// request are decoded as batches.
func (t *Translator) Translate(ctx context.Context, req Request, stream func(Event)) ([]Translation, error) {
	d, opts, err := t.newRun(req, stream)
	if err != nil {
		return nil, err
	}
	if err := d.run(ctx, opts); err != nil {
		return nil, err
	}
	return d.results(), nil
}

// newRun checks req and cuts it into sentences, ready to decode with the
// search options it returns.
func (t *Translator) newRun(req Request, stream func(Event)) (*decodeRun, search.Options, error) {
	opts, err := t.searchOptions(req.Options)
	if err != nil {
		return nil, opts, err
	}
	lang, err := t.targetLanguage(req.Options.TargetLanguage)
	if err != nil {
		return nil, opts, err
	}
	if err := t.checkRerank(req.Options); err != nil {
		return nil, opts, err
	}
	if err := t.checkEnsemble(req.Options.Ensemble); err != nil {
		return nil, opts, err
	}
	job, err := t.prepare(req.Texts, lang, req.Options.WholeLines)
	if err != nil {
		return nil, opts, err
	}
	d := newDecodeRun(t, job, req.Options.Attention, stream)
	d.ensemble = req.Options.Ensemble
	if (req.Options.Rerank > 0 || req.Options.RightToLeft > 0 || req.Options.MBR != nil) && opts.BeamSize > 1 {
		d.rerankWeight, d.r2lWeight, d.mbr, d.nbest = req.Options.Rerank, req.Options.RightToLeft, req.Options.MBR, opts.NBest
		opts.NBest = opts.BeamSize
	}
	return d, opts, nil
}

// Align scores a given translation: target is force-decoded against source
// and the result carries, for each sentence pair, one hypothesis with the
// target's tokens, their log-probabilities and cross-attention. When source
// and target split into the same number of sentences (of lines, with
// opts.WholeLines) they are paired in order; otherwise each text is taken as
// one sentence.
func (t *Translator) Align(ctx context.Context, source, target string, opts Options) (Translation, error) {
	opts.Attention = true
	sopts, err := t.searchOptions(opts)
	if err != nil {
		return Translation{}, err
	}
	lang, err := t.targetLanguage(opts.TargetLanguage)
	if err != nil {
		return Translation{}, err
	}
	return t.align(ctx, source, target, lang, opts.WholeLines, sopts)
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
