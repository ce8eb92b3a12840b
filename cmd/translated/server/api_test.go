package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/align"
	nmtmodel "github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Texts with hard Unicode: accents (composed and decomposed), emoji,
// right-to-left and CJK scripts, several sentences, and an empty text.
var testTexts = []string{
	"Hello world.",
	"",
	"Two sentences. Here is the second one!",
	"Café, cafe\u0301 — “quoted” 👩‍👩‍👧 emoji.",
	"שלום עולם. 你好，世界。",
}

var networks = []string{"bufconn", "tcp"}

func enEs(texts ...string) *translatev1.TranslateRequest {
	return &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: texts}
}

// TestTranslateMatchesLibrary checks that the server returns what the
// translator computes, field by field, with the alignment rows of the
// library's attention, over both transports.
func TestTranslateMatchesLibrary(t *testing.T) {
	ms := realModels(t)
	lib := translator(t, ms, "en-es")
	for _, network := range networks {
		for _, beam := range []uint32{1, 3} {
			t.Run(fmt.Sprintf("%s/beam%d", network, beam), func(t *testing.T) {
				ctx := testContext(t)
				h := startServer(t, network, testConfig(), ms)
				req := enEs(testTexts...)
				req.Options = &translatev1.DecodingOptions{BeamSize: beam, NBest: min(beam, 2), MaxLength: 40}
				req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
				req.IncludeLogProbs = true
				resp, err := h.client.Translate(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				want, err := lib.Translate(ctx, nmt.Request{Texts: testTexts, Options: nmt.Options{
					BeamSize: int(beam), NBest: int(min(beam, 2)), MaxLength: 40, Attention: true}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if resp.Model != "en-es" || len(resp.Translations) != len(testTexts) {
					t.Fatalf("model %q, %d translations", resp.Model, len(resp.Translations))
				}
				links := 0
				for i, got := range resp.Translations {
					checkTranslation(t, testTexts[i], got, want[i], true)
					for _, s := range got.Sentences {
						links += len(s.Hypotheses[0].WordLinks)
					}
				}
				if links == 0 {
					t.Error("word alignment asked for, no word link returned")
				}
			})
		}
	}
}

// checkTranslation compares a served translation with the library's
// result and checks the invariants of every span and alignment row.
func checkTranslation(t *testing.T, text string, got *translatev1.Translation, want nmt.Translation, aligned bool) {
	t.Helper()
	if got.Text != validUTF8(want.Text) || len(got.Sentences) != len(want.Sentences) {
		t.Fatalf("text %q: got %q with %d sentences, want %q with %d", text, got.Text, len(got.Sentences), want.Text, len(want.Sentences))
	}
	runes := []rune(text)
	for k, gs := range got.Sentences {
		ws := want.Sentences[k]
		if sp := gs.Span; int(sp.ByteStart) != ws.Start || int(sp.ByteEnd) != ws.End || string(runes[sp.Start:sp.End]) != text[ws.Start:ws.End] {
			t.Errorf("sentence %d span %v, want bytes [%d,%d)", k, sp, ws.Start, ws.End)
		}
		for j, st := range gs.SourceTokens {
			if string(runes[st.Span.Start:st.Span.End]) != text[st.Span.ByteStart:st.Span.ByteEnd] || int(st.Id) != ws.Tokens[j].ID {
				t.Errorf("source token %d: %v, want %+v", j, st, ws.Tokens[j])
			}
		}
		if len(gs.Hypotheses) != len(ws.Hypotheses) {
			t.Fatalf("sentence %d: %d hypotheses, want %d", k, len(gs.Hypotheses), len(ws.Hypotheses))
		}
		for n, gh := range gs.Hypotheses {
			checkHypothesis(t, gh, ws.Hypotheses[n], len(gs.SourceTokens), aligned)
		}
	}
}

func checkHypothesis(t *testing.T, got *translatev1.Hypothesis, want nmt.Hypothesis, nSource int, aligned bool) {
	t.Helper()
	if got.Text != validUTF8(want.Text) || got.Score != want.Score || got.LogProb != want.LogProb || len(got.Tokens) != len(want.Tokens) {
		t.Fatalf("hypothesis %q (%v, %d tokens), want %q (%v, %d tokens)", got.Text, got.Score, len(got.Tokens), want.Text, want.Score, len(want.Tokens))
	}
	trunes := []rune(got.Text)
	for i, tok := range got.Tokens {
		w := want.Tokens[i]
		if int(tok.Id) != w.ID || tok.Piece != validUTF8(w.Piece) || tok.LogProb != w.LogProb {
			t.Errorf("token %d: %v, want %+v", i, tok, w)
		}
		if string(trunes[tok.Span.Start:tok.Span.End]) != got.Text[tok.Span.ByteStart:tok.Span.ByteEnd] {
			t.Errorf("token %d span %v disagrees with itself in %q", i, tok.Span, got.Text)
		}
		if !aligned {
			if len(tok.Alignment) != 0 {
				t.Errorf("token %d has an alignment row that was not asked for", i)
			}
			continue
		}
		if len(tok.Alignment) != nSource {
			t.Fatalf("token %d: row of %d weights for %d source tokens", i, len(tok.Alignment), nSource)
		}
		sum := 0.0
		for _, w := range tok.Alignment {
			if w < 0 || math.IsNaN(float64(w)) {
				t.Fatalf("token %d: weight %v", i, w)
			}
			sum += float64(w)
		}
		if math.Abs(sum-1) > 1e-5 && sum != 0 { // float32 rounding of a renormalized row
			t.Errorf("token %d: row sums to %v", i, sum)
		}
		if tok.SourceEosWeight < 0 || tok.SourceEosWeight > 1 {
			t.Errorf("token %d: end-of-sentence weight %v", i, tok.SourceEosWeight)
		}
	}
	for _, l := range got.WordLinks {
		if l.Target.ByteEnd > uint32(len(got.Text)) || l.Weight <= 0 || l.Weight > 1 {
			t.Errorf("word link %v", l)
		}
	}
}

// TestTranslateStream checks, under greedy and beam search, that the
// streamed tokens of every sentence are exactly the tokens (with their
// alignment rows and log-probabilities) of the best hypothesis of the
// final result, in order, and that each text ends with its result.
//
// With a shifted selector a token's row comes from the next step, so each
// token is sent one step late; the rows must still equal the result's.
func TestTranslateStream(t *testing.T) {
	shifted, err := align.ParseSelector("layer=1,head=0,shift")
	if err != nil {
		t.Fatal(err)
	}
	shiftedModels, err := LoadModels(testModels, &shifted)
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []struct {
		name string
		ms   *Models
	}{{"avg", realModels(t)}, {"shift", shiftedModels}} {
		for _, network := range networks {
			for _, beam := range []uint32{1, 4} {
				t.Run(fmt.Sprintf("%s/%s/beam%d", sel.name, network, beam), func(t *testing.T) {
					testTranslateStream(t, network, beam, sel.ms, 0)
				})
			}
		}
		// Reranking streams each sentence's tokens once it is reranked.
		t.Run(sel.name+"/rerank", func(t *testing.T) { testTranslateStream(t, "bufconn", 4, sel.ms, 2) })
	}
}

func testTranslateStream(t *testing.T, network string, beam uint32, ms *Models, rerank float64) {
	ctx := testContext(t)
	h := startServer(t, network, testConfig(), ms)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: beam, MaxLength: 30, Rerank: rerank}
	req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD
	req.IncludeLogProbs = true
	st, err := h.client.TranslateStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	streamed := map[[2]uint32][]*translatev1.Token{}
	results := make([]*translatev1.Translation, len(testTexts))
	for {
		ev, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		i := ev.TextIndex
		if results[i] != nil {
			t.Fatalf("text %d: event after its result: %v", i, ev)
		}
		switch e := ev.Event.(type) {
		case *translatev1.TranslateStreamResponse_Token:
			key := [2]uint32{i, e.Token.SentenceIndex}
			if int(e.Token.Position) != len(streamed[key]) {
				t.Fatalf("text %d sentence %d: position %d after %d tokens", i, e.Token.SentenceIndex, e.Token.Position, len(streamed[key]))
			}
			streamed[key] = append(streamed[key], e.Token.Token)
		case *translatev1.TranslateStreamResponse_Result:
			results[i] = e.Result
		}
	}
	if len(streamed) == 0 {
		t.Fatal("no token was streamed")
	}
	unary, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		if res == nil {
			t.Fatalf("text %d: no result event", i)
		}
		if !proto.Equal(res, unary.Translations[i]) {
			t.Errorf("text %d: streamed result differs from Translate's", i)
		}
		for k, sent := range res.Sentences {
			best := sent.Hypotheses[0].Tokens
			got := streamed[[2]uint32{uint32(i), uint32(k)}]
			if len(got) != len(best) {
				t.Fatalf("text %d sentence %d: %d tokens streamed, %d in the result", i, k, len(got), len(best))
			}
			for p, tok := range got {
				want := proto.Clone(best[p]).(*translatev1.Token)
				want.Span = nil // streamed tokens carry no span: the text is not final yet
				if !proto.Equal(tok, want) {
					t.Fatalf("text %d sentence %d token %d: streamed %v, result %v", i, k, p, tok, want)
				}
			}
		}
	}
}

// TestRerank checks options.rerank against the library with the same
// linked models, and refuses it for a pair served without its reverse.
func TestRerank(t *testing.T) {
	ms := realModels(t)
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: 4, NBest: 2, MaxLength: 30, Rerank: 2}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	lib := translator(t, ms, "en-es")
	if lib.Reverse() == nil {
		t.Fatal("en-es was not linked with es-en")
	}
	want, err := lib.Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 4, NBest: 2, MaxLength: 30, Rerank: 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := lib.Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 4, NBest: 2, MaxLength: 30}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Models {
		if !m.CanRerank {
			t.Errorf("ListModels: %s cannot rerank, though both pairs are served", m.Name)
		}
	}
	if scored := sameScores(t, resp, want, "reverse_score", (*translatev1.Hypothesis).GetReverseScore,
		func(h nmt.Hypothesis) float64 { return h.ReverseScore }); scored == 0 {
		t.Error("no hypothesis has a reverse score")
	}
	changed := false
	for i := range resp.Translations {
		changed = changed || want[i].Text != plain[i].Text
	}
	if !changed {
		t.Error("reranking changed no translation: the test texts do not exercise it")
	}

	// A server with en-es alone cannot rerank it.
	dir := t.TempDir()
	abs, err := filepath.Abs(filepath.Join(testModels, "en-es"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "en-es")); err != nil {
		t.Fatal(err)
	}
	alone, err := LoadModels(dir, avgHeads())
	if err != nil {
		t.Fatal(err)
	}
	h1 := startServer(t, "bufconn", testConfig(), alone)
	if _, err := h1.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "options.rerank") {
		t.Errorf("rerank without es-en: %v, want InvalidArgument naming options.rerank", err)
	}
	if list, err := h1.client.ListModels(ctx, &translatev1.ListModelsRequest{}); err != nil || len(list.Models) != 1 || list.Models[0].CanRerank {
		t.Errorf("ListModels with en-es alone: %v, %v", list, err)
	}
}

