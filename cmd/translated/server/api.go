package server

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The handlers check the request, find the model, wait for a decoding
// worker, run the translator and convert its result. Every error they
// return has been through toStatus.

// Translate implements translatev1.TranslationServiceServer.
func (s *Server) Translate(ctx context.Context, req *translatev1.TranslateRequest) (*translatev1.TranslateResponse, error) {
	resp, err := s.translate(ctx, req)
	return resp, s.statusOf("Translate", err)
}

func (s *Server) translate(ctx context.Context, req *translatev1.TranslateRequest) (*translatev1.TranslateResponse, error) {
	p, err := s.prepareTranslate(ctx, req)
	if err != nil {
		return nil, err
	}
	defer p.ticket.leave()
	trs, err := s.decode(ctx, p, func(ctx context.Context, count func(nmt.Event)) ([]nmt.Translation, error) {
		return p.translate(ctx, count)
	})
	if err != nil {
		return nil, err
	}
	resp := &translatev1.TranslateResponse{Model: p.m.name, Translations: make([]*translatev1.Translation, len(trs))}
	for i, tr := range trs {
		if resp.Translations[i], err = p.conv.translation(p.req.Texts[i], tr); err != nil {
			return nil, err
		}
	}
	if n := proto.Size(resp); n > s.opts.MaxReplyBytes {
		return nil, errReplyTooLarge("the reply", n, s.opts.MaxReplyBytes)
	}
	return resp, nil
}

// TranslateStream implements translatev1.TranslationServiceServer.
func (s *Server) TranslateStream(req *translatev1.TranslateRequest, stream translatev1.TranslationService_TranslateStreamServer) error {
	return s.statusOf("TranslateStream", s.translateStream(req, stream))
}

// translateStream decodes on a worker while a streamSender writes the
// events to the client, so that a slow reader holds no worker (see
// streamSender).
func (s *Server) translateStream(req *translatev1.TranslateRequest, stream translatev1.TranslationService_TranslateStreamServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	p, err := s.prepareTranslate(ctx, req)
	if err != nil {
		return err
	}
	defer p.ticket.leave()
	snd := newStreamSender(stream.Send, s.opts.StreamBuffer, s.opts.MaxReplyBytes, s.opts.SendTimeout)
	defer snd.abort() // whatever happens, its goroutine ends
	out := &eventSender{push: snd.push, conv: p.conv, texts: p.req.Texts, cancel: cancel, model: p.m.name,
		ctx: ctx, sent: make([]bool, len(p.req.Texts))}
	trs, err := s.decode(ctx, p, func(ctx context.Context, count func(nmt.Event)) ([]nmt.Translation, error) {
		return p.translate(ctx, func(ev nmt.Event) { count(ev); out.event(ev) })
	})
	switch {
	case out.err != nil: // the client too slow, or a conversion bug, cut decoding short
		err = out.err
	case err == nil:
		err = out.finish(trs)
	}
	if err != nil {
		return err
	}
	// Decoding is over: the place in the pool goes to another request while
	// the last events wait for the client (within the send timeout).
	p.ticket.leave()
	snd.close()
	return snd.wait()
}

// eventSender turns translator events into stream messages. The first
// error (a failed send, a conversion bug) cancels decoding and is kept.
type eventSender struct {
	ctx    context.Context
	push   func(*translatev1.TranslateStreamResponse) error
	conv   converter
	texts  []string
	model  string // the model's name, on every message
	cancel func()

	mu   sync.Mutex
	sent []bool // result event sent, per text
	err  error
	// held is, with a shifted selector, the last streamed token of each
	// {text, sentence}: its alignment row needs the next step's attention,
	// so it is sent when the sentence's next token arrives, or with its
	// own step's attention when its text's result arrives.
	held map[[2]int]nmt.Event
}

// pending is an event ready to send; att makes a token's alignment row.
type pending struct {
	ev  nmt.Event
	att [][][]float32
}

func (e *eventSender) event(ev nmt.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ctx.Err() != nil || e.err != nil || ev.Index < 0 || ev.Index >= len(e.texts) {
		return
	}
	for _, p := range e.ready(ev) {
		msg, err := e.message(p)
		if err == nil && msg != nil {
			err = e.push(msg)
		}
		if err != nil {
			e.err = err
			e.cancel()
			return
		}
	}
}

