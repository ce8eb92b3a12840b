package server

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestNamedModels: a request that names a model gets it; one that names
// none gets its pair's default; a model of another pair, or none by that
// name, is refused naming the field at fault.
func TestNamedModels(t *testing.T) {
	ctx := testContext(t)
	ms := realModels(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	texts := []string{"Hello world.", "Café 👩‍👩‍👧 שלום 你好"}
	opts := nmt.Options{BeamSize: 2, MaxLength: 12}
	for _, tc := range []struct {
		model, source, target string
		served                string
	}{
		{"", "en", "es", "en-es"},
		{"en-es", "en", "es", "en-es"},
		{"en-es-relu", "en", "es", "en-es-relu"},
		{"en-es-relu", "", "", "en-es-relu"}, // languages default to the model's
		{"en-es-relu", "en", "", "en-es-relu"},
		{"", "es", "en", "es-en"},
	} {
		req := &translatev1.TranslateRequest{Model: tc.model, SourceLanguageCode: tc.source, TargetLanguageCode: tc.target, Texts: texts,
			Options: &translatev1.DecodingOptions{BeamSize: 2, MaxLength: 12}}
		resp, err := h.client.Translate(ctx, req)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		want, err := translator(t, ms, tc.served).Translate(ctx, nmt.Request{Texts: texts, Options: opts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Model != tc.served {
			t.Errorf("%+v: served by %q, want %q", tc, resp.Model, tc.served)
		}
		for i := range texts {
			if got := resp.Translations[i].Text; got != want[i].Text {
				t.Errorf("%+v, text %d: %q, library %q", tc, i, got, want[i].Text)
			}
		}
		st, err := h.client.TranslateStream(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for ev, err := st.Recv(); err == nil; ev, err = st.Recv() {
			if ev.Model != tc.served {
				t.Fatalf("%+v: stream event from %q, want %q", tc, ev.Model, tc.served)
			}
		}
		aresp, err := h.client.Align(ctx, &translatev1.AlignRequest{Model: tc.model, SourceLanguageCode: tc.source, TargetLanguageCode: tc.target,
			SourceText: "Hello world.", TargetText: "Hola mundo."})
		if err != nil || aresp.Model != tc.served || len(aresp.Sentences) != 1 {
			t.Errorf("%+v: Align %v, %v", tc, aresp, err)
		}
	}
	if a, b := translator(t, ms, "en-es"), translator(t, ms, "en-es-relu"); a.Reverse() == nil || b.Reverse() == nil || a.Reverse() != b.Reverse() {
		t.Error("both en→es models should rerank with es-en")
	}
	for _, tc := range []struct {
		model, source, target string
		code                  codes.Code
		says                  string
	}{
		{"en-es-relu", "en", "fr", codes.InvalidArgument, `target_language_code: "fr", but model en-es-relu translates into "es"`},
		{"en-es-relu", "es", "es", codes.InvalidArgument, "source_language_code"},
		{"es-en", "en", "es", codes.InvalidArgument, "source_language_code"},
		{"en-fr", "en", "fr", codes.NotFound, `model "en-fr" (this server serves en-es, en-es-relu, es-en)`},
		{"", "en", "fr", codes.NotFound, "en-fr (this server translates en-es, es-en)"},
		{"", "", "es", codes.InvalidArgument, "source_language_code: required unless model is set"},
	} {
		_, err := h.client.Translate(ctx, &translatev1.TranslateRequest{Model: tc.model, SourceLanguageCode: tc.source, TargetLanguageCode: tc.target, Texts: texts})
		if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.says) {
			t.Errorf("%+v: %v, want %v saying %q", tc, err, tc.code, tc.says)
		}
		_, err = h.client.Align(ctx, &translatev1.AlignRequest{Model: tc.model, SourceLanguageCode: tc.source, TargetLanguageCode: tc.target, SourceText: "a", TargetText: "b"})
		if status.Code(err) != tc.code {
			t.Errorf("Align %+v: %v, want %v", tc, err, tc.code)
		}
	}
}

// TestPairDefault: the default model of a pair is the one named exactly
// after the pair, else the first of the pair's models by name.
func TestPairDefault(t *testing.T) {
	fake := func(names ...string) *Models {
		var list []*model
		for _, n := range names {
			source, target, _ := pairOf(n)
			list = append(list, &model{name: n, source: source, target: target, engine: newStepEngine(1)})
		}
		return mustModels(t, list...)
	}
	for _, tc := range []struct {
		names []string
		want  map[string]string // pair → default
	}{
		{[]string{"xx-yy-b", "xx-yy", "xx-yy-a"}, map[string]string{"xx-yy": "xx-yy"}},
		{[]string{"xx-yy-b", "xx-yy-a", "yy-xx-z"}, map[string]string{"xx-yy": "xx-yy-a", "yy-xx": "yy-xx-z"}},
		{[]string{"xx-yy-b", "xx-yy-a", "xx-yy"}, map[string]string{"xx-yy": "xx-yy"}},
	} {
		ms := fake(tc.names...)
		for pair, name := range tc.want {
			if got := ms.defaults[pair].name; got != name {
				t.Errorf("%v: default of %s is %s, want %s", tc.names, pair, got, name)
			}
		}
		for _, n := range tc.names {
			if m := ms.byName[n]; m.info.PairDefault != (ms.defaults[m.pair()] == m) || m.info.Name != n {
				t.Errorf("%v: ListModels entry %v", tc.names, m.info)
			}
		}
	}
	if _, err := newModels(&model{name: "xx-yy"}, &model{name: "xx-yy"}); err == nil {
		t.Error("two models of one name accepted")
	}
}

func TestPairOf(t *testing.T) {
	for _, tc := range []struct {
		name, source, target string
		ok                   bool
	}{
		{"en-es", "en", "es", true},
		{"en-es-bible", "en", "es", true},
		{"en-ROMANCE", "en", "ROMANCE", true},
		{"en-pt_br-v2-large", "en", "pt_br", true},
		{"ελ-中文-χ", "ελ", "中文", true},
		{"bible", "", "", false},
		{"en-", "", "", false},
		{"-es", "", "", false},
		{"en--es", "", "", false},
	} {
		s, g, ok := pairOf(tc.name)
		if ok != tc.ok || (ok && (s != tc.source || g != tc.target)) {
			t.Errorf("pairOf(%q) = %q, %q, %v", tc.name, s, g, ok)
		}
	}
}

// TestListModelsPages walks the model list a page at a time and refuses
// tokens the server did not make.
func TestListModelsPages(t *testing.T) {
	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	for _, size := range []uint32{1, 2, 3, 0, 5000} {
		var names []string
		token := ""
		for pages := 1; ; pages++ {
			resp, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{PageSize: size, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if size > 0 && len(resp.Models) > int(size) {
				t.Fatalf("page size %d: %d models", size, len(resp.Models))
			}
			for _, m := range resp.Models {
				names = append(names, m.Name)
			}
			if token = resp.NextPageToken; token == "" {
				break
			}
			if pages > 3 {
				t.Fatalf("page size %d: more than 3 pages", size)
			}
		}
		if want := []string{"en-es", "en-es-relu", "es-en"}; !slices.Equal(names, want) {
			t.Errorf("page size %d: %v, want %v", size, names, want)
		}
	}
	first, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{PageSize: 1})
	if err != nil || !first.Models[0].PairDefault {
		t.Fatalf("first page %v, %v", first, err)
	}
	for _, bad := range []string{"x", "!!!", "YWZ0ZXI6", "bm90LWEtdG9rZW4", first.NextPageToken + "="} {
		_, err := h.client.ListModels(ctx, &translatev1.ListModelsRequest{PageToken: bad})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "page_token") {
			t.Errorf("token %q: %v, want InvalidArgument naming page_token", bad, err)
		}
	}
}

// TestOptionalZeros: a length penalty of 0 and an mbr sharpness of 0 are
// values of their own, not the defaults.
func TestOptionalZeros(t *testing.T) {
	ctx := testContext(t)
	ms := realModels(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	lib := translator(t, ms, "en-es")
	for _, o := range []nmt.Options{
		{BeamSize: 4, NBest: 2, MaxLength: 20, LengthPenalty: new(0.0)},
		{BeamSize: 4, NBest: 2, MaxLength: 20, MBR: new(0.0)},
	} {
		req := enEs(testTexts...)
		req.Options = &translatev1.DecodingOptions{BeamSize: 4, NBest: 2, MaxLength: 20, LengthPenalty: o.LengthPenalty, Mbr: o.MBR}
		resp, err := h.client.Translate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := lib.Translate(context.Background(), nmt.Request{Texts: testTexts, Options: o}, nil)
		if err != nil {
			t.Fatal(err)
		}
		scored := sameScores(t, resp, want, "mbr_score", (*translatev1.Hypothesis).GetMbrScore, func(h nmt.Hypothesis) float64 { return h.MBRScore })
		if (o.MBR != nil) != (scored > 0) {
			t.Errorf("%+v: %d hypotheses with an mbr_score", o, scored)
		}
	}
	// α = 0 ranks by the plain sum: the score is the log-probability.
	req := enEs("Two sentences. Here is the second one!")
	req.Options = &translatev1.DecodingOptions{BeamSize: 3, MaxLength: 20, LengthPenalty: new(0.0)}
	resp, err := h.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range resp.Translations[0].Sentences {
		if h := s.Hypotheses[0]; h.Score != h.LogProb {
			t.Errorf("α = 0: score %v, log-probability %v", h.Score, h.LogProb)
		}
	}
}

// TestRerankWithSameVariant: a variant of a pair (en-es-x) reranks with the
// same variant of the opposite pair (es-en-x) when it is served, else with
// the opposite pair's default, as the pair's own default does.
func TestRerankWithSameVariant(t *testing.T) {
	dir := t.TempDir()
	for name, target := range map[string]string{"en-es": "tiny-swish-shared", "es-en": "tiny-relu-untied",
		"en-es-x": "tiny-relu-untied", "es-en-x": "tiny-swish-shared", "en-es-y": "tiny-relu-untied"} {
		abs, err := filepath.Abs(filepath.Join("../../../testdata/models", target))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := LoadModels(dir, avgHeads())
	if err != nil {
		t.Fatal(err)
	}
	for model, reverse := range map[string]string{"en-es": "es-en", "en-es-x": "es-en-x", "en-es-y": "es-en", "es-en": "en-es", "es-en-x": "en-es-x"} {
		got := translator(t, ms, model).Reverse()
		if got == nil || got.Info().Name != reverse {
			t.Errorf("%s reranks with %v, want %s", model, got, reverse)
		}
	}
}