func TestWholeLines(t *testing.T) {
	ms := realModels(t)
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: 2, MaxLength: 30, WholeLines: true}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := translator(t, ms, "en-es").Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 2, MaxLength: 30, WholeLines: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range resp.Translations {
		if tr.Text != want[i].Text || len(tr.Sentences) != len(want[i].Sentences) {
			t.Errorf("text %d: server %q in %d units, library %q in %d", i, tr.Text, len(tr.Sentences), want[i].Text, len(want[i].Sentences))
		}
	}
	if n := len(resp.Translations[2].Sentences); n != 1 {
		t.Errorf("%q: %d units, want the whole line as one", testTexts[2], n)
	}
}

// TestAlignWholeLines checks that AlignRequest.whole_lines pairs the texts
// line by line, as the library does.
func TestAlignWholeLines(t *testing.T) {
	ms := realModels(t)
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	lib := translator(t, ms, "en-es")
	src, tgt := "Hello world. Good morning!\nThank you.", "Hola mundo. ¡Buenos días!\nGracias."
	for _, whole := range []bool{false, true} {
		resp, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es",
			SourceText: src, TargetText: tgt, WholeLines: whole})
		if err != nil {
			t.Fatal(err)
		}
		want, err := lib.Align(ctx, src, tgt, nmt.Options{WholeLines: whole})
		if err != nil {
			t.Fatal(err)
		}
		units := 3
		if whole {
			units = 2
		}
		got := asTranslation(tgt, resp).Sentences
		if len(got) != units || len(want.Sentences) != units {
			t.Fatalf("whole_lines %v: server %d units, library %d, want %d", whole, len(got), len(want.Sentences), units)
		}
		for k, s := range got {
			if hyp := s.Hypotheses[0]; hyp.Text != want.Sentences[k].Hypotheses[0].Text || len(hyp.Tokens) != len(want.Sentences[k].Hypotheses[0].Tokens) {
				t.Errorf("whole_lines %v, unit %d: server %q, library %q", whole, k, hyp.Text, want.Sentences[k].Hypotheses[0].Text)
			}
		}
	}
}