// ready returns the events that ev lets go, in order: ev itself, or with a
// shifted selector the held token ev completes (see held).
func (e *eventSender) ready(ev nmt.Event) []pending {
	switch {
	case ev.Token != nil && e.conv.shifted():
		key := [2]int{ev.Index, ev.Sentence}
		var out []pending
		if prev, ok := e.held[key]; ok {
			out = append(out, pending{prev, ev.Token.Attention})
		}
		if e.held == nil {
			e.held = map[[2]int]nmt.Event{}
		}
		e.held[key] = ev
		return out
	case ev.Token != nil:
		return []pending{{ev, ev.Token.Attention}}
	}
	return append(e.release(ev.Index, ev.Final), pending{ev: ev})
}

// release hands over the held tokens of text i, by sentence: each was its
// sentence's last token, so its row comes from the step that predicted
// end-of-sentence, found in the text's result tr, or from its own step
// when there was none (the length limit stopped the sentence).
func (e *eventSender) release(i int, tr *nmt.Translation) []pending {
	var out []pending
	for key, ev := range e.held {
		if key[0] != i {
			continue
		}
		att := ev.Token.Attention
		if tr != nil && key[1] < len(tr.Sentences) && len(tr.Sentences[key[1]].Hypotheses) > 0 {
			if eos := tr.Sentences[key[1]].Hypotheses[0].EOSAttention; eos != nil {
				att = eos
			}
		}
		out = append(out, pending{ev, att})
		delete(e.held, key)
	}
	slices.SortFunc(out, func(a, b pending) int { return a.ev.Sentence - b.ev.Sentence })
	return out
}

func (e *eventSender) message(p pending) (*translatev1.TranslateStreamResponse, error) {
	ev := p.ev
	msg := &translatev1.TranslateStreamResponse{TextIndex: uint32(ev.Index), Model: e.model}
	switch {
	case ev.Token != nil:
		tok, err := e.conv.streamToken(*ev.Token, p.att)
		if err != nil {
			return nil, err
		}
		te := &translatev1.TokenEvent{SentenceIndex: uint32(ev.Sentence), Position: uint32(ev.Pos), Token: tok}
		if ev.Source != nil {
			e.conv.source(te, e.texts[ev.Index], *ev.Source)
		}
		msg.Event = &translatev1.TranslateStreamResponse_Token{Token: te}
	case ev.Final != nil:
		if e.sent[ev.Index] {
			return nil, nil
		}
		tr, err := e.conv.translation(e.texts[ev.Index], *ev.Final)
		if err != nil {
			return nil, err
		}
		e.sent[ev.Index] = true
		msg.Event = &translatev1.TranslateStreamResponse_Result{Result: tr}
	default:
		return nil, nil
	}
	return msg, nil
}

// finish sends the result of every text the translator gave no final
// event for (an empty text, say), so that each text ends with one.
func (e *eventSender) finish(trs []nmt.Translation) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.texts {
		if e.sent[i] || i >= len(trs) {
			continue
		}
		for _, p := range e.release(i, &trs[i]) {
			msg, err := e.message(p)
			if err != nil {
				return err
			}
			if err := e.push(msg); err != nil {
				return err
			}
		}
		tr, err := e.conv.translation(e.texts[i], trs[i])
		if err != nil {
			return err
		}
		e.sent[i] = true
		msg := &translatev1.TranslateStreamResponse{TextIndex: uint32(i), Model: e.model, Event: &translatev1.TranslateStreamResponse_Result{Result: tr}}
		if err := e.push(msg); err != nil {
			return err
		}
	}
	return nil
}

// prepared is a request that passed every check: it holds a place in the
// pool (ticket) and knows its estimated memory (cost).
type prepared struct {
	m        *model
	req      nmt.Request
	batch    *nmt.Batcher // decodes req with other requests; nil: alone
	conv     converter
	ticket   *ticket
	cost     int64
	tokensIn int
}

