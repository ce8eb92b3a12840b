package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// exportBody is what the page sends to /export for a translation: each
// sentence's best hypothesis as an AlignedSentence.
func exportBody(t *testing.T, format, sym, source string, tr *translatev1.Translation) string {
	t.Helper()
	resp := &translatev1.AlignResponse{}
	for _, s := range tr.Sentences {
		h := s.Hypotheses[0]
		resp.Sentences = append(resp.Sentences, &translatev1.AlignedSentence{SourceSpan: s.Span, SourceTokens: s.SourceTokens,
			TargetText: h.Text, TargetTokens: h.Tokens, Score: h.Score, LogProb: h.LogProb, WordLinks: h.WordLinks,
			SourceWords: s.SourceWords, TargetWords: h.Words})
	}
	return fmt.Sprintf(`{"format":%q,"symmetrization":%q,"heads":"avg","sourceText":%q,"alignment":%s}`,
		format, sym, source, asJSON(t, resp))
}

// pharaohOf writes the server's word links as Pharaoh lines: word
// indices found through the words' spans.
func pharaohOf(tr *translatev1.Translation) string {
	var b strings.Builder
	for _, s := range tr.Sentences {
		h := s.Hypotheses[0]
		var links []string
		for _, l := range h.WordLinks {
			src, tgt := -1, -1
			for i, w := range s.SourceWords {
				if w.ByteStart == l.Source.ByteStart && w.ByteEnd == l.Source.ByteEnd {
					src = i
				}
			}
			for j, w := range h.Words {
				if w.ByteStart == l.Target.ByteStart && w.ByteEnd == l.Target.ByteEnd {
					tgt = j
				}
			}
			links = append(links, fmt.Sprintf("%d-%d", src, tgt))
		}
		b.WriteString(strings.Join(links, " ") + "\n")
	}
	return b.String()
}

// TestExport exports a served translation in every format the page
// offers, and checks that the links the exporters draw are the server's.
func TestExport(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	source := "The light shines in the darkness. Café, cafe\u0301 — “quoted” 👩‍👩‍👧!"
	for _, sym := range []string{"grow-diag-final-and", "union", "intersection"} {
		req := &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: []string{source},
			Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, IncludeLogProbs: true,
			Symmetrization: translatev1.Symmetrization(translatev1.Symmetrization_value["SYMMETRIZATION_"+strings.ToUpper(strings.ReplaceAll(sym, "-", "_"))])}
		resp, err := l.client.Translate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		tr := resp.Translations[0]
		code, _, body := call(t, ctx, "POST", l.url+"/export", "application/json", exportBody(t, "pharaoh", sym, source, tr))
		if want := pharaohOf(tr); code != http.StatusOK || body != want {
			t.Errorf("%s: pharaoh export %d %q, the server's links %q", sym, code, body, want)
		}
	}

	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: []string{source},
		Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, IncludeLogProbs: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := resp.Translations[0]
	for _, tc := range []struct {
		format, ctype, file string
		check               func(string) bool
	}{
		{"svg", "image/svg+xml", "alignment.svg", func(b string) bool { return strings.Contains(b, "<svg") }},
		{"png", "image/png", "alignment.png", func(b string) bool { return strings.HasPrefix(b, "\x89PNG\r\n\x1a\n") }},
		{"json", "application/json", "alignment.json", func(b string) bool {
			var v struct {
				Pairs []json.RawMessage `json:"pairs"`
			}
			return json.Unmarshal([]byte(b), &v) == nil && len(v.Pairs) == 2
		}},
		{"pharaoh", "text/plain; charset=utf-8", "alignment.align", func(b string) bool { return strings.Count(b, "\n") == 2 }},
		{"html", "text/html; charset=utf-8", "alignment.html", func(b string) bool { return strings.Contains(b, "<title>page title</title>") }},
		{"csv", "text/csv; charset=utf-8", "alignment.csv", func(b string) bool { return strings.Contains(b, "The") }},
	} {
		body := strings.Replace(exportBody(t, tc.format, "", source, tr), `"heads":"avg"`, `"heads":"avg","title":"page title"`, 1)
		code, hdr, got := call(t, ctx, "POST", l.url+"/export", "application/json", body)
		if code != http.StatusOK || hdr.Get("Content-Type") != tc.ctype || hdr.Get("Content-Disposition") != `attachment; filename="`+tc.file+`"` || !tc.check(got) {
			t.Errorf("%s: %d %s %s %.200q", tc.format, code, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"), got)
		}
	}
}

