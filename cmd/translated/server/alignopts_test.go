package server

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestRequestHeads checks that a request's alignment_heads gives the
// alignment a server started with the same heads for every model gives.
func TestRequestHeads(t *testing.T) {
	ctx := testContext(t)
	for _, heads := range []string{"layer=1,head=2", "heads=0:1+1:2,shift", "layer=-1"} {
		sel, err := align.ParseSelector(heads)
		if err != nil {
			t.Fatal(err)
		}
		fixed, err := LoadModels(testModels, &sel)
		if err != nil {
			t.Fatal(err)
		}
		want := startServer(t, "bufconn", testConfig(), fixed)
		got := startServer(t, "bufconn", testConfig(), realModels(t))
		req := enEs(testTexts...)
		req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
		wresp, err := want.client.Translate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		req.AlignmentHeads = heads
		gresp, err := got.client.Translate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(gresp, wresp) {
			t.Errorf("%s: the request's heads align differently from a server with -alignment-heads %s", heads, heads)
		}
		areq := &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: "Hello world. Two.",
			TargetText: "Hola mundo. Dos.", Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD}
		wa, err := want.client.Align(ctx, areq)
		if err != nil {
			t.Fatal(err)
		}
		areq.AlignmentHeads = heads
		ga, err := got.client.Align(ctx, areq)
		if err != nil || !proto.Equal(ga, wa) {
			t.Errorf("%s: Align with the request's heads: %v, differs from the fixed server's", heads, err)
		}
	}
}

// TestRequestSymmetrization checks that the symmetrizations nest as they
// should: intersection ⊆ grow-diag ⊆ grow-diag-final-and ⊆
// grow-diag-final ⊆ union, and that unspecified is grow-diag-final-and.
func TestRequestSymmetrization(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	order := []translatev1.Symmetrization{
		translatev1.Symmetrization_SYMMETRIZATION_INTERSECTION,
		translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG,
		translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG_FINAL_AND,
		translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG_FINAL,
		translatev1.Symmetrization_SYMMETRIZATION_UNION,
	}
	links := func(sym translatev1.Symmetrization) map[string]bool {
		req := &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es",
			SourceText: "The light shines in the darkness, and the darkness did not overcome it.",
			TargetText: "La luz brilla en la oscuridad, y la oscuridad no la venció.",
			Alignment:  translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, Symmetrization: sym}
		resp, err := h.client.Align(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, l := range resp.Sentences[0].WordLinks {
			set[fmt.Sprintf("%d-%d→%d-%d", l.Source.Start, l.Source.End, l.Target.Start, l.Target.End)] = true
		}
		return set
	}
	var prev map[string]bool
	for _, sym := range order {
		cur := links(sym)
		for l := range prev {
			if !cur[l] {
				t.Errorf("%s lacks link %s of the symmetrization before it", sym, l)
			}
		}
		prev = cur
	}
	if def, gdfa := links(translatev1.Symmetrization_SYMMETRIZATION_UNSPECIFIED), links(translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG_FINAL_AND); len(def) != len(gdfa) {
		t.Errorf("unspecified gives %d links, grow-diag-final-and %d", len(def), len(gdfa))
	}
	if len(links(order[0])) == 0 || len(prev) <= len(links(order[0])) {
		t.Errorf("union (%d links) should hold more than the intersection (%d)", len(prev), len(links(order[0])))
	}
}

func TestRequestAlignmentRefusals(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	type refusal struct {
		heads string                     // alignment_heads
		sym   translatev1.Symmetrization // symmetrization
		says  string                     // in the message
	}
	for _, tc := range []refusal{
		{"layer=2", 0, "alignment_heads: align: selector layer=2: layer 2 out of range"},
		{"layer=0,head=4", 0, "model en-es has 2 decoder layers of 4 heads"},
		{"heads=0:0+0:0", 0, "listed twice"},
		{"top", 0, "alignment_heads: align: selector \"top\": unknown item"},
		{"", 42, "symmetrization: unknown symmetrization 42"},
	} {
		req := enEs("Hello.")
		req.Alignment, req.AlignmentHeads, req.Symmetrization = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, tc.heads, tc.sym
		_, err := h.client.Translate(ctx, req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), tc.says) {
			t.Errorf("heads %q symmetrization %d: %v, want InvalidArgument saying %q", tc.heads, tc.sym, err, tc.says)
		}
		_, err = h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: "Hello.",
			TargetText: "Hola.", AlignmentHeads: tc.heads, Symmetrization: tc.sym})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), tc.says) {
			t.Errorf("Align: heads %q symmetrization %d: %v, want InvalidArgument saying %q", tc.heads, tc.sym, err, tc.says)
		}
	}
}

