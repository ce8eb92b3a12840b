package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/translated/translated/cmd/translated/server"
	"github.com/translated/translated/cmd/translated/server/servertest"
)

// TestRemoteTLS runs translate --server against a server (in process) that
// wants mutual TLS and a bearer token: with --tls-ca, --tls-cert,
// --tls-key and the token from --token-file or $TRANSLATED_TOKEN the
// command translates; without the token, or without TLS, it fails.
func TestRemoteTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	certs, err := servertest.WriteCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	const token = "cli-token-0123456789abcdef"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, certs, token)
	tlsFlags := []string{"--tls-ca", certs.CA, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey}
	translate := func(flags ...string) (int, string, string) {
		var out, errs bytes.Buffer
		args := append([]string{"translate", "--server", addr, "--from", "en", "--to", "es", "--beam", "1"}, flags...)
		code := run(ctx, append(args, "Hello world."), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs})
		return code, out.String(), errs.String()
	}
	if code, out, errs := translate(append(tlsFlags, "--token-file", tokenFile)...); code != exitOK || strings.TrimSpace(out) == "" {
		t.Fatalf("with TLS and --token-file: exit %d\n%s%s", code, out, errs)
	}
	t.Setenv(tokenEnv, token)
	if code, out, errs := translate(tlsFlags...); code != exitOK || strings.TrimSpace(out) == "" {
		t.Fatalf("with TLS and $%s: exit %d\n%s%s", tokenEnv, code, out, errs)
	}
	t.Setenv(tokenEnv, "")
	if code, _, errs := translate(tlsFlags...); code == exitOK || !strings.Contains(errs, "Unauthenticated") {
		t.Errorf("without a token: exit %d, want a failure naming Unauthenticated:\n%s", code, errs)
	}
	if code, _, errs := translate("--token-file", tokenFile); code == exitOK {
		t.Errorf("plaintext to a TLS server: exit %d\n%s", code, errs)
	}
	if code, _, errs := translate("--tls-cert", certs.ClientCert); code != exitUsage || !strings.Contains(errs, "--tls-key") {
		t.Errorf("--tls-cert alone: exit %d, want %d naming --tls-key:\n%s", code, exitUsage, errs)
	}
}

// serveTLS serves the test models with mutual TLS and one token until the
// test ends, and returns the address.
func serveTLS(t *testing.T, certs servertest.Certs, token string) string {
	t.Helper()
	ms, err := server.LoadModels(linkTestModels(t, filepath.Join(t.TempDir(), "models")), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := server.DefaultOptions()
	if opts.TLS, err = server.LoadTLS(certs.ServerCert, certs.ServerKey, certs.CA); err != nil {
		t.Fatal(err)
	}
	if opts.Tokens, err = server.ParseTokens([]byte("cli " + token)); err != nil {
		t.Fatal(err)
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(opts, ms)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, lis) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return lis.Addr().String()
}
