package nmt

import (
	"context"
	"sort"
	"strings"

	"github.com/translated/translated/nmt/search"
)

// decodeRun translates the sentences of one job, batch by batch, and
// gathers the hypotheses back into per-text results.
type decodeRun struct {
	t         *Translator
	job       *job
	attention bool
	stream    func(Event)
	hyps      map[*sentenceJob][]Hypothesis
	pieces    map[*sentenceJob]*pieceWriter // streamed text of each sentence
	remaining []int                         // per text, sentences not yet finished
	// rerankWeight, when positive, reranks every sentence's beam with the
	// reverse model and keeps the best nbest (Options.Rerank).
	rerankWeight float64
	// r2lWeight, when positive, adds the right-to-left model's score to
	// that ranking (Options.RightToLeft).
	r2lWeight float64
	// mbr, when set, chooses among the beam's hypotheses by minimum Bayes
	// risk after that ranking, with this sharpness (Options.MBR).
	mbr      *float64
	nbest    int
	ensemble bool // decode with the ensemble members too (Options.Ensemble)
	// verbatim keeps the decoded text as the tokens spell it; otherwise
	// spaces inside brackets and quotes are tidied (tidySpacing). Forced
	// decoding of a given translation (alignment) must give back that text.
	verbatim bool
}

func newDecodeRun(t *Translator, j *job, attention bool, stream func(Event)) *decodeRun {
	d := &decodeRun{t: t, job: j, attention: attention, stream: stream,
		hyps: make(map[*sentenceJob][]Hypothesis), pieces: make(map[*sentenceJob]*pieceWriter),
		remaining: make([]int, len(j.texts))}
	for i, ss := range j.sentences {
		d.remaining[i] = len(ss)
	}
	return d
}

// run decodes every sentence. Sentences are sorted by length and cut into
// batches of at most maxBatch, so that padding stays small; texts without
// sentences are finished at once.
func (d *decodeRun) run(ctx context.Context, opts search.Options) error {
	d.finishEmpty()
	order := append([]*sentenceJob(nil), d.job.flat...)
	sort.SliceStable(order, func(a, b int) bool { return len(order[a].ids) < len(order[b].ids) })
	for lo := 0; lo < len(order); lo += d.t.maxBatch {
		batch := order[lo:min(lo+d.t.maxBatch, len(order))]
		if err := d.decodeBatch(ctx, batch, opts); err != nil {
			return err
		}
	}
	return nil
}

// finishEmpty finishes the texts without sentences.
func (d *decodeRun) finishEmpty() {
	for i := range d.job.texts {
		if d.remaining[i] == 0 {
			d.finishText(i)
		}
	}
}

func (d *decodeRun) decodeBatch(ctx context.Context, batch []*sentenceJob, opts search.Options) error {
	srcs := make([][]int, len(batch))
	lens := make([]int, len(batch))
	for i, s := range batch {
		srcs[i], lens[i] = s.ids, len(s.ids)
	}
	dec, err := d.t.newScorer(ctx, srcs, d.ensemble)
	if err != nil {
		return err
	}
	var onEvent func(search.Event)
	if d.stream != nil && !d.holdsTokens() {
		onEvent = func(e search.Event) { d.streamEvent(batch[e.Sentence], e) }
	}
	out, err := search.Decode(ctx, dec, lens, opts, onEvent)
	if err != nil {
		return err
	}
	for i, s := range batch {
		d.setHypotheses(s, out[i])
	}
	if d.reranks() {
		if err := d.rerank(ctx, batch); err != nil {
			return err
		}
	}
	for _, s := range batch {
		if d.holdsTokens() && d.stream != nil {
			d.streamHypothesis(s)
		}
		d.sentenceDone(s)
	}
	return nil
}

// setHypotheses keeps the search's hypotheses of sentence s.
func (d *decodeRun) setHypotheses(s *sentenceJob, out []search.Hypothesis) {
	hs := make([]Hypothesis, len(out))
	for k, h := range out {
		hs[k] = d.hypothesis(h)
	}
	d.hyps[s] = hs
}

// reranks reports whether the beam is reranked, by a second model or by
// minimum Bayes risk.
func (d *decodeRun) reranks() bool { return d.rerankWeight > 0 || d.r2lWeight > 0 || d.mbr != nil }

// holdsTokens reports whether a sentence's tokens wait until it is
// decoded: reranking may change its best hypothesis, and a right-to-left
// model finds its first token last.
func (d *decodeRun) holdsTokens() bool { return d.reranks() || d.t.cfg.RightToLeft }

