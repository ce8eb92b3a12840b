package nmt

import (
	"context"
	"unicode/utf8"

	"github.com/translated/translated/nmt/search"
	"github.com/translated/translated/tokenize"
)

// align force-decodes target against source, sentence pair by sentence pair
// (line pair by line pair when wholeLines).
func (t *Translator) align(ctx context.Context, source, target string, lang *tokenize.Token, wholeLines bool, opts search.Options) (Translation, error) {
	if !utf8.ValidString(source) {
		return Translation{}, invalidf("source is not valid UTF-8")
	}
	if !utf8.ValidString(target) {
		return Translation{}, invalidf("target is not valid UTF-8")
	}
	srcSpans, tgtSpans := segment(source, wholeLines), segment(target, wholeLines)
	if len(srcSpans) != len(tgtSpans) {
		srcSpans, tgtSpans = wholeText(source), wholeText(target)
	}
	if len(srcSpans) > 0 && len(tgtSpans) == 0 {
		// A blank target: the source is aligned with the empty translation
		// (only the end-of-sentence token is forced).
		tgtSpans = []span{{0, 0}}
	}
	tr := Translation{Source: source, Text: target}
	if len(srcSpans) == 0 {
		return tr, nil
	}
	j := &job{texts: []string{source}, sentences: [][]sentenceJob{make([]sentenceJob, len(srcSpans))}}
	srcs := make([][]int, len(srcSpans))
	lens := make([]int, len(srcSpans))
	targets := make([][]int, len(srcSpans))
	for k, sp := range srcSpans {
		s, err := t.tokenizeSource(source[sp.Start:sp.End], sp.Start, lang)
		if err != nil {
			return Translation{}, invalidf("source: %v", err)
		}
		s.span = sp
		j.sentences[0][k] = s
		srcs[k], lens[k] = s.ids, len(s.ids)
		toks, err := t.encodeTarget(target[tgtSpans[k].Start:tgtSpans[k].End])
		if err != nil {
			return Translation{}, invalidf("target: %v", err)
		}
		for _, tk := range toks {
			targets[k] = append(targets[k], tk.ID)
		}
		targets[k] = t.outputOrder(targets[k])
		maxPos := t.cfg.MaxPositionEmbeddings
		if len(s.ids) > maxPos {
			return Translation{}, invalidf("source: sentence %d has %d tokens; the model takes at most %d", k, len(s.ids), maxPos)
		}
		if len(targets[k]) > maxPos {
			return Translation{}, invalidf("target: sentence %d has %d tokens; the model takes at most %d", k, len(targets[k]), maxPos)
		}
	}
	enc, err := t.model.Encode(ctx, srcs)
	if err != nil {
		return Translation{}, err
	}
	dec, err := t.model.NewDecoder(enc)
	if err != nil {
		return Translation{}, err
	}
	hyps, err := search.Force(ctx, dec, lens, targets, opts)
	if err != nil {
		return Translation{}, err
	}
	d := newDecodeRun(t, j, true, nil)
	d.verbatim = true // the tokens must spell target as given
	for k := range j.sentences[0] {
		d.hyps[&j.sentences[0][k]] = []Hypothesis{d.hypothesis(hyps[k])}
	}
	tr.Sentences = d.translation(0).Sentences
	return tr, nil
}

// wholeText is the span of a text without its surrounding white space, or
// none for a blank text.
func wholeText(text string) []span {
	ss := splitSentences(text)
	if len(ss) == 0 {
		return nil
	}
	return []span{{ss[0].Start, ss[len(ss)-1].End}}
}
