package server

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// stepEngine is a stand-in translator for the pool, queue, cancellation
// and shutdown mechanics only (translation itself is tested with the real
// model): each decoding step waits for the test to send on steps, checks
// the context like the real search does, and streams one token "w<i>".
// Closing steps lets every decoding run to the end.
type stepEngine struct {
	tokens  int           // tokens per text
	steps   chan struct{} // one receive per step
	started chan struct{} // receives once per Translate call, after it starts
	names   chan string   // when not nil, receives each call's first text as it starts
	panics  bool          // panic instead of translating
}

func newStepEngine(tokens int) *stepEngine {
	return &stepEngine{tokens: tokens, steps: make(chan struct{}), started: make(chan struct{}, 100)}
}

func (e *stepEngine) Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error) {
	e.started <- struct{}{}
	if e.names != nil && len(req.Texts) > 0 {
		e.names <- req.Texts[0]
	}
	if e.panics {
		var m map[string]int
		m["boom"]++ // a nil-map write: the kind of bug a handler must survive
	}
	out := make([]nmt.Translation, len(req.Texts))
	for i, text := range req.Texts {
		hyp := nmt.Hypothesis{}
		for p := range e.tokens {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-e.steps:
			}
			tok := nmt.Token{ID: 10 + p, Piece: fmt.Sprintf("w%d", p), Text: fmt.Sprintf(" w%d", p)}
			hyp.Tokens = append(hyp.Tokens, tok)
			hyp.Text += tok.Text
			if stream != nil {
				stream(nmt.Event{Index: i, Pos: p, Token: &tok})
			}
		}
		out[i] = nmt.Translation{Source: text, Text: hyp.Text, Sentences: []nmt.Sentence{{
			End: len(text), Tokens: []nmt.SourceToken{{ID: 5, Piece: "x", End: len(text)}}, Hypotheses: []nmt.Hypothesis{hyp}}}}
		if stream != nil {
			stream(nmt.Event{Index: i, Final: &out[i]})
		}
	}
	return out, nil
}

func (e *stepEngine) Align(ctx context.Context, source, target string, opts nmt.Options) (nmt.Translation, error) {
	return nmt.Translation{}, fmt.Errorf("stepEngine does not align")
}

// fakeModels serves e as the pair xx-yy.
func fakeModels(e engine) *Models {
	ms, err := newModels(&model{name: "xx-yy", source: "xx", target: "yy", engine: e})
	if err != nil {
		panic(err)
	}
	return ms
}

func fakeRequest(texts ...string) *translatev1.TranslateRequest {
	return &translatev1.TranslateRequest{SourceLanguageCode: "xx", TargetLanguageCode: "yy", Texts: texts}
}

// mustModels indexes ms as the server does, failing the test on an error.
func mustModels(t testing.TB, ms ...*model) *Models {
	t.Helper()
	out, err := newModels(ms...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// details returns the details of type T of a status error.
func details[T any](err error) []T {
	var out []T
	for _, d := range status.Convert(err).Details() {
		if v, ok := d.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// retryInfo returns the RetryInfo detail of a status error, or nil.
func retryInfo(err error) *errdetails.RetryInfo {
	if ri := details[*errdetails.RetryInfo](err); len(ri) > 0 {
		return ri[0]
	}
	return nil
}

// fieldViolations returns the fields a status error's BadRequest names.
func fieldViolations(err error) []string {
	var out []string
	for _, br := range details[*errdetails.BadRequest](err) {
		for _, v := range br.GetFieldViolations() {
			out = append(out, v.GetField())
		}
	}
	return out
}