// TestStreamSource checks that the first token of every sentence carries
// the sentence's span, source tokens and (with alignment) words, equal to
// its result's, and that no other token carries them.
func TestStreamSource(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	for _, mode := range []translatev1.AlignmentMode{translatev1.AlignmentMode_ALIGNMENT_MODE_NONE, translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD} {
		req := enEs(testTexts...)
		req.Alignment = mode
		req.Options = &translatev1.DecodingOptions{BeamSize: 2, MaxLength: 20}
		st, err := h.client.TranslateStream(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		firsts := map[[2]uint32]*translatev1.TokenEvent{}
		results := map[uint32]*translatev1.Translation{}
		ev, err := st.Recv()
		for ; err == nil; ev, err = st.Recv() {
			if r := ev.GetResult(); r != nil {
				results[ev.TextIndex] = r
				continue
			}
			te := ev.GetToken()
			carries := te.SentenceSpan != nil || len(te.SourceTokens) > 0 || len(te.SourceWords) > 0
			if carries != (te.Position == 0) {
				t.Fatalf("%s: text %d sentence %d position %d: carries the source %v", mode, ev.TextIndex, te.SentenceIndex, te.Position, carries)
			}
			if te.Position == 0 {
				firsts[[2]uint32{ev.TextIndex, te.SentenceIndex}] = te
			}
		}
		if !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		if len(firsts) == 0 {
			t.Fatalf("%s: no token streamed", mode)
		}
		for key, te := range firsts {
			sent := results[key[0]].Sentences[key[1]]
			if !proto.Equal(te.SentenceSpan, sent.Span) || !sameList(te.SourceTokens, sent.SourceTokens) || !sameList(te.SourceWords, sent.SourceWords) {
				t.Errorf("%s: text %d sentence %d: the first token's source differs from the result's", mode, key[0], key[1])
			}
			if aligned := mode != translatev1.AlignmentMode_ALIGNMENT_MODE_NONE; aligned != (len(sent.SourceWords) > 0) {
				t.Errorf("%s: text %d sentence %d: %d source words", mode, key[0], key[1], len(sent.SourceWords))
			}
		}
	}
}

func sameList[M proto.Message](a, b []M) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestWords checks the word spans of a translation and an alignment
// against align.Segment of the texts.
func TestWords(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	src, tgt := "Café, cafe\u0301 — “quoted” 👩‍👩‍👧 emoji. שלום עולם.", "Café, dijo él. Hola."
	resp, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: src,
		TargetText: tgt, Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD})
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range resp.Sentences {
		sentence := src[s.SourceSpan.ByteStart:s.SourceSpan.ByteEnd]
		if got, want := spanTexts(src, s.SourceWords), wordTexts(sentence); !slices.Equal(got, want) {
			t.Errorf("sentence %d: source words %q, want %q", k, got, want)
		}
		if got, want := spanTexts(s.TargetText, s.TargetWords), wordTexts(s.TargetText); !slices.Equal(got, want) {
			t.Errorf("sentence %d: target words %q, want %q", k, got, want)
		}
	}
}

func spanTexts(text string, spans []*translatev1.Span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s.ByteStart:s.ByteEnd]
		if r := []rune(text); string(r[s.Start:s.End]) != out[i] {
			out[i] += " (character span differs)"
		}
	}
	return out
}

func wordTexts(text string) []string {
	var out []string
	for _, w := range align.Segment(text) {
		out = append(out, w.Text)
	}
	return out
}

// TestLocalConn checks that calls through LocalConn go through the
// interceptors (they show in the metrics) and fail once the server stops.
func TestLocalConn(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	conn, err := h.srv.LocalConn()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := translatev1.NewTranslationServiceClient(conn)
	if _, err := client.Translate(ctx, enEs("Hello world.")); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "xx"}); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown pair through the local connection: %v", err)
	}
	rec := httptest.NewRecorder()
	h.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`translated_requests_total{code="OK",method="Translate"} 1`, `translated_requests_total{code="NotFound",method="Translate"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	h.stop()
	if err := <-h.done; err != nil {
		t.Fatal(err)
	}
	h.done <- nil // for the harness's cleanup
	if _, err := client.Translate(ctx, enEs("Hello.")); status.Code(err) != codes.Unavailable {
		t.Errorf("after the stop: %v, want Unavailable", err)
	}
}
