package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/translated/translated/nmt/langid"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The LibreTranslate API against the test models (en-es, es-en): what the
// gRPC API gives, in LibreTranslate's shape.

const (
	english = "Hello, how are you today?"
	spanish = "¿Dónde está la estación de tren?"
)

// grpcText is the translation of text by the pair's default model.
func grpcText(t *testing.T, ctx context.Context, l *live, src, tgt, text string) string {
	t.Helper()
	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: src, TargetLanguageCode: tgt, Texts: []string{text}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Translations[0].Text
}

func TestLibreTranslate(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	enEs, esEn := grpcText(t, ctx, l, "en", "es", english), grpcText(t, ctx, l, "es", "en", spanish)
	twoSentences := "Two sentences. Here is the second one!"
	for _, tc := range []struct {
		name, ctype, body string
		want              any
	}{
		{"string", "application/json", asJSON(t, map[string]any{"q": english, "source": "en", "target": "es"}),
			map[string]any{"translatedText": enEs}},
		{"list", "application/json", asJSON(t, map[string]any{"q": []string{english, twoSentences}, "source": "en", "target": "es", "format": "text"}),
			map[string]any{"translatedText": []any{enEs, grpcText(t, ctx, l, "en", "es", twoSentences)}}},
		{"auto", "application/json", asJSON(t, map[string]any{"q": spanish, "source": "auto", "target": "en"}),
			map[string]any{"translatedText": esEn, "detectedLanguage": map[string]any{"confidence": 100.0, "language": "es"}}},
		{"auto list, one already in the target language", "application/json", asJSON(t, map[string]any{"q": []string{english, spanish}, "source": "auto", "target": "es"}),
			map[string]any{"translatedText": []any{enEs, spanish}, "detectedLanguage": []any{
				map[string]any{"confidence": 100.0, "language": "en"}, map[string]any{"confidence": 100.0, "language": "es"}}}},
		{"form", "application/x-www-form-urlencoded", url.Values{"q": {english}, "source": {"en"}, "target": {"es"}}.Encode(),
			map[string]any{"translatedText": enEs}},
		{"form, CRLF made LF", "application/x-www-form-urlencoded", url.Values{"q": {"Hello.\r\nBye."}, "source": {"en"}, "target": {"es"}}.Encode(),
			map[string]any{"translatedText": grpcText(t, ctx, l, "en", "es", "Hello.\nBye.")}},
		{"source same as target", "application/json", asJSON(t, map[string]any{"q": "Hola 👋", "source": "es", "target": "es"}),
			map[string]any{"translatedText": "Hola 👋"}},
	} {
		code, hdr, body := call(t, ctx, "POST", l.url+"/translate", tc.ctype, tc.body)
		var got any
		if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s %s", tc.name, code, hdr.Get("Content-Type"), body)
			continue
		}
		if asJSON(t, got) != asJSON(t, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, asJSON(t, got), asJSON(t, tc.want))
		}
	}
}

