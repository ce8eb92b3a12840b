package server

import (
	"context"
	"path"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// statsHandler sees every RPC and connection from the transport's side,
// including what never reaches the interceptors: a message over the size
// limit, a call reset by its client before its handler ran, an unknown
// method. Those it logs and counts as the interceptors count the rest
// (translated_requests_total, and translated_rejected_total by reason);
// it also keeps the number of open connections.
type statsHandler struct{ s *Server }

// rpcRecord is what statsHandler keeps about one RPC; the interceptors
// mark it handled.
type rpcRecord struct {
	method  string
	start   time.Time
	handled atomic.Bool
}

type rpcRecordKey struct{}

// markHandled tells the stats handler the interceptors saw the call.
func markHandled(ctx context.Context) {
	if r, ok := ctx.Value(rpcRecordKey{}).(*rpcRecord); ok {
		r.handled.Store(true)
	}
}

func (h statsHandler) TagRPC(ctx context.Context, in *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, rpcRecordKey{}, &rpcRecord{method: in.FullMethodName, start: time.Now()})
}

func (h statsHandler) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	end, ok := rs.(*stats.End)
	if !ok || end.Client {
		return
	}
	r, ok := ctx.Value(rpcRecordKey{}).(*rpcRecord)
	if !ok || r.handled.Load() {
		return
	}
	s := h.s
	method, code := path.Base(r.method), status.Code(end.Error)
	reason := "other"
	switch code {
	case codes.ResourceExhausted:
		reason = "oversize"
	case codes.Canceled, codes.DeadlineExceeded:
		reason = "reset"
	case codes.Unimplemented:
		reason = "unknown_method"
	case codes.OK:
		return
	}
	s.metrics.requests.WithLabelValues(method, code.String()).Inc()
	s.metrics.rejected.WithLabelValues(method, reason).Inc()
	attrs := []any{"method", short(method), "code", code.String(), "reason", reason, "latency", time.Since(r.start)}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, "peer", p.Addr.String())
	}
	if end.Error != nil {
		attrs = append(attrs, "error", clip(status.Convert(end.Error).Message()))
	}
	s.log.Warn("rpc refused before its handler", attrs...)
}

func (h statsHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (h statsHandler) HandleConn(_ context.Context, cs stats.ConnStats) {
	switch cs.(type) {
	case *stats.ConnBegin:
		h.s.metrics.connections.Inc()
	case *stats.ConnEnd:
		h.s.metrics.connections.Dec()
	}
}
