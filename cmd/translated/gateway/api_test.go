package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Texts with hard Unicode: composed and decomposed accents, emoji, RTL,
// CJK, several sentences.
var hardTexts = []string{
	"Hello world.",
	"Two sentences. Here is the second one!",
	"Café, cafe\u0301 — “quoted” 👩‍👩‍👧 emoji.",
	"שלום עולם. 你好，世界。",
}

func translateRequest() *translatev1.TranslateRequest {
	return &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: hardTexts,
		Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, IncludeLogProbs: true,
		Options: &translatev1.DecodingOptions{BeamSize: 2, NBest: 2, MaxLength: 20}}
}

// asJSON is v in JSON: the API's JSON for a message, encoding/json's for
// anything else.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	var b []byte
	var err error
	if m, ok := v.(proto.Message); ok {
		b, err = protojson.Marshal(m)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHTTPMatchesGRPC checks that every RPC over HTTP answers what it
// answers over gRPC.
func TestHTTPMatchesGRPC(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx

	// answers checks that an HTTP call answers want, in the API's JSON.
	answers := func(method, path string, req, want proto.Message, werr error) {
		t.Helper()
		if werr != nil {
			t.Fatal(werr)
		}
		body := ""
		if method == "POST" {
			body = asJSON(t, req)
		}
		code, _, got := call(t, ctx, method, l.url+path, "application/json", body)
		msg := want.ProtoReflect().New().Interface()
		if code != http.StatusOK || protojson.Unmarshal([]byte(got), msg) != nil || !proto.Equal(msg, want) {
			t.Errorf("%s %s: %d\n%.300s", method, path, code, got)
		}
	}
	req := translateRequest()
	resp, err := l.client.Translate(ctx, req)
	answers("POST", "/v1/translate", req, resp, err)
	areq := &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: "Hello world. Two.",
		TargetText: "Hola mundo. Dos.", Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, AlignmentHeads: "layer=1"}
	aresp, err := l.client.Align(ctx, areq)
	answers("POST", "/v1/align", areq, aresp, err)
	wantM, err := l.client.ListModels(ctx, &translatev1.ListModelsRequest{PageSize: 2})
	answers("GET", "/v1/models?pageSize=2", nil, wantM, err)
	if len(wantM.Models) != 2 {
		t.Fatalf("ListModels: %v", wantM)
	}
	code, _, body := call(t, ctx, "GET", l.url+"/v1/models?page_size=1&page_token="+wantM.NextPageToken, "", "")
	if code != http.StatusOK || !strings.Contains(body, `"name":"es-en"`) {
		t.Errorf("GET /v1/models, second page: %d %s", code, body)
	}
}

// TestStream checks the stream: one JSON object a line, each holding a
// TranslateStreamResponse, the results equal to Translate's.
func TestStream(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	req := translateRequest()
	want, err := l.client.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	code, hdr, body := call(t, ctx, "POST", l.url+"/v1/translate:stream", "application/json", asJSON(t, req))
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, content type %q:\n%.300s", code, hdr.Get("Content-Type"), body)
	}
	for k := range hdr {
		if strings.HasPrefix(k, "Grpc-") {
			t.Errorf("gRPC header %s passed on", k)
		}
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	tokens, results := 0, map[uint32]*translatev1.Translation{}
	for i, line := range lines {
		var wrapper struct {
			Result json.RawMessage `json:"result"`
		}
		var ev translatev1.TranslateStreamResponse
		if err := json.Unmarshal([]byte(line), &wrapper); err != nil || protojson.Unmarshal(wrapper.Result, &ev) != nil {
			t.Fatalf("line %d is not {\"result\": event}: %.200s", i, line)
		}
		if ev.GetToken() != nil {
			tokens++
		}
		if r := ev.GetResult(); r != nil {
			results[ev.TextIndex] = r
		}
	}
	if tokens == 0 || len(results) != len(hardTexts) {
		t.Fatalf("%d tokens, %d results", tokens, len(results))
	}
	for i, tr := range want.Translations {
		if !proto.Equal(results[uint32(i)], tr) {
			t.Errorf("text %d: streamed result differs from Translate's", i)
		}
	}
}

// TestHTTPErrors checks how refusals look: the status that goes with the
// gRPC code, and the status as JSON; a stream refused before its first
// event the same way.
func TestHTTPErrors(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		says                     string
	}{
		{"unknown pair", "POST", "/v1/translate", `{"sourceLanguageCode":"en","targetLanguageCode":"xx","texts":["a"]}`, 404, "no model for this language pair"},
		{"unknown model", "POST", "/v1/align", `{"model":"nope","sourceText":"a","targetText":"b"}`, 404, "no such model"},
		{"bad beam", "POST", "/v1/translate", `{"sourceLanguageCode":"en","targetLanguageCode":"es","texts":["a"],"options":{"beamSize":999}}`, 400, "options.beam_size"},
		{"bad heads", "POST", "/v1/translate:stream", `{"model":"en-es","texts":["a"],"alignment":"ALIGNMENT_MODE_SUBWORD","alignmentHeads":"layer=9"}`, 400, "alignment_heads"},
		{"unknown field", "POST", "/v1/translate", `{"model":"en-es","texts":["a"],"colour":"red"}`, 400, "colour"},
		{"not JSON", "POST", "/v1/translate", `texts=a`, 400, "invalid"},
		{"bad symmetrization", "POST", "/v1/align", `{"model":"en-es","sourceText":"a","targetText":"b","symmetrization":"SYMMETRIZATION_SIDEWAYS"}`, 400, "SYMMETRIZATION_SIDEWAYS"},
		{"no such path", "GET", "/v1/nothing", "", 404, "Not Found"},
	} {
		code, _, body := call(t, ctx, tc.method, l.url+tc.path, "application/json", tc.body)
		if code != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.name, code, body, tc.status, tc.says)
		}
		if strings.HasSuffix(tc.path, ":stream") && !strings.HasPrefix(body, `{"error":`) {
			t.Errorf("%s: a refused stream should answer {\"error\": ...}, got %s", tc.name, body)
		}
	}
}

