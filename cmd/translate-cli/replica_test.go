package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	"github.com/translated/translated/cmd/translated/server"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// replica is a translated server in the test's process, serving the test
// models on a loopback port: package server's handlers (its limits,
// worker pool and decoding) behind a gRPC server of the test's own, whose
// interceptor counts the Translate calls that reach it and lets a test
// hold calls back or stop the replica in the middle of a run.
type replica struct {
	addr     string
	calls    atomic.Int64 // Translate calls received
	g        *grpc.Server
	before   atomic.Pointer[beforeCall] // see setBefore
	stopOnce sync.Once
}

// beforeCall runs before a Translate call with the call's number on the
// replica (from 1); an error fails the call.
type beforeCall func(ctx context.Context, n int64, req *translatev1.TranslateRequest) error

// setBefore makes f run before each Translate call from now on.
func (r *replica) setBefore(f beforeCall) { r.before.Store(&f) }

// startReplica serves the test models until the test ends.
func startReplica(t *testing.T) *replica {
	t.Helper()
	ms, err := server.LoadModels(linkTestModels(t, filepath.Join(t.TempDir(), "models")), nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := server.DefaultOptions()
	opts.Workers, opts.Queue = 2, 16
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(opts, ms)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{}
	r.g = grpc.NewServer(grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if tr, ok := req.(*translatev1.TranslateRequest); ok {
			n := r.calls.Add(1)
			if before := r.before.Load(); before != nil {
				if err := (*before)(ctx, n, tr); err != nil {
					return nil, err
				}
			}
		}
		return h(ctx, req)
	}))
	translatev1.RegisterTranslationServiceServer(r.g, srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = lis.Addr().String()
	done := make(chan struct{})
	go func() { _ = r.g.Serve(lis); close(done) }()
	t.Cleanup(func() { r.crash(); <-done })
	return r
}

// stop stops the replica as translated does on SIGTERM: the calls in
// flight finish, new connections are refused.
func (r *replica) stop() { r.stopOnce.Do(r.g.GracefulStop) }

// crash stops the replica as a SIGKILL would: its listener and
// connections close at once and the calls in flight fail.
func (r *replica) crash() { r.stopOnce.Do(r.g.Stop) }