// prepareTranslate finds the model and checks the request, the cheap
// checks first: a request refused for its fields or for want of room
// costs no tokenization. The caller must leave the ticket.
func (s *Server) prepareTranslate(ctx context.Context, req *translatev1.TranslateRequest) (*prepared, error) {
	m, err := s.models.lookup(req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode())
	if err != nil {
		return nil, err
	}
	ci := info(ctx)
	ci.setModel(m.name)
	nreq, err := s.limits.translateRequest(req, m)
	if err != nil {
		return nil, err
	}
	conv, err := newConverter(req, m)
	if err != nil {
		return nil, err
	}
	batch := s.batcherOf(m, nreq)
	var t *ticket
	if batch != nil {
		t, err = s.pool.admitShared(clientOf(ctx), len(nreq.Texts))
	} else {
		t, err = s.pool.admit(clientOf(ctx))
	}
	if err != nil {
		return nil, err
	}
	plan, err := planOf(m, nreq)
	if err == nil {
		err = s.limits.checkPlan(plan)
	}
	if err != nil {
		t.leave()
		return nil, err
	}
	p := &prepared{m: m, req: nreq, batch: batch, ticket: t, cost: estimateBytes(plan, shapeOf(m), conv.mode), tokensIn: plannedTokens(plan),
		conv: conv}
	ci.admitted(p.tokensIn, p.cost)
	return p, nil
}

// batcherOf returns the Batcher that decodes req on m together with other
// requests, or nil when req decodes alone.
func (s *Server) batcherOf(m *model, req nmt.Request) *nmt.Batcher {
	t, ok := m.engine.(*nmt.Translator)
	if !ok {
		return nil
	}
	if b := s.batchers[t]; b != nil && b.Batches(req) {
		return b
	}
	return nil
}

// translate decodes the request, with others or alone.
func (p *prepared) translate(ctx context.Context, stream func(nmt.Event)) ([]nmt.Translation, error) {
	if p.batch != nil {
		return p.batch.Translate(ctx, p.req, stream)
	}
	return p.m.engine.Translate(ctx, p.req, stream)
}

// decode runs work on a worker of the pool, within the server's decoding
// time limit, and accounts for its tokens: work passes every event of the
// translator to count, which counts the target tokens made, before and
// after the call was cancelled.
func (s *Server) decode(ctx context.Context, p *prepared, work func(ctx context.Context, count func(nmt.Event)) ([]nmt.Translation, error)) ([]nmt.Translation, error) {
	release, err := p.ticket.start(ctx, p.cost)
	if err != nil {
		return nil, err
	}
	defer release()
	dctx, cancel := context.WithTimeoutCause(ctx, s.opts.MaxDecodeTime, errDecodeTimeLimit)
	defer cancel()
	cnt := &tokenCount{ctx: dctx}
	start := time.Now()
	trs, err := work(dctx, cnt.event)
	out := cnt.out
	if err == nil {
		_, out = countTokens(trs)
	}
	info(ctx).addTokensOut(out)
	s.metrics.decoded(p.m.name, p.tokensIn, out, time.Since(start))
	s.metrics.lateTokens.Add(float64(cnt.late))
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(context.Cause(dctx), errDecodeTimeLimit):
		err = &timeLimitError{limit: s.opts.MaxDecodeTime}
	case err == nil && ctx.Err() != nil:
		err = ctx.Err() // finished while being cancelled: report the cancellation
	}
	return trs, err
}

// errDecodeTimeLimit is the cause of a decoding cut short by
// Options.MaxDecodeTime.
var errDecodeTimeLimit = errors.New("decoding time limit")

// tokenCount counts the target tokens a decoding streams, and those it
// streams after its context ended. The translator calls event from the
// decoding goroutine only.
type tokenCount struct {
	ctx       context.Context
	out, late int
}

func (c *tokenCount) event(ev nmt.Event) {
	switch {
	case ev.Token == nil:
	case c.ctx.Err() != nil:
		c.late++
	default:
		c.out++
	}
}

// planner is what *nmt.Translator offers to weigh a request before
// decoding it.
type planner interface {
	Plan(req nmt.Request) (nmt.Plan, error)
}

