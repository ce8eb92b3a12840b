package server

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// callInfo collects what a handler learns about its call (which model,
// how many tokens) for the log line and metrics written when it ends.
type callInfo struct {
	mu        sync.Mutex
	model     string
	tokensIn  int
	tokensOut int
}

type callInfoKey struct{}

// info returns the call's record; a context without one (a handler called
// outside the interceptors, as in unit tests) gets a throwaway record.
func info(ctx context.Context) *callInfo {
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		return ci
	}
	return &callInfo{}
}

func (ci *callInfo) setModel(name string) {
	ci.mu.Lock()
	ci.model = name
	ci.mu.Unlock()
}

func (ci *callInfo) addTokens(in, out int) {
	ci.mu.Lock()
	ci.tokensIn += in
	ci.tokensOut += out
	ci.mu.Unlock()
}

// unaryInterceptor logs and counts every unary call, and turns a panic in
// its handler into Internal.
func (s *Server) unaryInterceptor(ctx context.Context, req any, in *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	ci := &callInfo{}
	start := time.Now()
	defer func() { s.finish(in.FullMethod, ci, start, err) }()
	defer s.recoverPanic(in.FullMethod, &err)
	if err := s.checkDecoded(req); err != nil {
		return nil, err
	}
	resp, err = h(context.WithValue(ctx, callInfoKey{}, ci), req)
	return resp, err
}

// streamInterceptor does the same for streaming calls.
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, in *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	ci := &callInfo{}
	start := time.Now()
	defer func() { s.finish(in.FullMethod, ci, start, err) }()
	defer s.recoverPanic(in.FullMethod, &err)
	return h(srv, &infoStream{ServerStream: ss, ctx: context.WithValue(ss.Context(), callInfoKey{}, ci), check: s.checkDecoded})
}

// checkDecoded refuses a request that requestCodec found invalid UTF-8 in.
func (s *Server) checkDecoded(req any) error {
	if field, bad := s.badUTF8.LoadAndDelete(req); bad {
		return toStatus(s.log, invalidf(field.(string), "not valid UTF-8"))
	}
	return nil
}

// recoverPanic turns a panic of the handler into an Internal status; the
// stack goes to the log, never to the client.
func (s *Server) recoverPanic(method string, err *error) {
	if r := recover(); r != nil {
		s.log.Error("panic in handler", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = status.Error(codes.Internal, "internal error")
	}
}

// finish writes the call's log line and metrics.
func (s *Server) finish(fullMethod string, ci *callInfo, start time.Time, err error) {
	method := path.Base(fullMethod)
	code := status.Code(err)
	elapsed := time.Since(start)
	s.metrics.requests.WithLabelValues(method, code.String()).Inc()
	s.metrics.latency.WithLabelValues(method).Observe(elapsed.Seconds())

	ci.mu.Lock()
	attrs := []any{"method", method, "model", ci.model, "tokens_in", ci.tokensIn, "tokens_out", ci.tokensOut,
		"latency", elapsed, "code", code.String()}
	ci.mu.Unlock()
	level := slog.LevelInfo
	if strings.HasPrefix(fullMethod, "/grpc.") { // health checks and reflection
		level = slog.LevelDebug
	}
	switch code {
	case codes.OK, codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.DeadlineExceeded:
	case codes.ResourceExhausted, codes.Unavailable:
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	if err != nil {
		attrs = append(attrs, "error", status.Convert(err).Message())
	}
	s.log.Log(context.Background(), level, "rpc", attrs...)
}

// infoStream carries the call record in the stream's context and checks
// what it receives.
type infoStream struct {
	grpc.ServerStream
	ctx   context.Context
	check func(req any) error
}

func (s *infoStream) Context() context.Context { return s.ctx }

func (s *infoStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.check(m)
}
