package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/cmd/translated/server/servertest"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

const testToken = "a-test-token-of-32-characters-xx"

// secureConfig is testConfig with mutual TLS on the certificates of certs
// and one bearer token, testToken, named "tester".
func secureConfig(t *testing.T, certs servertest.Certs) Options {
	t.Helper()
	cfg := testConfig()
	tlsCfg, err := LoadTLS(certs.ServerCert, certs.ServerKey, certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := ParseTokens([]byte("# test\ntester " + testToken + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLS, cfg.Tokens = tlsCfg, tokens
	return cfg
}

// clientTLS is the client side of certs: the CA, and the client
// certificate when withCert.
func clientTLS(t *testing.T, certs servertest.Certs, withCert bool) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(certs.CA)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}
	cfg.RootCAs.AppendCertsFromPEM(pem)
	if withCert {
		cert, err := tls.LoadX509KeyPair(certs.ClientCert, certs.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg
}

type tokenCreds string

func (c tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(c)}, nil
}
func (tokenCreds) RequireTransportSecurity() bool { return true }

// TestMutualTLSAndTokens serves over mutual TLS with a bearer token:
// a client without a certificate cannot connect; with one but without a
// token it may check health only; with a wrong token it is refused; with
// the token it translates. The metrics listener asks for the same.
func TestMutualTLSAndTokens(t *testing.T) {
	ctx := testContext(t)
	certs, err := servertest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := startSecureServer(t, secureConfig(t, certs))
	dial := func(tlsCfg *tls.Config, opts ...grpc.DialOption) *grpc.ClientConn {
		conn, err := grpc.NewClient(h.addr, append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	req := enEs("Hello.")

	noCert := translatev1.NewTranslationServiceClient(dial(clientTLS(t, certs, false), grpc.WithPerRPCCredentials(tokenCreds(testToken))))
	if _, err := noCert.Translate(ctx, req); status.Code(err) != codes.Unavailable {
		t.Errorf("client without a certificate: %v, want Unavailable (handshake refused)", err)
	}

	noToken := dial(clientTLS(t, certs, true))
	if _, err := translatev1.NewTranslationServiceClient(noToken).Translate(ctx, req); status.Code(err) != codes.Unauthenticated {
		t.Errorf("call without a token: %v, want Unauthenticated", err)
	}
	if r, err := healthpb.NewHealthClient(noToken).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health check without a token: %v %v", r, err)
	}

	wrong := translatev1.NewTranslationServiceClient(dial(clientTLS(t, certs, true), grpc.WithPerRPCCredentials(tokenCreds(testToken+"x"))))
	_, err = wrong.Translate(ctx, req)
	if status.Code(err) != codes.Unauthenticated || strings.Contains(status.Convert(err).Message(), testToken) {
		t.Errorf("wrong token: %v, want Unauthenticated not echoing the token", err)
	}

	good := translatev1.NewTranslationServiceClient(dial(clientTLS(t, certs, true), grpc.WithPerRPCCredentials(tokenCreds(testToken))))
	if _, err := good.Translate(ctx, req); err != nil {
		t.Fatalf("client with certificate and token: %v", err)
	}

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(t, certs, true)}}
	defer hc.CloseIdleConnections()
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {testToken, http.StatusOK}} {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+h.metricsAddr+"/metrics", nil)
		if tc.token != "" {
			r.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := hc.Do(r)
		if err != nil {
			t.Fatalf("metrics over TLS: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("metrics with token %q: %d, want %d", tc.token, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusOK && !strings.Contains(string(body), `translated_rejected_total{method="Translate",reason="unauthenticated"} 2`) {
			t.Errorf("metrics do not count the two unauthenticated calls")
		}
	}
}

// secureServer is a server listening on loopback for gRPC and metrics,
// over TLS.
type secureServer struct {
	addr, metricsAddr string
}

func startSecureServer(t *testing.T, cfg Options) secureServer {
	t.Helper()
	srv, err := New(cfg, realModels(t))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ctx, lis) }()
	go func() { done <- srv.ServeMetrics(ctx, mlis) }()
	t.Cleanup(func() {
		stop()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return secureServer{addr: lis.Addr().String(), metricsAddr: mlis.Addr().String()}
}

func TestParseTokens(t *testing.T) {
	for _, tc := range []struct {
		in, err string
		names   []string
	}{
		{"alice 0123456789abcdef0123\n\n# comment\nbob\tfedcba9876543210ffff\n", "", []string{"alice", "bob"}},
		{"0123456789abcdef0123\n", "", []string{"line1"}},
		{"alice short\n", "at least 16", nil},
		{"a b c\n", "NAME TOKEN or TOKEN", nil},
		{"# nothing\n", "no token", nil},
	} {
		tok, err := ParseTokens([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		for _, e := range tok.entries {
			if !strings.Contains(strings.Join(tc.names, " "), e.name) {
				t.Errorf("%q: unexpected name %s", tc.in, e.name)
			}
		}
		if name, ok := tok.lookup("0123456789abcdef0123"); !ok || name != tc.names[0] {
			t.Errorf("%q: lookup gives %q %v", tc.in, name, ok)
		}
		if _, ok := tok.lookup("0123456789abcdef012"); ok {
			t.Errorf("%q: a prefix of a token passes", tc.in)
		}
	}
}

// FuzzParseTokens: any token file gives tokens or an error, never a
// panic; every token it accepts is found again by its own text.
func FuzzParseTokens(f *testing.F) {
	f.Add("alice 0123456789abcdef0123\n# c\n\nbob\tfedcba9876543210ffff\n")
	f.Add("0123456789abcdef0123")
	f.Add("a b c\n")
	f.Add("\xff\xfe 0123456789abcdef0123\r\n")
	f.Fuzz(func(t *testing.T, data string) {
		tok, err := ParseTokens([]byte(data))
		if err != nil {
			return
		}
		if len(tok.entries) == 0 {
			t.Fatal("no error and no token")
		}
		for _, line := range strings.Split(data, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if _, ok := tok.lookup(fields[len(fields)-1]); !ok {
				t.Fatalf("token of line %q not found", line)
			}
		}
	})
}
