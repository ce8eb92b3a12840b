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
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// callInfo collects what a handler learns about its call (which model,
// how many tokens, its estimated memory) for the log line and metrics
// written when it ends.
type callInfo struct {
	mu        sync.Mutex
	model     string
	tokensIn  int
	tokensOut int
	cost      int64
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

// admitted records the source tokens and estimated memory of a request
// that passed its checks, before it decodes.
func (ci *callInfo) admitted(tokensIn int, cost int64) {
	ci.mu.Lock()
	ci.tokensIn, ci.cost = tokensIn, cost
	ci.mu.Unlock()
}

func (ci *callInfo) addTokensOut(n int) {
	ci.mu.Lock()
	ci.tokensOut += n
	ci.mu.Unlock()
}

// Instrument runs one call of method (a short name such as "Translate")
// as Serve's interceptors run every RPC: it writes the call's log line and
// metrics when call returns, and turns a panic into Internal. A gateway
// that calls the handlers directly wraps each call in it, after
// Authorize, so that its calls are logged and counted as the gRPC ones.
func (s *Server) Instrument(ctx context.Context, method string, call func(ctx context.Context) error) (err error) {
	ci := &callInfo{}
	start := time.Now()
	defer func() { s.finish(method, ci, start, err) }()
	defer s.recoverPanic(method, &err)
	return call(context.WithValue(ctx, callInfoKey{}, ci))
}

// unaryInterceptor authenticates, logs and counts every unary call, and
// turns a panic in its handler into Internal.
func (s *Server) unaryInterceptor(ctx context.Context, req any, in *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	markHandled(ctx)
	err = s.Instrument(ctx, path.Base(in.FullMethod), func(ctx context.Context) error {
		ctx, err := s.authenticate(ctx, in.FullMethod)
		if err != nil {
			return err
		}
		if err := s.checkDecoded(path.Base(in.FullMethod), req); err != nil {
			return err
		}
		resp, err = h(ctx, req)
		return err
	})
	return resp, err
}

// streamInterceptor does the same for streaming calls.
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, in *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	markHandled(ss.Context())
	method := path.Base(in.FullMethod)
	return s.Instrument(ss.Context(), method, func(ctx context.Context) error {
		ctx, err := s.authenticate(ctx, in.FullMethod)
		if err != nil {
			return err
		}
		return h(srv, &infoStream{ServerStream: ss, ctx: ctx, check: func(req any) error { return s.checkDecoded(method, req) }})
	})
}

// authenticate checks the call's bearer token when the server has tokens,
// and puts the client's name in ctx. Health checks need none: probes
// carry no token.
func (s *Server) authenticate(ctx context.Context, fullMethod string) (context.Context, error) {
	if s.opts.Tokens == nil || strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") {
		return ctx, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	var header string
	if v := md.Get("authorization"); len(v) > 0 {
		header = v[0]
	}
	name, err := s.Authorize(header)
	if err != nil {
		s.metrics.rejected.WithLabelValues(path.Base(fullMethod), "unauthenticated").Inc()
		return ctx, err
	}
	return WithClient(ctx, "token:"+name), nil
}

// checkDecoded refuses a request that requestCodec could not decode.
func (s *Server) checkDecoded(method string, req any) error {
	if v, bad := s.badRequests.LoadAndDelete(req); bad {
		d := v.(decodeFailure)
		s.metrics.rejected.WithLabelValues(method, d.reason).Inc()
		return toStatus(s.log, d.err)
	}
	return nil
}

// recoverPanic turns a panic of the handler into an Internal status; the
// stack goes to the log, never to the client.
func (s *Server) recoverPanic(method string, err *error) {
	if r := recover(); r != nil {
		s.log.Error("panic in handler", "method", method, "panic", clip(fmt.Sprint(r)), "stack", string(debug.Stack()))
		*err = status.Error(codes.Internal, "internal error")
	}
}

// finish writes the call's log line and metrics.
func (s *Server) finish(method string, ci *callInfo, start time.Time, err error) {
	code := status.Code(err)
	elapsed := time.Since(start)
	s.metrics.requests.WithLabelValues(method, code.String()).Inc()
	s.metrics.latency.WithLabelValues(method).Observe(elapsed.Seconds())

	ci.mu.Lock()
	attrs := []any{"method", method, "model", ci.model, "tokens_in", ci.tokensIn, "tokens_out", ci.tokensOut,
		"mem_estimate", ci.cost, "latency", elapsed, "code", code.String()}
	ci.mu.Unlock()
	level := slog.LevelInfo
	switch code {
	case codes.OK, codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.DeadlineExceeded:
	case codes.ResourceExhausted, codes.Unavailable, codes.Unauthenticated:
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	if level == slog.LevelInfo && (method == "Check" || method == "Watch" || method == "ServerReflectionInfo") {
		level = slog.LevelDebug // health checks and reflection
	}
	if err != nil {
		attrs = append(attrs, "error", clip(status.Convert(err).Message()))
	}
	s.log.Log(context.Background(), level, "rpc", attrs...)
}

// infoStream carries the call record and client in the stream's context
// and checks what it receives.
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
