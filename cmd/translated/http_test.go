package main

import (
	"context"
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
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	logs := &syncBuffer{}
	ready := make(chan listening, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- run(runCtx, []string{"-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
			"-http-addr", "127.0.0.1:0", "-cors-origins", "https://example.org, http://localhost:3000", "-log-format", "json"},
			logs, func(a listening) { ready <- a })
	}()
	var a listening
	select {
	case a = <-ready:
	case code := <-exit:
		t.Fatalf("run exited with %d: %s", code, logs)
	}
	get := func(method, path, body string, header ...string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	base := "http://" + a.http
	if code, _, body := get("GET", base+"/", ""); code != 200 || !strings.Contains(body, "<title>translated</title>") {
		t.Errorf("GET /: %d %.100s", code, body)
	}
	if code, _, body := get("POST", base+"/v1/translate", `{"sourceLanguageCode":"en","targetLanguageCode":"es","texts":["Hello world."]}`); code != 200 || !strings.Contains(body, `"model":"en-es"`) {
		t.Errorf("POST /v1/translate: %d %s", code, body)
	}
	if code, _, body := get("POST", base+"/translate", `{"q":"Hello world.","source":"en","target":"es"}`); code != 200 || !strings.Contains(body, `"translatedText"`) {
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
	stop()
	if code := <-exit; code != 0 {
		t.Fatalf("exit code %d after stop: %s", code, logs)
	}
	out := logs.String()
	for _, want := range []string{`"http_addr":"` + a.http + `"`, `"msg":"rpc","method":"Translate"`, `"msg":"http","method":"POST","path":"/v1/translate","status":200`,
		`"path":"/translate","status":200`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}
