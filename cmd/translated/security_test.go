package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/translated/translated/cmd/translated/server/servertest"
)

// TestTLSWithGrpcurl runs the command with mutual TLS and a token file,
// as docs/operations.md sets up production, and talks to it with grpcurl
// and over HTTPS: a call needs the client certificate and the token (and
// so does reflection, which grpcurl reads first), plaintext gets nowhere.
// That health checks need no token is TestMutualTLSAndTokens' (package
// server), with a client that needs no reflection, as probes do.
func TestTLSWithGrpcurl(t *testing.T) {
	ctx := testContext(t)
	_, bin := grpcurl(t)
	dir := t.TempDir()
	certs, err := servertest.WriteCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	const token = "ops-token-0123456789abcdef"
	tokens := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte("# who holds what\nops "+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCommand(t, ctx, "-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-http-addr", "127.0.0.1:0",
		"-tls-cert", certs.ServerCert, "-tls-key", certs.ServerKey, "-tls-client-ca", certs.CA, "-token-file", tokens)
	defer c.stopped(t)
	a := c.addrs
	tlsArgs := []string{"-cacert", certs.CA, "-cert", certs.ClientCert, "-key", certs.ClientKey}
	auth := []string{"-H", "authorization: Bearer " + token}
	req := []string{"-d", `{"source_language_code": "en", "target_language_code": "es", "texts": ["Hello."]}`, a.grpc, "translate.v1.TranslationService/Translate"}
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
		want string
	}{
		{"certificate and token", concat(tlsArgs, auth, req), true, `"translations"`},
		{"reflection with the token", concat(tlsArgs, auth, []string{a.grpc, "list"}), true, "translate.v1.TranslationService"},
		{"no token", concat(tlsArgs, req), false, "Unauthenticated"},
		{"health", concat(tlsArgs, auth, []string{a.grpc, "grpc.health.v1.Health/Check"}), true, "SERVING"},
		{"no client certificate", concat([]string{"-cacert", certs.CA}, auth, req), false, "Failed to dial"},
		{"plaintext", concat([]string{"-plaintext"}, auth, req), false, "Failed to dial"},
	} {
		cmd := exec.CommandContext(ctx, bin, tc.args...)
		cmd.Dir = filepath.Join("..", "..")
		out, err := cmd.CombinedOutput()
		if (err == nil) != tc.ok || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v, want success %v printing %q:\n%s", tc.name, err, tc.ok, tc.want, out)
		}
	}
	pem, err := os.ReadFile(certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certs.ClientCert, certs.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}}}
	defer hc.CloseIdleConnections()
	get := func(url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	if code, body := get("https://"+a.metrics+"/metrics", token); code != http.StatusOK ||
		!strings.Contains(body, `translated_requests_total{code="OK",method="Translate"} 1`) {
		t.Errorf("metrics over TLS: %d\n%.300s", code, body)
	}
	// The HTTP API is served with the same certificate, client CA and
	// tokens, through the same interceptors.
	models := "https://" + a.http + "/v1/models"
	if code, body := get(models, token); code != http.StatusOK || !strings.Contains(body, `"en-es"`) {
		t.Errorf("HTTP API over TLS with the token: %d\n%.300s", code, body)
	}
	if code, body := get(models, ""); code != http.StatusUnauthorized {
		t.Errorf("HTTP API without a token: %d, want 401\n%.300s", code, body)
	}
	if code, body := get(models, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("HTTP API with a wrong token: %d, want 401\n%.300s", code, body)
	}
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer noCert.CloseIdleConnections()
	if resp, err := noCert.Get(models); err == nil {
		resp.Body.Close()
		t.Errorf("HTTP API without a client certificate: %s, want a refused handshake", resp.Status)
	}
	if resp, err := http.Get("http://" + a.http + "/v1/models"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Errorf("HTTP API in plaintext: %s, want a refusal", resp.Status)
		}
		resp.Body.Close()
	}
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestSecondSignalExits: the first signal stops the server gracefully
// (the context ends), a second one exits at once.
func TestSecondSignalExits(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	logs := &syncBuffer{}
	ctx := stopOnSignal(sigs, logs, func(code int) { exited <- code })
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Fatalf("exited with %d after one signal", code)
	default:
	}
	sigs <- syscall.SIGTERM
	if code := <-exited; code != 1 {
		t.Fatalf("second signal: exit %d, want 1", code)
	}
	if !strings.Contains(logs.String(), "exiting now") {
		t.Errorf("no word of the forced exit:\n%s", logs)
	}
}