func TestAlign(t *testing.T) {
	ms := realModels(t)
	lib := translator(t, ms, "en-es")
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ctx := testContext(t)
			h := startServer(t, network, testConfig(), ms)
			src, tgt := "Hello world. Good morning!", "Hola mundo. ¡Buenos días!"
			for _, mode := range []translatev1.AlignmentMode{
				translatev1.AlignmentMode_ALIGNMENT_MODE_UNSPECIFIED,
				translatev1.AlignmentMode_ALIGNMENT_MODE_NONE,
				translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD,
				translatev1.AlignmentMode_ALIGNMENT_MODE_WORD,
			} {
				resp, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es",
					SourceText: src, TargetText: tgt, Alignment: mode, IncludeLogProbs: true})
				if err != nil {
					t.Fatal(err)
				}
				want, err := lib.Align(ctx, src, tgt, nmt.Options{})
				if err != nil {
					t.Fatal(err)
				}
				aligned := mode == translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD || mode == translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
				checkTranslation(t, src, asTranslation(tgt, resp), want, aligned)
				words := resp.Sentences[0].WordLinks
				if (mode == translatev1.AlignmentMode_ALIGNMENT_MODE_WORD) != (len(words) > 0) {
					t.Errorf("mode %v: %d word links", mode, len(words))
				}
				for _, l := range words {
					if l.Source.ByteEnd > uint32(len(src)) || l.Source.ByteStart >= l.Source.ByteEnd {
						t.Errorf("word link source span %v outside %q", l.Source, src)
					}
				}
			}
		})
	}
}

