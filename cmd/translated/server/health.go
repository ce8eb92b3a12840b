package server

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthService is the standard health service, with Watch streams that
// end when the server stops: a watcher first sees NOT_SERVING, then the
// end of its stream, instead of holding the graceful stop open until its
// timeout.
type healthService struct {
	*health.Server
	stopOnce sync.Once
	stopping chan struct{}
}

func newHealthService() *healthService {
	return &healthService{Server: health.NewServer(), stopping: make(chan struct{})}
}

// shutdown turns every service NOT_SERVING and ends the Watch streams.
func (h *healthService) shutdown() {
	h.stopOnce.Do(func() {
		h.Server.Shutdown()
		close(h.stopping)
	})
}

func (h *healthService) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		select {
		case <-h.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	w := &watchStream{Health_WatchServer: stream, ctx: ctx}
	err := h.Server.Watch(req, w)
	select {
	case <-h.stopping:
		// The last word is NOT_SERVING, once: the inner watch may have
		// sent it before it noticed the stop, or not.
		if w.last == healthpb.HealthCheckResponse_NOT_SERVING {
			return nil
		}
		return stream.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING})
	default:
		return err
	}
}

// watchStream is a Watch stream ended by the server's stop, which
// remembers the last status it sent.
type watchStream struct {
	healthpb.Health_WatchServer
	ctx  context.Context
	last healthpb.HealthCheckResponse_ServingStatus
}

func (w *watchStream) Context() context.Context { return w.ctx }

func (w *watchStream) Send(r *healthpb.HealthCheckResponse) error {
	err := w.Health_WatchServer.Send(r)
	if err == nil {
		w.last = r.GetStatus()
	}
	return err
}

var _ grpc.ServerStream = (*watchStream)(nil)
