package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The handlers check the request, find the model, wait for a decoding
// worker, run the translator and convert its result. Every error they
// return has been through toStatus.

// Translate implements translatev1.TranslationServiceServer.
func (s *Server) Translate(ctx context.Context, req *translatev1.TranslateRequest) (*translatev1.TranslateResponse, error) {
	resp, err := s.translate(ctx, req)
	return resp, toStatus(s.log, err)
}

func (s *Server) translate(ctx context.Context, req *translatev1.TranslateRequest) (*translatev1.TranslateResponse, error) {
	m, nreq, conv, err := s.prepareTranslate(ctx, req)
	if err != nil {
		return nil, err
	}
	var trs []nmt.Translation
	err = s.decode(ctx, m, func(ctx context.Context) error {
		trs, err = m.engine.Translate(ctx, nreq, nil)
		return err
	}, func() []nmt.Translation { return trs })
	if err != nil {
		return nil, err
	}
	resp := &translatev1.TranslateResponse{Model: m.name, Translations: make([]*translatev1.Translation, len(trs))}
	for i, tr := range trs {
		if resp.Translations[i], err = conv.translation(nreq.Texts[i], tr); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// TranslateStream implements translatev1.TranslationServiceServer.
func (s *Server) TranslateStream(req *translatev1.TranslateRequest, stream translatev1.TranslationService_TranslateStreamServer) error {
	return toStatus(s.log, s.translateStream(req, stream))
}

func (s *Server) translateStream(req *translatev1.TranslateRequest, stream translatev1.TranslationService_TranslateStreamServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	m, nreq, conv, err := s.prepareTranslate(ctx, req)
	if err != nil {
		return err
	}
	out := &eventSender{send: stream.Send, conv: conv, texts: nreq.Texts, cancel: cancel, model: m.name,
		late: s.metrics.lateTokens.Inc, ctx: ctx, sent: make([]bool, len(nreq.Texts))}
	var trs []nmt.Translation
	err = s.decode(ctx, m, func(ctx context.Context) error {
		trs, err = m.engine.Translate(ctx, nreq, out.event)
		return err
	}, func() []nmt.Translation { return trs })
	if out.err != nil { // a failed send or conversion cut decoding short
		return out.err
	}
	if err != nil {
		return err
	}
	return out.finish(trs)
}

// eventSender turns translator events into stream messages. The first
// error (a failed send, a conversion bug) cancels decoding and is kept.
type eventSender struct {
	ctx    context.Context
	send   func(*translatev1.TranslateStreamResponse) error
	conv   converter
	texts  []string
	model  string // the model's name, on every message
	cancel func()
	late   func() // counts a token produced after cancellation

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
	if e.ctx.Err() != nil {
		if ev.Token != nil {
			e.late()
		}
		return
	}
	if e.err != nil || ev.Index < 0 || ev.Index >= len(e.texts) {
		return
	}
	for _, p := range e.ready(ev) {
		msg, err := e.message(p)
		if err == nil && msg != nil {
			err = e.send(msg)
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
			if err := e.send(msg); err != nil {
				return err
			}
		}
		tr, err := e.conv.translation(e.texts[i], trs[i])
		if err != nil {
			return err
		}
		e.sent[i] = true
		msg := &translatev1.TranslateStreamResponse{TextIndex: uint32(i), Model: e.model, Event: &translatev1.TranslateStreamResponse_Result{Result: tr}}
		if err := e.send(msg); err != nil {
			return err
		}
	}
	return nil
}

// prepareTranslate finds the model and checks the request.
func (s *Server) prepareTranslate(ctx context.Context, req *translatev1.TranslateRequest) (*model, nmt.Request, converter, error) {
	m, err := s.models.lookup(req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode())
	if err != nil {
		return nil, nmt.Request{}, converter{}, err
	}
	info(ctx).setModel(m.name)
	nreq, err := s.limits.translateRequest(req, m)
	if err != nil {
		return nil, nmt.Request{}, converter{}, err
	}
	conv, err := newConverter(req, m)
	return m, nreq, conv, err
}

// decode runs work on a worker of the pool and accounts for its tokens.
// result returns what work produced (read after it returns).
func (s *Server) decode(ctx context.Context, m *model, work func(context.Context) error, result func() []nmt.Translation) error {
	release, err := s.pool.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	start := time.Now()
	err = work(ctx)
	in, out := countTokens(result())
	info(ctx).addTokens(in, out)
	s.metrics.decoded(m.name, in, out, time.Since(start))
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // finished while being cancelled: report the cancellation
	}
	return err
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
	return resp, toStatus(s.log, err)
}

func (s *Server) align(ctx context.Context, req *translatev1.AlignRequest) (*translatev1.AlignResponse, error) {
	m, err := s.models.lookup(req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode())
	if err != nil {
		return nil, err
	}
	info(ctx).setModel(m.name)
	opts, err := s.limits.alignRequest(req, m)
	if err != nil {
		return nil, err
	}
	conv, err := newConverter(req, m)
	if err != nil {
		return nil, err
	}
	var tr nmt.Translation
	err = s.decode(ctx, m, func(ctx context.Context) error {
		tr, err = m.engine.Align(ctx, req.GetSourceText(), req.GetTargetText(), opts)
		return err
	}, func() []nmt.Translation { return []nmt.Translation{tr} })
	if err != nil {
		return nil, err
	}
	sentences, err := conv.alignedSentences(req.GetSourceText(), tr)
	if err != nil {
		return nil, err
	}
	return &translatev1.AlignResponse{Sentences: sentences, Model: m.name}, nil
}

// ListModels implements translatev1.TranslationServiceServer.
func (s *Server) ListModels(ctx context.Context, req *translatev1.ListModelsRequest) (*translatev1.ListModelsResponse, error) {
	resp, err := s.models.page(req.GetPageSize(), req.GetPageToken())
	return resp, toStatus(s.log, err)
}
