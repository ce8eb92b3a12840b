package server

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Limits bound what one request may ask for. Every bound is checked before
// the request waits for a worker, those that need no tokenization before it
// takes a place in the queue, and a request over one is refused with an
// InvalidArgument naming the field. Each must be at least 1.
type Limits struct {
	MaxTexts  int // texts per request; default 64
	MaxChars  int // code points per text (and per Align source or target); default 10000
	MaxTokens int // source subword tokens per text; default 1024
	MaxBeam   int // beam_size and n_best; default 16
	MaxOutput int // max_length: target tokens per sentence; default 512
}

// DefaultLimits returns the limits named on Limits' fields, which suit a
// small CPU server.
func DefaultLimits() Limits {
	return Limits{MaxTexts: 64, MaxChars: 10000, MaxTokens: 1024, MaxBeam: 16, MaxOutput: 512}
}

// Validate returns an error naming the first limit under 1.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxTexts", l.MaxTexts}, {"MaxChars", l.MaxChars}, {"MaxTokens", l.MaxTokens}, {"MaxBeam", l.MaxBeam}, {"MaxOutput", l.MaxOutput}} {
		if f.v < 1 {
			return fmt.Errorf("Limits.%s must be at least 1, got %d", f.name, f.v)
		}
	}
	return nil
}

// defaultMaxLength is nmt's own default for Options.MaxLength.
const defaultMaxLength = 256

// Bounds on the real-valued options; beyond them decoding is meaningless.
const (
	maxLengthPenalty  = 10.0
	maxMaxLengthRatio = 100.0
)

// translateRequest makes the cheap checks of a TranslateRequest for model
// m, those that need no tokenization (counts, characters, options), and
// turns it into the domain request. The token limit is checkPlan's, once
// the request holds a place in the pool.
func (l Limits) translateRequest(r *translatev1.TranslateRequest, m *model) (nmt.Request, error) {
	if len(r.GetTexts()) > l.MaxTexts {
		return nmt.Request{}, invalidf("texts", "%d texts, over this server's limit of %d per request", len(r.GetTexts()), l.MaxTexts)
	}
	for i, t := range r.GetTexts() {
		if err := l.text(fmt.Sprintf("texts[%d]", i), t); err != nil {
			return nmt.Request{}, err
		}
	}
	if err := checkMode("alignment", r.GetAlignment()); err != nil {
		return nmt.Request{}, err
	}
	opts, err := l.options(r.GetOptions(), m.maxPositions)
	if err != nil {
		return nmt.Request{}, err
	}
	if opts.Rerank > 0 && !m.canRerank() {
		return nmt.Request{}, invalidf("options.rerank", "%s has no reverse model on this server to rerank with", m.name)
	}
	if opts.RightToLeft > 0 && m.info.GetRightToLeftParameters() == 0 {
		return nmt.Request{}, invalidf("options.right_to_left", "%s has no right-to-left model on this server", m.name)
	}
	if opts.Ensemble && m.info.GetEnsembleMembers() == 0 {
		return nmt.Request{}, invalidf("options.ensemble", "%s has no ensemble members on this server", m.name)
	}
	opts.Attention = resolveMode(r.GetAlignment()) != translatev1.AlignmentMode_ALIGNMENT_MODE_NONE
	opts.TargetLanguage = m.targetLanguage
	return nmt.Request{Texts: r.GetTexts(), Options: opts}, nil
}

// checkPlan applies the token limit to every text of a planned request:
// the source tokens of its sentences, end-of-sentence marks excluded.
func (l Limits) checkPlan(p nmt.Plan) error {
	for i, ss := range p.Sentences {
		n := 0
		for _, s := range ss {
			n += s - 1
		}
		if n > l.MaxTokens {
			return invalidf(fmt.Sprintf("texts[%d]", i), "%d tokens, over this server's limit of %d", n, l.MaxTokens)
		}
	}
	return nil
}

// alignRequest makes the cheap checks of an AlignRequest and returns the
// options of the forced decoding.
func (l Limits) alignRequest(r *translatev1.AlignRequest, m *model) (nmt.Options, error) {
	if err := l.text("source_text", r.GetSourceText()); err != nil {
		return nmt.Options{}, err
	}
	if err := l.text("target_text", r.GetTargetText()); err != nil {
		return nmt.Options{}, err
	}
	if err := checkMode("alignment", r.GetAlignment()); err != nil {
		return nmt.Options{}, err
	}
	return nmt.Options{
		Attention:      resolveMode(r.GetAlignment()) != translatev1.AlignmentMode_ALIGNMENT_MODE_NONE,
		TargetLanguage: m.targetLanguage,
		WholeLines:     r.GetWholeLines(),
	}, nil
}

// alignTokens applies the token limit to an Align source, counted with
// m's source tokenizer when it has one, and returns the count.
func (l Limits) alignTokens(source string, m *model) (int, error) {
	if m.tokens == nil {
		return utf8.RuneCountInString(source), nil
	}
	toks, err := m.tokens.Encode(source)
	if err != nil {
		return 0, invalidf("source_text", "%v", err)
	}
	if len(toks) > l.MaxTokens {
		return 0, invalidf("source_text", "%d tokens, over this server's limit of %d", len(toks), l.MaxTokens)
	}
	return len(toks), nil
}