func TestExportRefusals(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: []string{"Hello world."}})
	if err != nil {
		t.Fatal(err)
	}
	unaligned := exportBody(t, "svg", "", "Hello world.", resp.Translations[0])
	good := `{"format":"svg","sourceText":"ab","alignment":{"sentences":[{"sourceSpan":{"byteEnd":2},"sourceTokens":[{"piece":"ab","span":{"byteEnd":2}}],"targetText":"x","targetTokens":[{"piece":"x","span":{"byteEnd":1},"alignment":[1]}]}]}}`
	if code, _, body := call(t, ctx, "POST", l.url+"/export", "application/json", good); code != http.StatusOK {
		t.Fatalf("the good request: %d %s", code, body)
	}
	for _, tc := range []struct{ name, body, says string }{
		{"not JSON", `{`, "invalid JSON"},
		{"format", strings.Replace(good, `"svg"`, `"gif"`, 1), `unknown format "gif"`},
		{"level", strings.Replace(good, `"format"`, `"level":"letter","format"`, 1), `unknown level "letter"`},
		{"symmetrization", strings.Replace(good, `"format"`, `"symmetrization":"sideways","format"`, 1), `unknown symmetrization "sideways"`},
		{"no alignment rows", unaligned, "target token 0 has 0 alignment weights"},
		{"no sentence", `{"format":"svg","alignment":{}}`, "no sentence to export"},
		{"not an AlignResponse", `{"format":"svg","alignment":{"sentences":5}}`, "alignment:"},
		{"span outside", strings.Replace(good, `"sourceText":"ab"`, `"sourceText":"a"`, 1), "outside the 1-byte source text"},
		{"token outside", strings.Replace(good, `"span":{"byteEnd":1}`, `"span":{"byteEnd":9}`, 1), "outside the 1-byte text"},
		{"too large", fmt.Sprintf(`{"format":"svg","sourceText":%q,"alignment":{"sentences":[{"sourceSpan":{"byteEnd":%d},"targetText":%q}]}}`,
			strings.Repeat("a ", 600), 1200, strings.Repeat("b ", 600)), "600 × 600 words are more than an export holds"},
		{"weight over 1", strings.Replace(good, `"alignment":[1]`, `"alignment":[7]`, 1), "want a weight in [0,1]"},
	} {
		code, _, body := call(t, ctx, "POST", l.url+"/export", "application/json", tc.body)
		var e struct {
			Error string `json:"error"`
		}
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, tc.says) {
			t.Errorf("%s: %d %s, want 400 saying %q", tc.name, code, body, tc.says)
		}
	}
}

// FuzzExport feeds parseExport arbitrary bodies: it refuses or accepts,
// never panics, and what it accepts the exporters write.
func FuzzExport(f *testing.F) {
	f.Add([]byte(`{"format":"svg","sourceText":"ab","alignment":{"sentences":[{"sourceSpan":{"byteEnd":2},"sourceTokens":[{"piece":"ab","span":{"byteEnd":2}}],"targetText":"x","targetTokens":[{"piece":"x","span":{"byteEnd":1},"alignment":[1]}]}]}}`))
	f.Add([]byte(`{"format":"pharaoh","symmetrization":"union","sourceText":"Café 👩‍👩‍👧","alignment":{"sentences":[{"sourceSpan":{"byteEnd":16},"sourceTokens":[{"span":{"byteEnd":5}},{"span":{"byteStart":6,"byteEnd":16}}],"targetText":"שלום","targetTokens":[{"span":{"byteEnd":8},"alignment":[0.5,0.5]}]}]}}`))
	f.Add([]byte(`{"format":"json","alignment":{"sentences":[{}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		format, pairs, opt, err := parseExport(body)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		_ = align.Write(&buf, format, pairs, opt)
	})
}
