package server

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// opusModels serves the miniature OPUS-MT directories of
// testdata/models/opus-tiny (made by scripts/reference/make_opus_tiny.py):
// en-ROMANCE, a multi-target model, and en-es.
func opusModels(t *testing.T) *Models {
	t.Helper()
	ms, err := LoadModels("../../../testdata/models/opus-tiny", avgHeads())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestOPUSLanguagePairs: a multi-target model serves its languages as
// pairs; a pair with its own directory keeps it.
func TestOPUSLanguagePairs(t *testing.T) {
	ms := opusModels(t)
	want := []string{"en-ROMANCE", "en-es", "en-fr", "en-it", "en-pt", "en-pt_br", "en-ro"}
	if got := ms.Names(); !slices.Equal(got, want) {
		t.Fatalf("served pairs %v, want %v", got, want)
	}
	by := ms.byName
	if by["en-es"].targetLanguage != "" || by["en-fr"].targetLanguage != "fr" || by["en-fr"].engine != by["en-ROMANCE"].engine {
		t.Errorf("en-es %+v, en-fr %+v", by["en-es"], by["en-fr"])
	}
	if info := by["en-pt_br"].info; info.Name != "en-pt_br" || info.TargetLanguageCode != "pt_br" || !info.PairDefault || len(info.TargetLanguageCodes) != 0 {
		t.Errorf("model info %v", info)
	}
	if base := by["en-ROMANCE"].info; base.TargetLanguageCode != "ROMANCE" || !slices.Equal(base.TargetLanguageCodes, []string{"es", "fr", "it", "pt", "pt_br", "ro"}) {
		t.Errorf("en-ROMANCE info %v", base)
	}

	ctx := testContext(t)
	h := startServer(t, "bufconn", testConfig(), ms)
	lib := translator(t, ms, "en-ROMANCE")
	texts := []string{"Jesus wept.", "In the beginning, God created the heavens and the earth."}
	for _, lang := range []string{"fr", "pt_br"} {
		resp, err := h.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: lang, Texts: texts,
			Options: &translatev1.DecodingOptions{BeamSize: 2, MaxLength: 12}})
		if err != nil {
			t.Fatal(err)
		}
		want, err := lib.Translate(ctx, nmt.Request{Texts: texts, Options: nmt.Options{BeamSize: 2, MaxLength: 12, TargetLanguage: lang}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Model != "en-"+lang {
			t.Errorf("model %q", resp.Model)
		}
		for i := range texts {
			if got := resp.Translations[i].Text; got != want[i].Text {
				t.Errorf("en-%s %q: served %q, library %q", lang, texts[i], got, want[i].Text)
			}
		}
	}
	if _, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "it", SourceText: "Jesus wept.", TargetText: "Gesù pianse."}); err != nil {
		t.Errorf("Align en-it: %v", err)
	}
	_, err := h.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "ROMANCE", Texts: texts})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "es, fr, it, pt, pt_br, ro") {
		t.Errorf("en-ROMANCE itself: %v", err)
	}
}
