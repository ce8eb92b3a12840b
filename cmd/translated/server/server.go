package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Server is the TranslationService over a set of models, with the
// standard health service and server reflection on one gRPC server, and
// its Prometheus metrics. Its exported RPC methods are the handlers; called
// directly (by a gateway, say) they skip what Serve's interceptors add:
// the log line and metrics of each call, and turning a panic into
// Internal.
type Server struct {
	translatev1.UnimplementedTranslationServiceServer

	models          *Models
	pool            *pool
	limits          Limits
	metrics         *metrics
	log             *slog.Logger
	health          *healthService
	grpc            *grpc.Server
	shutdownTimeout time.Duration
	badUTF8         sync.Map // requests requestCodec could not decode → field path
}

// Options set a Server up. DefaultOptions gives the defaults named on each
// field; New refuses options that Validate refuses.
type Options struct {
	// Workers is how many requests decode at once. Default: the number of
	// CPUs (runtime.NumCPU).
	Workers int
	// Queue is how many more requests may wait for a worker; past that a
	// request is refused at once with RESOURCE_EXHAUSTED. 0: none waits.
	// Default: 4 × the number of CPUs.
	Queue int
	// Limits bound every request. Default: DefaultLimits().
	Limits Limits
	// ShutdownTimeout is how long the calls in flight may run on once
	// Serve's context ends; the calls still running then are cancelled.
	// Default: 30 s.
	ShutdownTimeout time.Duration
	// Logger receives one line per call and the server's own events.
	// nil: slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns the defaults named on Options' fields.
func DefaultOptions() Options {
	return Options{
		Workers:         runtime.NumCPU(),
		Queue:           4 * runtime.NumCPU(),
		Limits:          DefaultLimits(),
		ShutdownTimeout: 30 * time.Second,
	}
}

// Validate returns an error naming the first field out of range: Workers
// under 1, Queue or ShutdownTimeout negative, or a limit under 1.
func (o Options) Validate() error {
	switch {
	case o.Workers < 1:
		return fmt.Errorf("Workers must be at least 1, got %d", o.Workers)
	case o.Queue < 0:
		return fmt.Errorf("Queue must not be negative, got %d", o.Queue)
	case o.ShutdownTimeout < 0:
		return fmt.Errorf("ShutdownTimeout must not be negative, got %v", o.ShutdownTimeout)
	}
	return o.Limits.Validate()
}

// New builds the server over ms: the TranslationService, the standard
// health service (SERVING once built) and server reflection.
func New(opts Options, ms *Models) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if ms == nil || len(ms.byName) == 0 {
		return nil, errors.New("no model to serve")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{models: ms, limits: opts.Limits, metrics: newMetrics(), log: log, health: newHealthService(),
		shutdownTimeout: opts.ShutdownTimeout}
	s.pool = newPool(opts.Workers, opts.Queue, s.metrics.poolChanged)
	s.metrics.modelsAvailable.Set(float64(len(ms.byName)))
	s.grpc = grpc.NewServer(
		grpc.ForceServerCodecV2(newRequestCodec(&s.badUTF8)),
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
	)
	translatev1.RegisterTranslationServiceServer(s.grpc, s)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(translatev1.TranslationService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return s, nil
}

// Serve serves gRPC on lis until ctx is done, then stops gracefully: health
// turns NOT_SERVING, new calls are refused, and calls in flight get up to
// Options.ShutdownTimeout to finish before they are cancelled. It returns
// the error that ended serving, nil after a stop. A Server serves once.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- s.grpc.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.stop(s.shutdownTimeout)
	if err := <-done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// stop drains the server: NOT_SERVING first, so that load balancers stop
// sending, then a graceful stop bounded by timeout, then a hard stop that
// cancels what is left (decoding ends within one step of it).
func (s *Server) stop(timeout time.Duration) {
	s.health.shutdown()
	s.log.Info("stopping", "timeout", timeout)
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-stopped:
		s.log.Info("stopped: every call finished")
	case <-timer.C:
		s.log.Warn("stop timeout reached: cancelling the calls still running")
		s.grpc.Stop()
		<-stopped
	}
}

// MetricsHandler serves the server's Prometheus metrics at /metrics.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// ServeMetrics serves MetricsHandler on lis until ctx is done.
func (s *Server) ServeMetrics(ctx context.Context, lis net.Listener) error {
	return ServeHTTP(ctx, lis, s.MetricsHandler(), 5*time.Second)
}
