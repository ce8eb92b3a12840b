package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/translated/translated/cmd/translated/server"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The gateway's tests run it in front of a real server (package server)
// with the tiny test models of testdata/models, served as en-es, es-en
// and en-es-relu, over the server's in-process connection, as command
// translated wires them.

// testModels links the tiny test models under pair names.
const testModels = "../testdata/models"

var (
	modelsOnce sync.Once
	models     *server.Models
	modelsErr  error
)

func testModelSet(t testing.TB) *server.Models {
	t.Helper()
	modelsOnce.Do(func() { models, modelsErr = server.LoadModels(testModels, nil) })
	if modelsErr != nil {
		t.Fatal(modelsErr)
	}
	return models
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// live is a gateway in front of a running server, on a loopback HTTP
// address.
type live struct {
	ctx    context.Context                      // the test's, bounded so that a hang fails with a stack
	url    string                               // http://127.0.0.1:port
	client translatev1.TranslationServiceClient // the server over gRPC, to compare with
	srv    *server.Server
}

// startLive starts a server and its gateway; wrap, when set, stands
// between the gateway and the server's connection. Everything stops when
// the test ends.
func startLive(t *testing.T, opts Options, wrap func(grpc.ClientConnInterface) grpc.ClientConnInterface) *live {
	t.Helper()
	return serve(t, opts, testModelSet(t), wrap)
}

// serve starts a server of ms and its gateway, as startLive does.
func serve(t *testing.T, opts Options, ms *server.Models, wrap func(grpc.ClientConnInterface) grpc.ClientConnInterface) *live {
	t.Helper()
	so := server.DefaultOptions()
	so.Workers, so.Queue, so.ShutdownTimeout, so.Logger = 2, 4, time.Minute, quietLogger()
	srv, err := server.New(so, ms)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	conn, err := srv.LocalConn()
	if err != nil {
		t.Fatal(err)
	}
	opts.Conn = conn
	if wrap != nil {
		opts.Conn = wrap(conn)
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		conn.Close()
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	testCtx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return &live{ctx: testCtx, url: ts.URL, client: translatev1.NewTranslationServiceClient(conn), srv: srv}
}

// call makes an HTTP request and returns the status, headers and body.
func call(t *testing.T, ctx context.Context, method, url, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