// text checks one input text: valid UTF-8 and not too many characters.
func (l Limits) text(field, t string) error {
	if !utf8.ValidString(t) {
		return invalidf(field, "not valid UTF-8 (first bad byte at offset %d)", firstInvalid(t))
	}
	if n := utf8.RuneCountInString(t); n > l.MaxChars {
		return invalidf(field, "%d characters, over this server's limit of %d", n, l.MaxChars)
	}
	return nil
}

// options checks decoding options against the server's limits and the
// model's longest sequence (maxPositions, 0 when unknown), and fills in
// the output cap. Beam size and n-best left at 0 take the translator's
// defaults.
func (l Limits) options(o *translatev1.DecodingOptions, maxPositions int) (nmt.Options, error) {
	if o == nil {
		o = &translatev1.DecodingOptions{}
	}
	beam, nbest := int(o.GetBeamSize()), int(o.GetNBest())
	maxOut := l.MaxOutput
	if maxPositions > 0 {
		maxOut = min(maxOut, maxPositions)
	}
	switch {
	case o.GetBeamSize() > uint32(l.MaxBeam):
		return nmt.Options{}, invalidf("options.beam_size", "%d is over this server's limit of %d", o.GetBeamSize(), l.MaxBeam)
	case o.GetNBest() > uint32(l.MaxBeam):
		return nmt.Options{}, invalidf("options.n_best", "%d is over this server's limit of %d", o.GetNBest(), l.MaxBeam)
	case beam > 0 && nbest > beam:
		return nmt.Options{}, invalidf("options.n_best", "%d is more than beam_size (%d): search keeps only beam_size hypotheses", nbest, beam)
	case o.GetMaxLength() > uint32(maxOut):
		return nmt.Options{}, invalidf("options.max_length", "%d is over the limit of %d tokens for this model", o.GetMaxLength(), maxOut)
	case o.GetMaxLength() == 1:
		return nmt.Options{}, invalidf("options.max_length", "1 leaves room for the end of sentence only (max_length counts it), so every translation would be empty; ask for at least 2")
	}
	if err := checkRange("options.length_penalty", o.LengthPenalty, maxLengthPenalty, "unset means the model's default"); err != nil {
		return nmt.Options{}, err
	}
	ratio := o.GetMaxLengthRatio()
	if err := checkRange("options.max_length_ratio", &ratio, maxMaxLengthRatio, "0 means the default"); err != nil {
		return nmt.Options{}, err
	}
	rerank, r2l := o.GetRerank(), o.GetRightToLeft()
	if err := checkRange("options.rerank", &rerank, nmt.MaxRerank, "0 means off"); err != nil {
		return nmt.Options{}, err
	}
	if err := checkRange("options.right_to_left", &r2l, nmt.MaxRerank, "0 means off"); err != nil {
		return nmt.Options{}, err
	}
	if err := checkRange("options.mbr", o.Mbr, nmt.MaxMBR, "unset means off"); err != nil {
		return nmt.Options{}, err
	}
	maxLen := int(o.GetMaxLength())
	if maxLen == 0 {
		maxLen = min(defaultMaxLength, maxOut)
	}
	return nmt.Options{
		BeamSize:       beam,
		NBest:          nbest,
		LengthPenalty:  o.LengthPenalty,
		MaxLength:      maxLen,
		MaxLengthRatio: ratio,
		Rerank:         rerank,
		RightToLeft:    r2l,
		MBR:            o.Mbr,
		WholeLines:     o.GetWholeLines(),
		Ensemble:       o.GetEnsemble(),
	}, nil
}

// checkRange refuses a real-valued option outside [0, most]; nil (unset)
// passes. unset says what leaving it out means.
func checkRange(field string, v *float64, most float64, unset string) error {
	if v != nil && (math.IsNaN(*v) || *v < 0 || *v > most) {
		return invalidf(field, "%v is outside [0, %v] (%s)", *v, most, unset)
	}
	return nil
}

// checkMode refuses alignment modes this server does not know (a newer
// client's enum value).
func checkMode(field string, m translatev1.AlignmentMode) error {
	if _, ok := translatev1.AlignmentMode_name[int32(m)]; !ok {
		return invalidf(field, "unknown alignment mode %d", int32(m))
	}
	return nil
}

// resolveMode gives the server's default to an unspecified alignment
// mode: none, for every RPC.
func resolveMode(m translatev1.AlignmentMode) translatev1.AlignmentMode {
	if m == translatev1.AlignmentMode_ALIGNMENT_MODE_UNSPECIFIED {
		return translatev1.AlignmentMode_ALIGNMENT_MODE_NONE
	}
	return m
}

// firstInvalid returns the byte offset of the first invalid UTF-8 sequence.
func firstInvalid(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}