// streamHypothesis sends the tokens of a sentence's best hypothesis at once,
// when they were held back until the sentence was decoded (holdsTokens).
func (d *decodeRun) streamHypothesis(s *sentenceJob) {
	hs := d.hyps[s]
	if len(hs) == 0 {
		return
	}
	for k := range hs[0].Tokens {
		tok := hs[0].Tokens[k]
		d.stream(Event{Index: s.text, Sentence: s.index, Pos: k, Token: &tok, Source: s.source(k)})
	}
}

// source returns the sentence without hypotheses for the event of its
// token at position pos: set on the first token only (Event.Source).
func (s *sentenceJob) source(pos int) *Sentence {
	if pos != 0 {
		return nil
	}
	return &Sentence{Start: s.span.Start, End: s.span.End, Tokens: s.tokens}
}

// streamEvent forwards the newly final tokens of a sentence. A text's final
// event follows once the batch holding its last sentence is collected.
func (d *decodeRun) streamEvent(s *sentenceJob, e search.Event) {
	pw := d.pieces[s]
	if pw == nil {
		pw = &pieceWriter{tok: d.t.tgt, tidy: !d.verbatim}
		d.pieces[s] = pw
	}
	for k, id := range e.Tokens {
		if id == d.t.cfg.EOSTokenID && k == len(e.Tokens)-1 && e.Done {
			break // the end-of-sentence token is not part of the output
		}
		tok := Token{ID: id, Piece: d.t.tgt.Piece(id), Text: pw.next(id), LogProb: e.LogProbs[k]}
		if d.attention {
			tok.Attention = e.Attn[k]
		}
		d.stream(Event{Index: s.text, Sentence: s.index, Pos: e.Pos + k, Token: &tok, Source: s.source(e.Pos + k)})
	}
}

// sentenceDone counts a finished sentence and finishes its text when it was
// the last one.
func (d *decodeRun) sentenceDone(s *sentenceJob) {
	d.remaining[s.text]--
	if d.remaining[s.text] == 0 {
		d.finishText(s.text)
	}
}

func (d *decodeRun) finishText(i int) {
	if d.stream == nil {
		return
	}
	tr := d.translation(i)
	d.stream(Event{Index: i, Sentence: len(d.job.sentences[i]), Final: &tr})
}

// hypothesis turns a search result into output tokens with their text; a
// right-to-left model's tokens are put back in reading order.
func (d *decodeRun) hypothesis(h search.Hypothesis) Hypothesis {
	out := Hypothesis{Score: h.NormScore, LogProb: h.Score}
	pw := &pieceWriter{tok: d.t.tgt, tidy: !d.verbatim}
	n := len(h.Tokens)
	if n > 0 && h.Tokens[n-1] == d.t.cfg.EOSTokenID {
		n--
		if d.attention && n < len(h.Attn) {
			out.EOSAttention = h.Attn[n]
		}
	}
	out.Tokens = make([]Token, n)
	var text strings.Builder
	for k := 0; k < n; k++ {
		j := k
		if d.t.cfg.RightToLeft {
			j = n - 1 - k
		}
		id := h.Tokens[j]
		out.Tokens[k] = Token{ID: id, Piece: d.t.tgt.Piece(id), Text: pw.next(id), LogProb: h.LogProbs[j]}
		if d.attention {
			out.Tokens[k].Attention = h.Attn[j]
		}
		text.WriteString(out.Tokens[k].Text)
	}
	// The text is what the tokens carry, so that streamed and final output
	// agree; an incomplete character at the very end is dropped.
	out.Text = strings.TrimSpace(text.String())
	return out
}

// results assembles every text's translation.
func (d *decodeRun) results() []Translation {
	out := make([]Translation, len(d.job.texts))
	for i := range out {
		out[i] = d.translation(i)
	}
	return out
}

// translation joins the best hypotheses of a text's sentences with the
// text's own separators (leading and trailing white space included).
func (d *decodeRun) translation(i int) Translation {
	text := d.job.texts[i]
	tr := Translation{Source: text}
	var b strings.Builder
	prev := 0
	for k := range d.job.sentences[i] {
		s := &d.job.sentences[i][k]
		tr.Sentences = append(tr.Sentences, Sentence{Start: s.span.Start, End: s.span.End, Tokens: s.tokens, Hypotheses: d.hyps[s]})
		b.WriteString(text[prev:s.span.Start])
		if hs := d.hyps[s]; len(hs) > 0 {
			b.WriteString(hs[0].Text)
		}
		prev = s.span.End
	}
	if len(d.job.sentences[i]) > 0 {
		b.WriteString(text[prev:])
	}
	tr.Text = b.String()
	return tr
}