// planOf plans req on m: the translator's own plan, or for an engine
// without one (a test's) one sentence per text of its characters.
func planOf(m *model, req nmt.Request) (nmt.Plan, error) {
	if pl, ok := m.engine.(planner); ok {
		return pl.Plan(req)
	}
	p := nmt.Plan{Sentences: make([][]int, len(req.Texts)), BeamSize: cmp.Or(req.Options.BeamSize, 4), NBest: cmp.Or(req.Options.NBest, 1),
		MaxLength: cmp.Or(req.Options.MaxLength, defaultMaxLength), Models: 1, BatchSize: 32}
	for i, t := range req.Texts {
		if t != "" {
			p.Sentences[i] = []int{utf8.RuneCountInString(t) + 1}
		}
	}
	return p, nil
}

// plannedTokens returns the source tokens of a plan, end-of-sentence marks
// excluded.
func plannedTokens(p nmt.Plan) int {
	n := 0
	for _, ss := range p.Sentences {
		for _, s := range ss {
			n += s - 1
		}
	}
	return n
}

// countTokens returns the source tokens read and the target tokens of the
// best hypotheses.
func countTokens(trs []nmt.Translation) (in, out int) {
	for _, tr := range trs {
		for _, s := range tr.Sentences {
			in += len(s.Tokens)
			if len(s.Hypotheses) > 0 {
				out += len(s.Hypotheses[0].Tokens)
			}
		}
	}
	return in, out
}

// Align implements translatev1.TranslationServiceServer.
func (s *Server) Align(ctx context.Context, req *translatev1.AlignRequest) (*translatev1.AlignResponse, error) {
	resp, err := s.align(ctx, req)
	return resp, s.statusOf("Align", err)
}

func (s *Server) align(ctx context.Context, req *translatev1.AlignRequest) (*translatev1.AlignResponse, error) {
	m, err := s.models.lookup(req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode())
	if err != nil {
		return nil, err
	}
	ci := info(ctx)
	ci.setModel(m.name)
	opts, err := s.limits.alignRequest(req, m)
	if err != nil {
		return nil, err
	}
	conv, err := newConverter(req, m)
	if err != nil {
		return nil, err
	}
	t, err := s.pool.admit(clientOf(ctx))
	if err != nil {
		return nil, err
	}
	defer t.leave()
	n, err := s.limits.alignTokens(req.GetSourceText(), m)
	if err != nil {
		return nil, err
	}
	// A forced decoding is a beam of one whose length is the target's
	// (its bytes bound its tokens).
	plan := nmt.Plan{Sentences: [][]int{{n + 1}}, BeamSize: 1, NBest: 1, MaxLength: len(req.GetTargetText()) + 1, Models: 1, BatchSize: 1}
	p := &prepared{m: m, ticket: t, tokensIn: n, cost: estimateBytes(plan, shapeOf(m), conv.mode)}
	ci.admitted(p.tokensIn, p.cost)
	trs, err := s.decode(ctx, p, func(ctx context.Context, _ func(nmt.Event)) ([]nmt.Translation, error) {
		tr, err := m.engine.Align(ctx, req.GetSourceText(), req.GetTargetText(), opts)
		return []nmt.Translation{tr}, alignField(err)
	})
	if err != nil {
		return nil, err
	}
	sentences, err := conv.alignedSentences(req.GetSourceText(), trs[0])
	if err != nil {
		return nil, err
	}
	resp := &translatev1.AlignResponse{Sentences: sentences, Model: m.name}
	if n := proto.Size(resp); n > s.opts.MaxReplyBytes {
		return nil, errReplyTooLarge("the reply", n, s.opts.MaxReplyBytes)
	}
	return resp, nil
}

// alignField names the request field of the translator's refusals of an
// alignment, which speak of the source and the target.
func alignField(err error) error {
	if !errors.Is(err, nmt.ErrInvalidArgument) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), nmt.ErrInvalidArgument.Error()+": ")
	for _, f := range []struct{ prefix, field string }{{"source", "source_text"}, {"target", "target_text"}} {
		if rest, ok := strings.CutPrefix(msg, f.prefix); ok {
			return &fieldError{field: f.field, reason: strings.TrimLeft(rest, ": ")}
		}
	}
	return &fieldError{field: "source_text", reason: msg}
}

// ListModels implements translatev1.TranslationServiceServer.
func (s *Server) ListModels(ctx context.Context, req *translatev1.ListModelsRequest) (*translatev1.ListModelsResponse, error) {
	resp, err := s.models.page(req.GetPageSize(), req.GetPageToken())
	return resp, toStatus(s.log, err)
}