func TestLibreAlternatives(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es",
		Texts: []string{english}, Options: &translatev1.DecodingOptions{NBest: 3}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, h := range resp.Translations[0].Sentences[0].Hypotheses[1:] {
		want = append(want, h.Text)
	}
	for _, alt := range []any{2, "2"} {
		code, _, body := call(t, ctx, "POST", l.url+"/translate", "application/json",
			asJSON(t, map[string]any{"q": english, "source": "en", "target": "es", "alternatives": alt}))
		var got struct {
			TranslatedText string   `json:"translatedText"`
			Alternatives   []string `json:"alternatives"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || !slices.Equal(got.Alternatives, want) ||
			got.TranslatedText != resp.Translations[0].Text {
			t.Errorf("alternatives %v: %d %s, want alternatives %q", alt, code, body, want)
		}
	}
	code, _, body := call(t, ctx, "POST", l.url+"/translate", "application/json",
		asJSON(t, map[string]any{"q": []string{english, "Bye."}, "source": "en", "target": "es", "alternatives": 1}))
	var batch struct {
		Alternatives [][]string `json:"alternatives"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &batch) != nil || len(batch.Alternatives) != 2 {
		t.Errorf("a batch with alternatives: %d %s", code, body)
	}
}

func TestLibreHTML(t *testing.T) {
	l := startLive(t, Options{MaxTexts: 2}, nil) // three text nodes: two calls
	ctx := l.ctx
	doc := `<p class="x">Hello world.</p><script>var hello = "world";</script><ul><li>Good morning.</li><li translate="no">Keep me.</li><li>Bye &amp; thanks.</li></ul>`
	code, _, body := call(t, ctx, "POST", l.url+"/translate", "application/json",
		asJSON(t, map[string]any{"q": doc, "source": "en", "target": "es", "format": "html"}))
	var got struct {
		TranslatedText string `json:"translatedText"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("%d %s", code, body)
	}
	d, err := parseHTML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var pieces []string
	for _, p := range d.pieces() {
		pieces = append(pieces, grpcText(t, ctx, l, "en", "es", p))
	}
	want, err := d.render(pieces)
	if err != nil {
		t.Fatal(err)
	}
	if got.TranslatedText != want {
		t.Errorf("html:\n got %s\nwant %s", got.TranslatedText, want)
	}
	for _, keep := range []string{`<p class="x">`, `<script>var hello = "world";</script>`, `<li translate="no">Keep me.</li>`} {
		if !strings.Contains(got.TranslatedText, keep) {
			t.Errorf("html: %q lost from %s", keep, got.TranslatedText)
		}
	}
}

func TestLibreRefusals(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	many := make([]string, 65)
	for i := range many {
		many[i] = "Hi."
	}
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		says              string
	}{
		{"no q", "application/json", `{"source":"en","target":"es"}`, 400, "Invalid request: missing q parameter"},
		{"empty q", "application/json", `{"q":"","source":"en","target":"es"}`, 400, "Invalid request: missing q parameter"},
		{"empty list", "application/json", `{"q":[],"source":"en","target":"es"}`, 400, "Invalid request: missing q parameter"},
		{"no source", "application/json", `{"q":"a","target":"es"}`, 400, "Invalid request: missing source parameter"},
		{"no target", "application/x-www-form-urlencoded", `q=a&source=en`, 400, "Invalid request: missing target parameter"},
		{"unknown target", "application/json", `{"q":"a","source":"en","target":"fr"}`, 400, "fr is not supported"},
		{"unknown source", "application/json", `{"q":"a","source":"xx","target":"es"}`, 400, "xx is not supported"},
		{"format", "application/json", `{"q":"a","source":"en","target":"es","format":"pdf"}`, 400, "pdf format is not supported"},
		{"q a number", "application/json", `{"q":5,"source":"en","target":"es"}`, 400, "q must be a string or a list of strings"},
		{"q a mixed list", "application/json", `{"q":["a",5],"source":"en","target":"es"}`, 400, "q must be a string or a list of strings"},
		{"not JSON", "application/json", `{"q":`, 400, "Invalid JSON format"},
		{"two values", "application/json", `{"q":"a"} {"q":"b"}`, 400, "Invalid JSON format"},
		{"negative alternatives", "application/json", `{"q":"a","source":"en","target":"es","alternatives":-1}`, 400, "alternatives must be a whole number"},
		{"too many texts", "application/json", asJSON(t, map[string]any{"q": many, "source": "en", "target": "es"}), 400, "Invalid request: texts: 65 texts, over this server's limit of 64"},
		{"invalid UTF-8", "application/x-www-form-urlencoded", "q=%FF&source=en&target=es", 400, "Invalid request: q is not valid UTF-8"},
		{"invalid UTF-8 in a language", "application/x-www-form-urlencoded", "q=a&source=e%FF&target=es", 400, "Invalid request: source is not valid UTF-8"},
	} {
		code, hdr, body := call(t, ctx, "POST", l.url+"/translate", tc.ctype, tc.body)
		var e struct {
			Error string `json:"error"`
		}
		if code != tc.status || hdr.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, tc.says) {
			t.Errorf("%s: %d %s, want %d {\"error\": ...%s...}", tc.name, code, body, tc.status, tc.says)
		}
	}
}

// TestLibreErrorCodes checks the statuses LibreTranslate clients get for
// the server's refusals.
func TestLibreErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		says   string
	}{
		{status.Error(codes.InvalidArgument, "texts[0]: too long"), 400, "Invalid request: texts[0]: too long"},
		{status.Error(codes.NotFound, "no model"), 400, "Invalid request: no model"},
		{status.Error(codes.Unauthenticated, "missing token"), 403, "missing token"},
		{status.Error(codes.PermissionDenied, "Invalid API key"), 403, "Invalid API key"},
		{status.Error(codes.ResourceExhausted, "server overloaded"), 429, "Slowdown: server overloaded"},
		{status.Error(codes.Unavailable, "stopping"), 500, "Cannot translate text: stopping"},
		{status.Error(codes.Internal, "internal error"), 500, "Cannot translate text: internal error"},
		{badRequest("es is not supported"), 400, "es is not supported"},
	} {
		rec := httptest.NewRecorder()
		writeLibreError(rec, tc.err)
		var e struct {
			Error string `json:"error"`
		}
		if rec.Code != tc.status || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error != tc.says {
			t.Errorf("%v: %d %s, want %d %q", tc.err, rec.Code, rec.Body.String(), tc.status, tc.says)
		}
	}
}

// TestLibreAPIKey checks that an api_key (or apiKey) reaches the server as
// a bearer token, and that an Authorization header wins over it.
func TestLibreAPIKey(t *testing.T) {
	rec := &recordingConn{}
	l := startLive(t, Options{}, func(c grpc.ClientConnInterface) grpc.ClientConnInterface { rec.ClientConnInterface = c; return rec })
	ctx := l.ctx
	for _, tc := range []struct {
		body, header, want string
	}{
		{`{"q":"Hi.","source":"en","target":"es","api_key":"k1"}`, "", "Bearer k1"},
		{`{"q":"Hi.","source":"en","target":"es","apiKey":"k2"}`, "", "Bearer k2"},
		{`{"q":"Hi.","source":"en","target":"es","api_key":"k3"}`, "Bearer header", "Bearer header"},
		{`{"q":"Hi.","source":"en","target":"es"}`, "", ""},
	} {
		var hdr []string
		if tc.header != "" {
			hdr = []string{"Authorization", tc.header}
		}
		if code, _, body := call(t, ctx, "POST", l.url+"/translate", "application/json", tc.body, hdr...); code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.body, code, body)
		}
		calls := rec.calls("/translate.v1.TranslationService/Translate")
		got := strings.Join(calls[len(calls)-1].Get("authorization"), ",")
		if got != tc.want {
			t.Errorf("%s with Authorization %q: the server got authorization %q, want %q", tc.body, tc.header, got, tc.want)
		}
	}
}

func TestLibreDetect(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	for _, tc := range []struct {
		name, ctype, body string
		first             string
		confident         bool
	}{
		{"Spanish", "application/json", asJSON(t, map[string]any{"q": spanish}), "es", true},
		{"English, form", "application/x-www-form-urlencoded", url.Values{"q": {english}}.Encode(), "en", true},
		{"no letter", "application/json", `{"q":"1234 !!"}`, "en", false},
	} {
		code, _, body := call(t, ctx, "POST", l.url+"/detect", tc.ctype, tc.body)
		var got []detection
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || len(got) != 2 || got[0].Language != tc.first ||
			(got[0].Confidence > 90) != tc.confident {
			t.Errorf("%s: %d %s", tc.name, code, body)
		}
	}
	if code, _, body := call(t, ctx, "POST", l.url+"/detect", "application/json", `{}`); code != 400 || !strings.Contains(body, "missing q parameter") {
		t.Errorf("no q: %d %s", code, body)
	}
}

func TestLibreLanguagesAndSettings(t *testing.T) {
	l := startLive(t, Options{MaxChars: 5000}, nil)
	ctx := l.ctx
	code, _, body := call(t, ctx, "GET", l.url+"/languages", "", "")
	want := `[{"code":"en","name":"English","targets":["es"]},{"code":"es","name":"Spanish","targets":["en"]}]` + "\n"
	if code != http.StatusOK || body != want {
		t.Errorf("GET /languages: %d %s, want %s", code, body, want)
	}
	code, _, body = call(t, ctx, "GET", l.url+"/frontend/settings", "", "")
	var s struct {
		CharLimit int `json:"charLimit"`
		Language  struct {
			Source, Target struct{ Code, Name string }
		} `json:"language"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil || s.CharLimit != 5000 || s.Language.Source.Code != "auto" || s.Language.Target.Code != "es" {
		t.Errorf("GET /frontend/settings: %d %s", code, body)
	}
}

// TestLibreSources checks the choice of source languages where the test
// models cannot: a language the server translates into but not from.
func TestLibreSources(t *testing.T) {
	l := &libre{id: langid.Default()}
	pairs := languagePairs{targets: map[string][]string{"en": {"es", "fr"}, "es": {"fr"}, "fr": {"en"}}}
	for _, tc := range []struct {
		req  libreRequest
		want []string
		says string
	}{
		{libreRequest{q: []string{"a"}, source: "en", target: "fr"}, []string{"en"}, ""},
		{libreRequest{q: []string{"a"}, source: "fr", target: "es"}, nil, "Spanish (es) is not available as a target language from French (fr)"},
		{libreRequest{q: []string{"a"}, source: "de", target: "fr"}, nil, "de is not supported"},
		{libreRequest{q: []string{"¿Qué hora es?"}, source: "auto", target: "en"}, nil, "English (en) is not available as a target language from Spanish (es)"},
		{libreRequest{q: []string{"What time is it?"}, source: "auto", target: "es"}, []string{"en"}, ""},
		{libreRequest{q: []string{"42"}, source: "auto", target: "es"}, []string{"en"}, ""},
	} {
		got, _, err := l.sources(tc.req, pairs)
		refused := err != nil && tc.says != "" && strings.Contains(err.Error(), tc.says)
		if (err == nil) != (tc.says == "") || (err != nil && !refused) || !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v %v, want %v or a refusal saying %q", tc.req, got, err, tc.want, tc.says)
		}
	}
}

func TestAlternativesText(t *testing.T) {
	var tr translatev1.Translation
	// "Hi. Bye!" with three hypotheses for "Hi." and one for "Bye!"
	if err := protojson.Unmarshal([]byte(`{"text":"Hola. ¡Adiós!","sentences":[
		{"span":{"start":0,"end":3,"byteStart":0,"byteEnd":3},"hypotheses":[{"text":"Hola."},{"text":"Buenas."},{"text":"Qué tal."}]},
		{"span":{"start":4,"end":8,"byteStart":4,"byteEnd":8},"hypotheses":[{"text":"¡Adiós!"}]}]}`), &tr); err != nil {
		t.Fatal(err)
	}
	got := alternatives("Hi. Bye!", &tr, 5)
	want := []string{"Buenas. ¡Adiós!", "Qué tal. ¡Adiós!"}
	if !slices.Equal(got, want) {
		t.Errorf("alternatives %q, want %q", got, want)
	}
	if got := alternatives("Hi. Bye!", &tr, 0); len(got) != 0 {
		t.Errorf("no alternative asked for: %q", got)
	}
}

func TestParseLibreJSON(t *testing.T) {
	for _, tc := range []struct {
		body  string
		q     []string
		batch bool
		alt   int
		key   string
		says  string
	}{
		{`{"q":"Hola 👋"}`, []string{"Hola 👋"}, false, 0, "", ""},
		{`{"q":["a","cafe\u0301",""]}`, []string{"a", "cafe\u0301", ""}, true, 0, "", ""},
		{`{"q":"x","alternatives":3,"api_key":"k"}`, []string{"x"}, false, 3, "k", ""},
		{`{"q":"x","alternatives":"2","apiKey":"c"}`, []string{"x"}, false, 2, "c", ""},
		{`{"q":"x","alternatives":null}`, []string{"x"}, false, 0, "", ""},
		{`{"q":null}`, nil, false, 0, "", ""},
		{`{"q":"x","alternatives":1.5}`, nil, false, 0, "", "alternatives must be a whole number"},
		{`{"q":"x","alternatives":101}`, nil, false, 0, "", "alternatives must be a whole number"},
		{`{"q":{"a":1}}`, nil, false, 0, "", "q must be a string or a list of strings"},
		{`{"q":[["a"]]}`, nil, false, 0, "", "q must be a string or a list of strings"},
		{`["q"]`, nil, false, 0, "", "Invalid JSON format"},
		{`{"source":5}`, nil, false, 0, "", "Invalid JSON format"},
	} {
		req, err := parseLibreJSON([]byte(tc.body))
		switch {
		case tc.says != "":
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s: %v, want an error saying %q", tc.body, err, tc.says)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case !slices.Equal(req.q, tc.q) || req.batch != tc.batch || req.alternatives != tc.alt || req.apiKey != tc.key:
			t.Errorf("%s: %+v", tc.body, req)
		}
	}
}

// FuzzLibreJSON: any body is refused or read; what is read is what
// encoding/json reads of q.
func FuzzLibreJSON(f *testing.F) {
	for _, s := range []string{`{"q":"Hola","source":"auto","target":"en"}`, `{"q":["a","b"],"alternatives":"3"}`, `{"q":5}`, `{`, `{"q":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseLibreJSON(body)
		if err != nil {
			return
		}
		var raw struct {
			Q any `json:"q"`
		}
		if json.Unmarshal(body, &raw) != nil {
			return // a second value after the first: parseLibreJSON reads one
		}
		switch q := raw.Q.(type) {
		case string:
			if req.batch || len(req.q) != 1 || req.q[0] != q {
				t.Fatalf("%s: read %+v", body, req)
			}
		case []any:
			if !req.batch || len(req.q) != len(q) {
				t.Fatalf("%s: read %+v", body, req)
			}
		}
	})
}