func TestListModels(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "tcp", testConfig(), realModels(t))
	resp, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Sizes from testdata/models/*/config.json.
	want := []*translatev1.Model{
		{Name: "en-es", SourceLanguageCode: "en", TargetLanguageCode: "es", DModel: 32, EncoderLayers: 2, DecoderLayers: 2, AttentionHeads: 4, VocabSize: 299, CanRerank: true, PairDefault: true, AlignmentHeads: "avg"},
	}
	if len(resp.Models) != 3 || resp.Models[0].Name != "en-es" || resp.Models[1].Name != "en-es-relu" || resp.Models[2].Name != "es-en" || resp.NextPageToken != "" {
		t.Fatalf("models %v", resp.Models)
	}
	if m := resp.Models[1]; m.SourceLanguageCode != "en" || m.TargetLanguageCode != "es" || m.PairDefault || !m.CanRerank {
		t.Errorf("en-es-relu: %v", m)
	}
	got := proto.Clone(resp.Models[0]).(*translatev1.Model)
	if got.Parameters == 0 {
		t.Errorf("en-es: no parameter count")
	}
	got.Parameters = 0
	if !proto.Equal(got, want[0]) {
		t.Errorf("en-es: %v, want %v", got, want[0])
	}
	if m := resp.Models[2]; m.SourceLanguageCode != "es" || m.TargetLanguageCode != "en" || !m.PairDefault || m.DModel == 0 {
		t.Errorf("es-en: %v", m)
	}
}

func TestUnknownPair(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	_, err := h.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "fr", TargetLanguageCode: "de", Texts: []string{"Bonjour"}})
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "fr-de") || !strings.Contains(err.Error(), "en-es, es-en") {
		t.Fatalf("unknown pair: %v", err)
	}
	_, err = h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "es", TargetLanguageCode: "es"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown pair in Align: %v", err)
	}
}

// TestEmptyText: an empty text (or one of only spaces) has an empty
// translation with no sentences.
func TestEmptyText(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	resp, err := h.client.Translate(ctx, enEs("", "   "))
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range resp.Translations {
		if len(tr.Sentences) != 0 || strings.TrimSpace(tr.Text) != "" {
			t.Errorf("text %d: %v", i, tr)
		}
	}
	resp, err = h.client.Translate(ctx, enEs())
	if err != nil || len(resp.Translations) != 0 {
		t.Fatalf("no texts: %v, %v", resp, err)
	}
}

// TestConcurrentClients runs many clients at once (under -race in CI) and
// checks every answer against the same request made alone.
func TestConcurrentClients(t *testing.T) {
	ctx := testContext(t)
	cfg := testConfig()
	cfg.Queue = 64
	h := startServer(t, "tcp", cfg, realModels(t))
	texts := []string{"Hello world.", "Good morning!", "Where is the station?", "I like green tea."}
	alone := make([]string, len(texts))
	for i, text := range texts {
		resp, err := h.client.Translate(ctx, enEs(text))
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = resp.Translations[0].Text
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16*len(texts))
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range texts {
				i := (c + k) % len(texts)
				req := enEs(texts[i])
				if c%2 == 0 { // half the clients stream
					st, err := h.client.TranslateStream(ctx, req)
					if err != nil {
						errs <- err
						return
					}
					for {
						ev, err := st.Recv()
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							errs <- err
							return
						}
						if r := ev.GetResult(); r != nil && r.Text != alone[i] {
							errs <- fmt.Errorf("client %d text %d: streamed %q, alone %q", c, i, r.Text, alone[i])
						}
					}
					continue
				}
				resp, err := h.client.Translate(ctx, req)
				if err != nil {
					errs <- err
					return
				}
				if got := resp.Translations[0].Text; got != alone[i] {
					errs <- fmt.Errorf("client %d text %d: %q, alone %q", c, i, got, alone[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEnsemble serves en-es with an ensemble member, checks options.ensemble
// against the library and ListModels, and refuses it for a model without
// members.
func TestEnsemble(t *testing.T) {
	ctx := testContext(t)
	models := filepath.Join("..", "..", "..", "testdata", "models")
	dir := filepath.Join(t.TempDir(), "en-es")
	copyFiles(t, filepath.Join(models, testPairs["en-es"]), dir, "config.json", "model.safetensors", "tokenizer.json")
	copyFiles(t, filepath.Join(models, "tiny-relu-untied"), filepath.Join(dir, nmt.EnsembleDir, "a"), "config.json", "model.safetensors")
	h, ms := serveModelDir(t, dir)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: 3, MaxLength: 30, Ensemble: true}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	lib := translator(t, ms, "en-es")
	want, err := lib.Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 3, MaxLength: 30, Ensemble: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := lib.Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 3, MaxLength: 30}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := false
	for i, tr := range resp.Translations {
		if tr.Text != want[i].Text {
			t.Errorf("text %d: server %q, library %q", i, tr.Text, want[i].Text)
		}
		changed = changed || want[i].Text != plain[i].Text
	}
	if !changed {
		t.Error("the ensemble changed no translation: the test texts do not exercise it")
	}
	list, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{})
	if err != nil || len(list.Models) != 1 || list.Models[0].EnsembleMembers != 1 || list.Models[0].EnsembleParameters == 0 {
		t.Errorf("ListModels: %v, %v", list, err)
	}

	// The shared test models have no members.
	h1 := startServer(t, "bufconn", testConfig(), realModels(t))
	if _, err := h1.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "options.ensemble") {
		t.Errorf("ensemble without members: %v, want InvalidArgument naming options.ensemble", err)
	}
}

// TestRightToLeft serves en-es with a right-to-left model saved without
// its embeddings, checks options.right_to_left against the library and
// ListModels, and refuses it out of range or for a model without one.
func TestRightToLeft(t *testing.T) {
	ctx := testContext(t)
	src := filepath.Join("..", "..", "..", "testdata", "models", testPairs["en-es"])
	dir := filepath.Join(t.TempDir(), "en-es")
	copyFiles(t, src, dir, "config.json", "model.safetensors", "tokenizer.json")
	m, err := nmtmodel.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	cfg.RightToLeft = true
	r, err := nmtmodel.New(&cfg, m.Weights())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, nmt.RightToLeftDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := nmtmodel.SaveWithoutEmbeddings(filepath.Join(dir, nmt.RightToLeftDir), r, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	h, ms := serveModelDir(t, dir)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: 3, NBest: 2, MaxLength: 30, RightToLeft: 1.5}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := translator(t, ms, "en-es").Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 3, NBest: 2, MaxLength: 30, RightToLeft: 1.5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if scored := sameScores(t, resp, want, "right_to_left_score",
		(*translatev1.Hypothesis).GetRightToLeftScore, func(h nmt.Hypothesis) float64 { return h.RightToLeftScore }); scored == 0 {
		t.Fatal("no hypothesis was scored")
	}
	list, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{})
	if err != nil || len(list.Models) != 1 || list.Models[0].RightToLeftParameters == 0 {
		t.Errorf("ListModels: %v, %v", list, err)
	}
	for _, w := range []float64{-1, math.NaN(), 11} {
		req.Options.RightToLeft = w
		if _, err := h.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "options.right_to_left") {
			t.Errorf("right_to_left %g: %v, want InvalidArgument naming options.right_to_left", w, err)
		}
	}
	req.Options.RightToLeft = 1
	h1 := startServer(t, "bufconn", testConfig(), realModels(t))
	if _, err := h1.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "options.right_to_left") {
		t.Errorf("right_to_left without a right-to-left model: %v, want InvalidArgument naming options.right_to_left", err)
	}
}

// TestMBR checks options.mbr and Hypothesis.mbr_score against the library,
// and refuses a sharpness out of range.
func TestMBR(t *testing.T) {
	ctx := testContext(t)
	ms := realModels(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	req := enEs(testTexts...)
	req.Options = &translatev1.DecodingOptions{BeamSize: 4, NBest: 2, MaxLength: 30, Mbr: new(5.0)}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := translator(t, ms, "en-es").Translate(context.Background(), nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 4, NBest: 2, MaxLength: 30, MBR: new(5.0)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if scored := sameScores(t, resp, want, "mbr_score",
		(*translatev1.Hypothesis).GetMbrScore, func(h nmt.Hypothesis) float64 { return h.MBRScore }); scored == 0 {
		t.Fatal("no hypothesis has an mbr_score")
	}
	for _, b := range []float64{-1, math.NaN(), 1001} {
		req.Options.Mbr = &b
		if _, err := h.client.Translate(ctx, req); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "options.mbr") {
			t.Errorf("mbr %g: %v, want InvalidArgument naming options.mbr", b, err)
		}
	}
}

// sameScores checks that the server's translations and hypotheses are the
// library's, with the same value of one score, and counts the hypotheses
// whose score is not zero.
func sameScores(t *testing.T, resp *translatev1.TranslateResponse, want []nmt.Translation, name string,
	got func(*translatev1.Hypothesis) float64, lib func(nmt.Hypothesis) float64) int {
	t.Helper()
	scored := 0
	for i, tr := range resp.Translations {
		if tr.Text != want[i].Text {
			t.Errorf("text %d: server %q, library %q", i, tr.Text, want[i].Text)
		}
		for k, s := range tr.Sentences {
			for j, hyp := range s.Hypotheses {
				w := want[i].Sentences[k].Hypotheses[j]
				if hyp.Text != w.Text || got(hyp) != lib(w) {
					t.Errorf("text %d sentence %d hypothesis %d: %q %s %g, library %q %g", i, k, j, hyp.Text, name, got(hyp), w.Text, lib(w))
				}
				if got(hyp) != 0 {
					scored++
				}
			}
		}
	}
	return scored
}

// asTranslation puts the sentence pairs of an Align response in the shape
// of a translation of the source, whose text is the target, to compare
// them with the library's result.
func asTranslation(target string, resp *translatev1.AlignResponse) *translatev1.Translation {
	tr := &translatev1.Translation{Text: target}
	for _, s := range resp.Sentences {
		tr.Sentences = append(tr.Sentences, &translatev1.Sentence{Span: s.SourceSpan, SourceTokens: s.SourceTokens,
			Hypotheses: []*translatev1.Hypothesis{{Text: s.TargetText, Tokens: s.TargetTokens, Score: s.Score, LogProb: s.LogProb, WordLinks: s.WordLinks}}})
	}
	return tr
}

// copyFiles copies the named files of directory from into to, creating it.
func copyFiles(t *testing.T, from, to string, files ...string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// serveModelDir starts a server on the one model directory dir (named by
// its pair) and returns it with the loaded models.
func serveModelDir(t *testing.T, dir string) (*harness, *Models) {
	t.Helper()
	ms, err := LoadModels(filepath.Dir(dir), avgHeads())
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, "bufconn", testConfig(), ms), ms
}