func TestOpenAPI(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	code, hdr, body := call(t, ctx, "GET", l.url+OpenAPIPath, "", "")
	var doc struct {
		Swagger string                     `json:"swagger"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("GET %s: %d %s", OpenAPIPath, code, hdr.Get("Content-Type"))
	}
	for _, p := range []string{"/v1/translate", "/v1/translate:stream", "/v1/align", "/v1/models"} {
		if doc.Paths[p] == nil {
			t.Errorf("the OpenAPI description lacks %s", p)
		}
	}
	if doc.Swagger != "2.0" {
		t.Errorf("swagger %q", doc.Swagger)
	}
}

func TestPage(t *testing.T) {
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	for _, tc := range []struct{ path, ctype, has string }{
		{"/", "text/html; charset=utf-8", `<script src="/static/app.js" defer></script>`},
		{"/static/app.js", "text/javascript; charset=utf-8", "/v1/translate:stream"},
		{"/static/style.css", "text/css; charset=utf-8", "rect.cell"},
	} {
		code, hdr, body := call(t, ctx, "GET", l.url+tc.path, "", "")
		if code != http.StatusOK || hdr.Get("Content-Type") != tc.ctype || !strings.Contains(body, tc.has) {
			t.Errorf("GET %s: %d %s, want %s holding %q", tc.path, code, hdr.Get("Content-Type"), tc.ctype, tc.has)
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if code, _, _ := call(t, ctx, "GET", l.url+"/static/nothing.js", "", ""); code != http.StatusNotFound {
		t.Errorf("GET /static/nothing.js: %d", code)
	}
	if code, _, _ := call(t, ctx, "GET", l.url+"/elsewhere", "", ""); code != http.StatusNotFound {
		t.Errorf("GET /elsewhere: %d", code)
	}
}

func TestCORS(t *testing.T) {
	off := startLive(t, Options{}, nil)
	ctx := off.ctx
	code, hdr, _ := call(t, ctx, "GET", off.url+"/v1/models", "", "", "Origin", "https://example.org")
	if code != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off: %d, Access-Control-Allow-Origin %q", code, hdr.Get("Access-Control-Allow-Origin"))
	}
	on := startLive(t, Options{CORSOrigins: []string{"https://example.org"}}, nil)
	for _, tc := range []struct {
		method, origin, allow string
		status                int
	}{
		{"GET", "https://example.org", "https://example.org", 200},
		{"GET", "https://evil.example", "", 200},
		{"OPTIONS", "https://example.org", "https://example.org", 204},
		{"OPTIONS", "https://evil.example", "", 204},
	} {
		hdrs := []string{"Origin", tc.origin}
		if tc.method == "OPTIONS" {
			hdrs = append(hdrs, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		}
		code, hdr, _ := call(t, ctx, tc.method, on.url+"/v1/models", "", "", hdrs...)
		if code != tc.status || hdr.Get("Access-Control-Allow-Origin") != tc.allow {
			t.Errorf("%s from %s: %d, Access-Control-Allow-Origin %q, want %d %q", tc.method, tc.origin, code, hdr.Get("Access-Control-Allow-Origin"), tc.status, tc.allow)
		}
		if tc.method == "OPTIONS" && tc.allow != "" && !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Content-Type") {
			t.Errorf("preflight: Access-Control-Allow-Headers %q", hdr.Get("Access-Control-Allow-Headers"))
		}
	}
	anyOrigin := startLive(t, Options{CORSOrigins: []string{"*"}}, nil)
	if _, hdr, _ := call(t, ctx, "GET", anyOrigin.url+"/languages", "", "", "Origin", "http://localhost:3000"); hdr.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("CORS *: Access-Control-Allow-Origin %q", hdr.Get("Access-Control-Allow-Origin"))
	}
}

func TestBodyLimit(t *testing.T) {
	l := startLive(t, Options{MaxBodyBytes: 100}, nil)
	ctx := l.ctx
	big := `{"model":"en-es","texts":["` + strings.Repeat("a", 200) + `"]}`
	for _, path := range []string{"/v1/translate", "/translate", "/export"} {
		if code, _, body := call(t, ctx, "POST", l.url+path, "application/json", big); code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 200 bytes: %d %s", path, code, body)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		says string
	}{
		{Options{}, "Conn is required"},
		{Options{Conn: &nopConn{}, MaxTexts: -1}, "MaxTexts"},
		{Options{Conn: &nopConn{}, MaxChars: -1}, "MaxChars"},
		{Options{Conn: &nopConn{}, MaxBodyBytes: -1}, "MaxBodyBytes"},
		{Options{Conn: &nopConn{}, CORSOrigins: []string{"example.org"}}, `CORS origin "example.org"`},
	} {
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v, want an error naming %s", tc.opts, err, tc.says)
		}
	}
}
