package server

import (
	"context"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// localBuffer is the size of each direction's buffer of a local
// connection.
const localBuffer = 1 << 20

// LocalConn returns a client connection to the server's own gRPC service
// that never leaves the process: an in-memory listener served by a
// grpc.Server built as Serve's is (without its TLS, which a connection
// inside the process does not need). Calls made through it go through
// everything a network call goes through — the request codec, the
// interceptors (log line, metrics, panic recovery, and whatever else the
// server is built with), the limits and the worker pool — so that a
// gateway in front of it (package gateway's HTTP/JSON API) behaves exactly
// as gRPC does. The listener is served from the first call on, and closes
// when the server stops (Serve's context ends); calls made after that fail
// with Unavailable. The caller closes the connection.
func (s *Server) LocalConn() (*grpc.ClientConn, error) {
	lis := bufconn.Listen(localBuffer)
	var serve sync.Once
	dial := func(ctx context.Context, _ string) (net.Conn, error) {
		serve.Do(func() {
			go func() { _ = s.local.Serve(lis) }() // returns when the server stops
		})
		return lis.DialContext(ctx)
	}
	return grpc.NewClient("passthrough:///translated-local", grpc.WithContextDialer(dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
}
