package nmt

import (
	"cmp"
	"unicode/utf8"

	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/tokenize"
)

// job is a request cut into sentences, each tokenized and ready to encode.
type job struct {
	texts     []string
	sentences [][]sentenceJob // per text, in order
	flat      []*sentenceJob  // every sentence of the request
}

type sentenceJob struct {
	text, index int  // which text, which sentence of it
	span        span // byte span in the text
	tokens      []SourceToken
	ids         []int // token ids followed by eos
	keep        []int // its vocabulary shortlist, set by a Batcher; nil: none
}

// prepare validates the texts, splits them into sentences (into lines when
// wholeLines, and a line longer than the model's positions into its
// sentences) and tokenizes each, with the language token lang first when it
// is not nil. Token spans are made relative to the whole text.
func (t *Translator) prepare(texts []string, lang *tokenize.Token, wholeLines bool) (*job, error) {
	j := &job{texts: texts, sentences: make([][]sentenceJob, len(texts))}
	for i, text := range texts {
		if !utf8.ValidString(text) {
			return nil, invalidf("texts[%d] is not valid UTF-8", i)
		}
		var units []sentenceJob
		for _, u := range segment(text, wholeLines) {
			s, err := t.tokenizeSource(text[u.Start:u.End], u.Start, lang)
			if err != nil {
				return nil, invalidf("texts[%d]: %v", i, err)
			}
			if len(s.ids) <= t.cfg.MaxPositionEmbeddings || !wholeLines {
				s.span = u
				units = append(units, s)
				continue
			}
			// A line too long for the model is translated sentence by
			// sentence.
			for _, sp := range splitSentences(text[u.Start:u.End]) {
				sp = span{u.Start + sp.Start, u.Start + sp.End}
				s, err := t.tokenizeSource(text[sp.Start:sp.End], sp.Start, lang)
				if err != nil {
					return nil, invalidf("texts[%d]: %v", i, err)
				}
				s.span = sp
				units = append(units, s)
			}
		}
		for k := range units {
			if n := len(units[k].ids); n > t.cfg.MaxPositionEmbeddings {
				return nil, invalidf("texts[%d]: sentence %d has %d tokens; the model takes at most %d", i, k, n, t.cfg.MaxPositionEmbeddings)
			}
			units[k].text, units[k].index = i, k
		}
		j.sentences[i] = units
	}
	for i := range j.sentences {
		for k := range j.sentences[i] {
			j.flat = append(j.flat, &j.sentences[i][k])
		}
	}
	return j, nil
}

// tokenizeSource encodes one sentence that starts at byte offset base of its
// text and appends the end-of-sentence id. A language token lang comes
// first, as a zero-width token at the sentence start, and the sentence is
// then taken literally (a token typed in it is text).
func (t *Translator) tokenizeSource(sentence string, base int, lang *tokenize.Token) (sentenceJob, error) {
	var toks []tokenize.Token
	var err error
	if lang != nil {
		toks, err = t.marian.EncodeFor(lang.Piece, sentence)
	} else {
		toks, err = t.src.Encode(sentence)
	}
	if err != nil {
		return sentenceJob{}, err
	}
	s := sentenceJob{tokens: make([]SourceToken, len(toks)), ids: make([]int, 0, len(toks)+1)}
	for i, tk := range toks {
		s.tokens[i] = SourceToken{ID: tk.ID, Piece: tk.Piece, Start: base + tk.Start, End: base + tk.End}
		s.ids = append(s.ids, tk.ID)
	}
	s.ids = append(s.ids, t.cfg.EOSTokenID)
	return s, nil
}

// Defaults applied to zero Options fields.
const (
	defaultBeamSize       = 4
	defaultLengthPenalty  = 1.0
	defaultMaxLength      = 256
	defaultMaxLengthRatio = 3.0
	maxLengthOffset       = 10
)

// searchOptions fills in defaults, the model's own (ModelInfo.Defaults)
// before the built-in ones, and checks the options against the model.
func (t *Translator) searchOptions(o Options) (search.Options, error) {
	maxPos := t.cfg.MaxPositionEmbeddings
	d := t.gen.defaults
	s := search.Options{
		BeamSize: o.BeamSize, NBest: o.NBest, LengthPenalty: *cmp.Or(o.LengthPenalty, d.LengthPenalty, new(defaultLengthPenalty)),
		MaxLength: cmp.Or(o.MaxLength, d.MaxLength), MaxLengthRatio: o.MaxLengthRatio, MaxLengthOffset: maxLengthOffset,
		EOS: t.cfg.EOSTokenID, Pad: t.cfg.PadTokenID, Start: t.cfg.DecoderStartTokenID,
		Banned: t.gen.banned, LikelyStop: true,
	}
	if s.BeamSize == 0 {
		s.BeamSize = max(cmp.Or(d.BeamSize, defaultBeamSize), s.NBest)
	}
	if s.NBest == 0 {
		s.NBest = 1
	}
	if s.MaxLength == 0 {
		s.MaxLength = min(defaultMaxLength, maxPos)
	}
	if s.MaxLength > maxPos {
		return s, invalidf("max_length %d exceeds the model's %d positions", s.MaxLength, maxPos)
	}
	if s.MaxLengthRatio == 0 {
		s.MaxLengthRatio = defaultMaxLengthRatio
	}
	if err := s.Validate(); err != nil {
		return s, invalidf("%v", err)
	}
	return s, nil
}
