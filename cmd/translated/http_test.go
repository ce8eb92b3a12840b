package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRunHTTP starts the command with --http-addr, as a person would: the
// page, a translation over HTTP/JSON and one over the LibreTranslate API,
// both counted in /metrics and logged as gRPC calls are, and CORS for the
// origin given.
func TestRunHTTP(t *testing.T) {
	ctx := testContext(t)
	c := startCommand(t, ctx, "-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-http-addr", "127.0.0.1:0", "-cors-origins", "https://example.org, http://localhost:3000", "-log-format", "json")
	a := c.addrs
	get := func(method, path, body string, header ...string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header, string(b)
	}
	base := "http://" + a.http
	if code, _, body := get("GET", base+"/", ""); code != 200 || !strings.Contains(body, "<title>translated</title>") {
		t.Errorf("GET /: %d %.100s", code, body)
	}
	if code, _, body := get("POST", base+"/v1/translate", `{"sourceLanguageCode":"en","targetLanguageCode":"es","texts":["Hello world."]}`); code != 200 || !strings.Contains(body, `"model":"en-es"`) {
		t.Errorf("POST /v1/translate: %d %s", code, body)
	}
	if code, _, body := get("POST", base+"/translate", `{"q":"Hello world.","source":"en","target":"es"}`, "Content-Type", "application/json"); code != 200 || !strings.Contains(body, `"translatedText"`) {
		t.Errorf("POST /translate: %d %s", code, body)
	}
	if _, hdr, _ := get("GET", base+"/languages", "", "Origin", "http://localhost:3000"); hdr.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("CORS for a listed origin: %q", hdr.Get("Access-Control-Allow-Origin"))
	}
	if _, hdr, _ := get("GET", base+"/languages", "", "Origin", "https://other.example"); hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS for another origin: %q", hdr.Get("Access-Control-Allow-Origin"))
	}
	if _, _, body := get("GET", "http://"+a.metrics+"/metrics", ""); !strings.Contains(body, `translated_requests_total{code="OK",method="Translate"} 2`) {
		t.Errorf("/metrics does not count the two HTTP translations as Translate calls")
	}
	c.stopped(t)
	out := c.logs.String()
	for _, want := range []string{`"http_addr":"` + a.http + `"`, `"msg":"rpc","method":"Translate"`, `"msg":"http","method":"POST","path":"/v1/translate","status":200`,
		`"path":"/translate","status":200`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}
