package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestMain fails the package when a test leaves goroutines behind (a
// stream nobody closed, a server nobody stopped, a decoding nobody
// cancelled). The matrix-product helpers of nmt/tensor are not leaks: they
// are started once, on the first product large enough to split, and serve
// the whole process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/translated/translated/nmt/tensor.help"))
}

// testTimeout bounds every test that talks to a server, so that a hang is
// a failure with a stack rather than a stuck run.
const testTimeout = 2 * time.Minute

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// testConfig is a small server: two workers, two queue places, the other
// options at their defaults.
func testConfig() Options {
	o := DefaultOptions()
	o.Workers, o.Queue, o.ShutdownTimeout, o.Logger = 2, 2, time.Minute, quietLogger()
	return o
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// harness is a server with a client connection over bufconn or TCP.
type harness struct {
	srv    *Server
	conn   *grpc.ClientConn
	client translatev1.TranslationServiceClient
	stop   context.CancelFunc // stops the server gracefully
	done   chan error         // serve's result
}

// startServer serves ms in process. network is "bufconn" or "tcp"
// (loopback). The server is stopped when the test ends.
func startServer(t *testing.T, network string, cfg Options, ms *Models) *harness {
	t.Helper()
	srv, err := New(cfg, ms)
	if err != nil {
		t.Fatal(err)
	}
	var lis net.Listener
	var dial []grpc.DialOption
	target := ""
	switch network {
	case "bufconn":
		bl := bufconn.Listen(1 << 20)
		lis, target = bl, "passthrough:///bufconn"
		dial = append(dial, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return bl.DialContext(ctx) }))
	case "tcp":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis, target = l, l.Addr().String()
	default:
		t.Fatalf("unknown network %q", network)
	}
	ctx, stop := context.WithCancel(context.Background())
	h := &harness{srv: srv, stop: stop, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ctx, lis) }()
	conn, err := grpc.NewClient(target, append(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	h.conn, h.client = conn, translatev1.NewTranslationServiceClient(conn)
	t.Cleanup(func() {
		conn.Close()
		stop()
		if err := <-h.done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return h
}
