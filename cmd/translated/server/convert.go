package server

import (
	"fmt"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// converter turns domain results into API messages for one request.
type converter struct {
	mode     translatev1.AlignmentMode // resolved: never UNSPECIFIED
	logProbs bool                      // fill Token.log_prob
	selector align.Selector            // the heads that make alignment rows
	sym      align.Symmetrization      // how word links are drawn
}

// translation converts the result for one request text.
func (c converter) translation(text string, tr nmt.Translation) (*translatev1.Translation, error) {
	idx := newCharIndex(text)
	out := &translatev1.Translation{Text: validUTF8(tr.Text), Sentences: make([]*translatev1.Sentence, len(tr.Sentences))}
	for i, sent := range tr.Sentences {
		s, err := c.sentence(text, idx, sent)
		if err != nil {
			return nil, fmt.Errorf("sentence %d: %w", i, err)
		}
		out.Sentences[i] = s
	}
	return out, nil
}

// alignedSentences converts the forced decoding of a target against the
// source text: one hypothesis per sentence pair.
func (c converter) alignedSentences(source string, tr nmt.Translation) ([]*translatev1.AlignedSentence, error) {
	t, err := c.translation(source, tr)
	if err != nil {
		return nil, err
	}
	out := make([]*translatev1.AlignedSentence, len(t.Sentences))
	for i, s := range t.Sentences {
		if len(s.Hypotheses) != 1 {
			return nil, fmt.Errorf("sentence %d: %d forced hypotheses, want 1", i, len(s.Hypotheses))
		}
		h := s.Hypotheses[0]
		out[i] = &translatev1.AlignedSentence{SourceSpan: s.Span, SourceTokens: s.SourceTokens, TargetText: h.Text,
			TargetTokens: h.Tokens, Score: h.Score, LogProb: h.LogProb, WordLinks: h.WordLinks,
			SourceWords: s.SourceWords, TargetWords: h.Words}
	}
	return out, nil
}

func (c converter) sentence(text string, idx charIndex, sent nmt.Sentence) (*translatev1.Sentence, error) {
	out := &translatev1.Sentence{
		Span:         idx.span(sent.Start, sent.End),
		SourceTokens: sourceTokens(idx, sent.Tokens),
		Hypotheses:   make([]*translatev1.Hypothesis, len(sent.Hypotheses)),
		SourceWords:  c.words(idx, text, sent.Start, sent.End),
	}
	for i, h := range sent.Hypotheses {
		hyp, err := c.hypothesis(text, idx, sent, h)
		if err != nil {
			return nil, fmt.Errorf("hypothesis %d: %w", i, err)
		}
		out.Hypotheses[i] = hyp
	}
	return out, nil
}

func (c converter) hypothesis(text string, idx charIndex, sent nmt.Sentence, h nmt.Hypothesis) (*translatev1.Hypothesis, error) {
	h.Text = validUTF8(h.Text)
	texts := make([]string, len(h.Tokens))
	for i, t := range h.Tokens {
		texts[i] = validUTF8(t.Text)
	}
	spans := align.TokenSpans(h.Text, texts)
	tidx := newCharIndex(h.Text)
	out := &translatev1.Hypothesis{Text: h.Text, Score: h.Score, LogProb: h.LogProb, ReverseScore: h.ReverseScore, RightToLeftScore: h.RightToLeftScore, MbrScore: h.MBRScore, Tokens: make([]*translatev1.Token, len(h.Tokens))}
	for i, t := range h.Tokens {
		out.Tokens[i] = c.token(t)
		out.Tokens[i].Span = tidx.span(spans[i][0], spans[i][1])
	}
	if c.mode == translatev1.AlignmentMode_ALIGNMENT_MODE_NONE {
		return out, nil
	}
	a, err := sentenceAlignment(align.Options{Selector: c.selector, Symmetrize: c.sym}, text, sent, h, spans)
	if err != nil {
		return nil, err
	}
	for i, tok := range out.Tokens {
		tok.Alignment = a.Subword.Row(i)
		tok.SourceEosWeight = a.SourceEOS[i]
	}
	out.Words = wordSpans(tidx, a.Target.Words, 0)
	if c.mode == translatev1.AlignmentMode_ALIGNMENT_MODE_WORD {
		out.WordLinks = wordLinks(a, idx, tidx, sent.Start)
	}
	return out, nil
}

// sourceTokens converts a sentence's source tokens, spans in the text idx
// indexes.
func sourceTokens(idx charIndex, toks []nmt.SourceToken) []*translatev1.SourceToken {
	out := make([]*translatev1.SourceToken, len(toks))
	for i, t := range toks {
		out[i] = &translatev1.SourceToken{Id: uint32(t.ID), Piece: validUTF8(t.Piece), Span: idx.span(t.Start, t.End)}
	}
	return out
}

// source fills in the sentence a stream's first token carries (its span,
// source tokens and, with alignment, words in the request text), as
// sentence does.
func (c converter) source(te *translatev1.TokenEvent, text string, sent nmt.Sentence) {
	idx := newCharIndex(text)
	te.SentenceSpan, te.SourceTokens = idx.span(sent.Start, sent.End), sourceTokens(idx, sent.Tokens)
	te.SourceWords = c.words(idx, text, sent.Start, sent.End)
}

// words returns the words of text[start:end] as spans in text (idx
// indexes it), when alignment was requested; nil otherwise.
func (c converter) words(idx charIndex, text string, start, end int) []*translatev1.Span {
	if c.mode == translatev1.AlignmentMode_ALIGNMENT_MODE_NONE || start < 0 || end < start || end > len(text) {
		return nil
	}
	return wordSpans(idx, align.Segment(text[start:end]), start)
}

// wordSpans converts words of a text that starts at byte base of the text
// idx indexes.
func wordSpans(idx charIndex, ws []align.Word, base int) []*translatev1.Span {
	out := make([]*translatev1.Span, len(ws))
	for i, w := range ws {
		out[i] = idx.span(base+w.Start, base+w.End)
	}
	return out
}

// token converts a target token without its span and alignment.
func (c converter) token(t nmt.Token) *translatev1.Token {
	tok := &translatev1.Token{Id: uint32(t.ID), Piece: validUTF8(t.Piece), Text: validUTF8(t.Text)}
	if c.logProbs {
		tok.LogProb = t.LogProb
	}
	return tok
}

// shifted reports whether streamed alignment rows come from the step after
// their token's (a shifted selector), so that each token waits for it.
func (c converter) shifted() bool {
	return c.mode != translatev1.AlignmentMode_ALIGNMENT_MODE_NONE && c.selector.Shift()
}

// streamToken converts a streamed token with its alignment row, made from
// att: the token's own attention, or with a shifted selector that of the
// next step of its sentence (its own for the sentence's last token), as
// align.Extract picks them for the final result.
func (c converter) streamToken(t nmt.Token, att [][][]float32) (*translatev1.Token, error) {
	tok := c.token(t)
	if c.mode == translatev1.AlignmentMode_ALIGNMENT_MODE_NONE {
		return tok, nil
	}
	row, eos, err := streamRow(c.selector, att, attentionSourceLen(att))
	if err != nil {
		return nil, err
	}
	tok.Alignment, tok.SourceEosWeight = row, eos
	return tok, nil
}

// wordLinks converts hard links to spans: source words are in the sentence
// text, which starts at byte base of the request text (index src); target
// words are in the hypothesis text (index tgt).
func wordLinks(a *align.Alignment, src, tgt charIndex, base int) []*translatev1.WordLink {
	links := make([]*translatev1.WordLink, len(a.Links))
	for i, l := range a.Links {
		sw, tw := a.Source.Words[l.Source], a.Target.Words[l.Target]
		links[i] = &translatev1.WordLink{
			Source: src.span(base+sw.Start, base+sw.End),
			Target: tgt.span(tw.Start, tw.End),
			Weight: a.Word.At(l.Target, l.Source),
		}
	}
	return links
}

// validUTF8 replaces invalid UTF-8 (a model can emit a byte-level token
// sequence that stops inside a character) with U+FFFD: protobuf strings
// must be valid UTF-8, and a reply that is not cannot be sent at all.
func validUTF8(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}
